"""One change to a complaint, recorded three ways in the caller's transaction: a timeline row
(who, what, next step, due by), a domain event for the live feed, and, when a member is
attached, a progress message to the customer in the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events
from api.domain.complaints import outbox
from db.models import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    ComplaintTimelineEntry,
    Staff,
    Store,
    TimelineKind,
)


class ComplaintEventType(Protocol):
    """A ComplaintChanged type, or a partial of one with its own fields given."""

    def __call__(
        self,
        *,
        complaint_id: int,
        status: ComplaintStatus,
        assignee_id: int | None,
        category: ComplaintCategory,
        timeline_kind: TimelineKind,
    ) -> events.ComplaintChanged: ...


async def staff_name(session: AsyncSession, staff_id: int | None) -> str | None:
    if staff_id is None:
        return None
    staff = await session.get(Staff, staff_id)
    return staff.display_name if staff is not None else None


async def record_change(
    session: AsyncSession,
    complaint: Complaint,
    *,
    kind: TimelineKind,
    actor_id: int | None,
    event_kind: ComplaintEventType | None,
    note: str | None = None,
    next_step: str | None = None,
    due_by: datetime | None = None,
    notify: bool = True,
    reopen_until: datetime | None = None,
) -> ComplaintTimelineEntry:
    """Append the timeline row, emit `event_kind` and queue the customer's message."""
    await session.flush()  # the complaint's new state (and id) first
    entry = ComplaintTimelineEntry(
        store_id=complaint.store_id,
        complaint_id=complaint.id,
        kind=kind,
        actor_id=actor_id,
        status=complaint.status,
        assignee_id=complaint.assignee_id,
        note=note,
        next_step=next_step,
        due_by=due_by,
    )
    session.add(entry)
    await session.flush()
    if event_kind is not None:
        payload = event_kind(
            complaint_id=complaint.id,
            status=complaint.status,
            assignee_id=complaint.assignee_id,
            category=complaint.category,
            timeline_kind=kind,
        )
        await events.emit(
            session, payload, store_id=complaint.store_id, region_id=complaint.region_id
        )
    if notify and complaint.member_id is not None:
        store = await session.get(Store, complaint.store_id)
        assert store is not None
        body = outbox.progress_text(
            kind,
            complaint_id=complaint.id,
            handler=await staff_name(session, complaint.assignee_id),
            due_by=reopen_until if kind is TimelineKind.RESOLVED else due_by,
            time_zone=store.time_zone,
            resolution=complaint.resolution,
        )
        await outbox.queue_message(
            session,
            store_id=complaint.store_id,
            complaint_id=complaint.id,
            member_id=complaint.member_id,
            body=body,
        )
    return entry
