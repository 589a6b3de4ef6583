"""The live complaint feed: `complaintEvents` over graphql-transport-ws."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from functools import partial

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain.access import Permission, authorize_region, authorize_store
from api.domain.complaints import queries
from api.domain.errors import NotFound
from api.domain.events import COMPLAINT_KINDS, ComplaintChanged
from api.realtime.stream import EventRecord, event_stream, live_feeds, parse_last_event_id
from api.schema.complaint_inputs import ComplaintEventFilter
from api.schema.complaints import Complaint, ComplaintEvent
from api.schema.permissions import requires
from db import models


@dataclass(frozen=True)
class _EventFilter:
    """A subscriber's own filter over the events its scope already allows."""

    staff_id: int
    store_id: int | None = None
    region_id: int | None = None
    assigned_to_me: bool = False

    def visible(self, record: EventRecord) -> bool:
        if self.store_id is not None and record.store_id != self.store_id:
            return False
        if self.region_id is not None and record.region_id != self.region_id:
            return False
        if not self.assigned_to_me:
            return True
        return record.payload_as(ComplaintChanged).assignee_id == self.staff_id


@strawberry.type
class ComplaintsSubscription:
    @strawberry.subscription(
        extensions=[requires(Permission.SUBSCRIBE_COMPLAINTS)],
        description="Complaints in your scope as they are filed, assigned, moved and breach "
        "their SLA; narrowed by region, store or `assignedToMe`. Each event is authorised "
        "for you when it is delivered. Pass `lastEventId` to first get the events you missed "
        "(at most 1000).",
    )
    async def complaint_events(
        self,
        info: Info,
        filter: ComplaintEventFilter | None = None,
        last_event_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[ComplaintEvent, None]:
        context: Context = info.context
        actor = context.require_actor()
        f = filter or ComplaintEventFilter()
        after = parse_last_event_id(last_event_id)
        async with context.services.sessions() as session:
            store = (
                await authorize_store(session, actor, f.store_code, Permission.SUBSCRIBE_COMPLAINTS)
                if f.store_code is not None
                else None
            )
            region_id = (
                await authorize_region(
                    session, actor, f.region_code, Permission.SUBSCRIBE_COMPLAINTS
                )
                if f.region_code is not None
                else None
            )
        rule = _EventFilter(
            staff_id=actor.staff_id,
            store_id=store.id if store else None,
            region_id=region_id,
            assigned_to_me=f.assigned_to_me,
        )
        events = event_stream(
            context, kinds=COMPLAINT_KINDS, last_event_id=after, visible=rule.visible
        )
        reads = live_feeds(context.services).reads
        async with contextlib.aclosing(events):
            async for record in events:
                # Read fresh when the event is delivered, once per process for every
                # subscriber with the same scope and permissions (they would read the same).
                key = ("complaint", record.id, actor.scope, actor.permissions)
                complaint = await reads.get(key, partial(_read_complaint, context, record))
                if complaint is None:  # no longer visible to this subscriber
                    continue
                yield ComplaintEvent(
                    id=strawberry.ID(str(record.id)),
                    kind=record.kind,
                    occurred_at=record.occurred_at,
                    complaint=Complaint.from_model(complaint),
                    share_key=("complaint", record.id),
                )


async def _read_complaint(context: Context, record: EventRecord) -> models.Complaint | None:
    """The event's complaint as the subscriber may see it, in a short session (a socket holds
    none); None when it is out of their sight now."""
    async with context.services.sessions() as session:
        try:
            changed = record.payload_as(ComplaintChanged)
            return await queries.get_complaint(session, context.actor, changed.complaint_id)
        except NotFound:
            return None
