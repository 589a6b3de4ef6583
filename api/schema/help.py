"""GraphQL types for help from HQ: the request and its answer, the inputs and payloads, the live
answer event and the store's alerts list entry."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from api.context import Context
from api.domain.help_requests import StoreAlertRow, help_requests_by_id
from api.domain.photo_links import PhotoRef, photos_of
from api.realtime.records import EventRecord
from api.schema.complaint_loaders import loaders, reading
from api.schema.live import EventKindEnum
from api.schema.organisation import Store
from api.schema.photos import Photo
from db import models

if TYPE_CHECKING:
    from api.schema.staff import Staff

_ATTRIBUTE = "_help_loaders"
LazyStaff = Annotated["Staff", strawberry.lazy("api.schema.staff")]

HelpRequestStatusEnum = strawberry.enum(
    models.HelpRequestStatus,
    name="HelpRequestStatus",
    description="OPEN until HQ answers it once: then ANSWERED.",
)


class HelpLoaders:
    """This request's batched reads for help requests (over a socket: a short session each)."""

    def __init__(self, context: Context) -> None:
        async def load_photos(ids: list[int]) -> list[list[PhotoRef]]:
            async with reading(context) as session:
                found = await photos_of(session, models.PhotoSubject.HELP_REQUEST, ids)
            return [found[i] for i in ids]

        async def load_requests(ids: list[int]) -> list[models.HelpRequest | None]:
            async with reading(context) as session:
                found = await help_requests_by_id(session, context.actor, ids)
            return [found.get(i) for i in ids]

        self.photos: DataLoader[int, list[PhotoRef]] = DataLoader(load_photos)
        self.requests: DataLoader[int, models.HelpRequest | None] = DataLoader(load_requests)


def help_loaders(context: Context) -> HelpLoaders:
    found = getattr(context, _ATTRIBUTE, None)
    if found is None:
        found = HelpLoaders(context)
        setattr(context, _ATTRIBUTE, found)
    return found


async def _staff(info: Info, staff_id: int | None) -> Staff | None:
    from api.schema.staff import Staff

    if staff_id is None:
        return None
    found = await loaders(info.context).staff.load(staff_id)
    return Staff.from_model(found) if found is not None else None


@strawberry.type(description="A store asking HQ for help, and HQ's answer once given.")
class HelpRequest(relay.Node):
    id: relay.NodeID[int]
    status: HelpRequestStatusEnum  # type: ignore[valid-type]
    note: str = strawberry.field(description="What the clerk asked.")
    requested_at: datetime
    answer: str | None
    answered_at: datetime | None
    model: strawberry.Private[models.HelpRequest]

    @classmethod
    def from_model(cls, row: models.HelpRequest) -> HelpRequest:
        return cls(
            id=row.id,
            status=row.status,
            note=row.note,
            requested_at=row.requested_at,
            answer=row.answer,
            answered_at=row.answered_at,
            model=row,
        )

    @strawberry.field
    async def store(self, info: Info) -> Store:
        found = await loaders(info.context).store.load(self.model.store_id)
        assert found is not None  # stores are never deleted
        return Store.from_model(found)

    @strawberry.field(description="The clerk or store manager who asked.")
    async def requested_by(self, info: Info) -> LazyStaff | None:
        return await _staff(info, self.model.requested_by_id)

    @strawberry.field(description="Who answered; null while OPEN.")
    async def answered_by(self, info: Info) -> LazyStaff | None:
        return await _staff(info, self.model.answered_by_id)

    @strawberry.field(description="The photo sent with the request, if any.")
    async def photo(self, info: Info) -> Photo | None:
        refs = await help_loaders(info.context).photos.load(self.model.id)
        return Photo.from_ref(refs[0]) if refs else None


@strawberry.input
class RequestHelpInput:
    store_code: str = strawberry.field(description="Your store.")
    note: str = strawberry.field(description="What you need, 1 to 1000 characters.")
    photo_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your own upload (POST /photos) showing the problem."
    )
    idempotency_key: str | None = None


@strawberry.type
class RequestHelpPayload:
    help_request: HelpRequest


@strawberry.input
class AnswerHelpRequestInput:
    help_request_id: strawberry.ID
    answer: str = strawberry.field(description="1 to 2000 characters.")
    idempotency_key: str | None = None


@strawberry.type
class AnswerHelpRequestPayload:
    help_request: HelpRequest


@strawberry.type(description="HQ answered one of the store's help requests.")
class HelpAnswerEvent:
    id: strawberry.ID = strawberry.field(
        description="The event's position in the feed (a number, not a global id): pass the "
        "last one you received as `lastEventId` to resume. The same id as the store alert."
    )
    occurred_at: datetime
    help_request: HelpRequest

    @classmethod
    def build(cls, record: EventRecord, request: models.HelpRequest) -> HelpAnswerEvent:
        return cls(
            id=strawberry.ID(str(record.id)),
            occurred_at=record.occurred_at,
            help_request=HelpRequest.from_model(request),
        )


@strawberry.type(
    description="One entry of a store's alerts list: an event the store was sent live (its id "
    "is that event's id, usable as `lastEventId`)."
)
class StoreAlert:
    id: strawberry.ID = strawberry.field(description="The event's id (a number).")
    kind: EventKindEnum  # type: ignore[valid-type]
    occurred_at: datetime
    help_request_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: StoreAlertRow) -> StoreAlert:
        return cls(
            id=strawberry.ID(str(row.event_id)),
            kind=row.kind,
            occurred_at=row.occurred_at,
            help_request_id=row.help_request_id,
        )

    @strawberry.field(description="The help request the alert is about (its answer).")
    async def help_request(self, info: Info) -> HelpRequest | None:
        found = await help_loaders(info.context).requests.load(self.help_request_id)
        return HelpRequest.from_model(found) if found is not None else None
