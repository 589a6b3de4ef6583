"""Queries, mutations and the live feed of help from HQ (api/domain/help_requests.py)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain import global_ids, help_requests
from api.domain.access import Permission, authorize_store
from api.domain.events import HelpAnswered
from api.realtime.stream import event_stream, parse_last_event_id
from api.resolvers.idempotent import once
from api.schema.help import (
    AnswerHelpRequestInput,
    AnswerHelpRequestPayload,
    HelpAnswerEvent,
    HelpRequest,
    HelpRequestStatusEnum,
    RequestHelpInput,
    RequestHelpPayload,
    StoreAlert,
)
from api.schema.permissions import requires
from api.schema.relay import Connection, connection
from db import models


async def _help_request(context: Context, help_request_id: int) -> HelpRequest:
    found = await help_requests.get_help_request(context.session, context.actor, help_request_id)
    return HelpRequest.from_model(found)


@strawberry.type
class HelpQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_HELP_REQUESTS)],
        description="One help request of a store in your scope.",
    )
    async def help_request(self, info: Info, id: strawberry.ID) -> HelpRequest:
        return await _help_request(
            info.context, global_ids.expect(id, "HelpRequest", argument="id")
        )

    @strawberry.field(
        extensions=[requires(Permission.VIEW_HELP_REQUESTS)],
        description="Help requests of stores in your scope (HQ: every store; a region "
        "manager: the region's; store staff: their store's), oldest first. `status` OPEN is "
        "what waits for an answer.",
    )
    async def help_requests(
        self,
        info: Info,
        store_code: str | None = None,
        status: HelpRequestStatusEnum | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[HelpRequest]:
        page = await help_requests.list_help_requests(
            info.context.session,
            info.context.actor,
            store_code=store_code,
            status=models.HelpRequestStatus(status) if status is not None else None,
            first=first,
            after=after,
        )
        return connection(page, HelpRequest.from_model)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_HELP_REQUESTS)],
        description="A store's alerts, newest first: the answers to its help requests, each "
        "with the id of the event the live feed (`helpAnswers`) sent.",
    )
    async def store_alerts(
        self, info: Info, store_code: str, first: int | None = None, after: str | None = None
    ) -> Connection[StoreAlert]:
        page = await help_requests.store_alerts(
            info.context.session,
            info.context.actor,
            store_code=store_code,
            first=first,
            after=after,
        )
        return connection(page, StoreAlert.from_row)


@strawberry.type
class HelpMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.REQUEST_HELP)],
        description="Ask HQ for help from your store (a note, optionally a photo from POST "
        "/photos). HQ sees it in `helpRequests`; the answer arrives on `helpAnswers` and in "
        "`storeAlerts`.",
    )
    async def request_help(self, info: Info, input: RequestHelpInput) -> RequestHelpPayload:
        context: Context = info.context
        photo_ids = global_ids.expect_photos([input.photo_id] if input.photo_id else [])
        new = help_requests.NewHelpRequest(
            store_code=input.store_code.strip(),
            note=input.note,
            photo_id=photo_ids[0] if photo_ids else None,
        )

        async def perform() -> int:
            return await help_requests.request_help(context.session, context.actor, new)

        help_request_id = await once(context, "requestHelp", input, perform)
        return RequestHelpPayload(help_request=await _help_request(context, help_request_id))

    @strawberry.mutation(
        extensions=[requires(Permission.ANSWER_HELP_REQUESTS)],
        description="Answer an OPEN help request of a store in your scope (once); the store "
        "is told at once (HELP_ANSWERED).",
    )
    async def answer_help_request(
        self, info: Info, input: AnswerHelpRequestInput
    ) -> AnswerHelpRequestPayload:
        context: Context = info.context
        help_request_id = global_ids.expect(
            input.help_request_id, "HelpRequest", argument="helpRequestId"
        )

        async def perform() -> int:
            return await help_requests.answer_help_request(
                context.session, context.actor, help_request_id, input.answer
            )

        await once(context, "answerHelpRequest", input, perform)
        return AnswerHelpRequestPayload(help_request=await _help_request(context, help_request_id))


@strawberry.type
class HelpSubscription:
    @strawberry.subscription(
        extensions=[requires(Permission.VIEW_HELP_REQUESTS)],
        description="Answers to the help requests of one store in your scope, as HQ gives "
        "them. Pass `lastEventId` (the id of the last event or store alert you received) to "
        "first get, once each and in order, the answers you missed (at most 1000; more is "
        "BAD_USER_INPUT: reload `storeAlerts` and subscribe without it).",
    )
    async def help_answers(
        self, info: Info, store_code: str, last_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[HelpAnswerEvent, None]:
        context = info.context
        after = parse_last_event_id(last_event_id)
        async with context.services.sessions() as session:
            store = await authorize_store(
                session, context.actor, store_code, Permission.VIEW_HELP_REQUESTS
            )
        events = event_stream(
            context,
            kinds=frozenset({HelpAnswered.kind}),
            last_event_id=after,
            visible=lambda record: record.store_id == store.id,
        )
        async with contextlib.aclosing(events):
            async for record in events:
                answered = record.payload_as(HelpAnswered)
                found = await help_requests.help_requests_by_id(
                    context.session, context.actor, [answered.help_request_id]
                )
                request = found.get(answered.help_request_id)
                if request is not None:  # requests are never deleted; scope was checked
                    yield HelpAnswerEvent.build(record, request)
