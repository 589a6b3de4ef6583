"""Response and resolution targets per category, and the job that flags breaches.

The job flags each kind of breach once per complaint: the UPDATE sets `*_breached_at` only
where it is NULL, so runs back to back, or two workers at once (the second UPDATE waits on
the row lock, then re-checks the condition and skips), flag and escalate each breach exactly
once. A breach is escalated to the region manager, recorded on the timeline and announced
with a COMPLAINT_SLA_BREACHED event.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events
from api.domain.access import Actor, Permission, require
from api.domain.complaints.routing import region_manager
from api.domain.complaints.timeline import record_change
from api.domain.errors import InvalidInput
from api.domain.scans import ScanResult
from db.models import Complaint, ComplaintCategory, ComplaintSla, TimelineKind

DEFAULT_FIRST_RESPONSE_MINUTES = 60
DEFAULT_RESOLUTION_MINUTES = 24 * 60
MAX_MINUTES = 30 * 24 * 60


async def targets(
    session: AsyncSession, category: ComplaintCategory
) -> tuple[timedelta, timedelta]:
    """(first response, resolution) for a category; the defaults if none is set."""
    row = await session.get(ComplaintSla, category)
    first, resolution = (
        (row.first_response_minutes, row.resolution_minutes)
        if row is not None
        else (DEFAULT_FIRST_RESPONSE_MINUTES, DEFAULT_RESOLUTION_MINUTES)
    )
    return timedelta(minutes=first), timedelta(minutes=resolution)


async def list_slas(session: AsyncSession, actor: Actor | None) -> list[ComplaintSla]:
    require(actor, Permission.VIEW_COMPLAINTS)
    found = {s.category: s for s in await session.scalars(select(ComplaintSla))}
    return [
        found.get(c)
        or ComplaintSla(
            category=c,
            first_response_minutes=DEFAULT_FIRST_RESPONSE_MINUTES,
            resolution_minutes=DEFAULT_RESOLUTION_MINUTES,
        )
        for c in ComplaintCategory
    ]


async def set_sla(
    session: AsyncSession,
    actor: Actor | None,
    *,
    category: ComplaintCategory,
    first_response_minutes: int,
    resolution_minutes: int,
) -> ComplaintSla:
    """Set a category's targets; complaints filed from now on get them."""
    actor = require(actor, Permission.MANAGE_COMPLAINT_SLAS)
    if not 1 <= first_response_minutes <= resolution_minutes <= MAX_MINUTES:
        raise InvalidInput(
            "Targets must satisfy 1 <= firstResponseMinutes <= resolutionMinutes <= "
            f"{MAX_MINUTES}.",
            field="firstResponseMinutes",
        )
    values = {
        "first_response_minutes": first_response_minutes,
        "resolution_minutes": resolution_minutes,
        "updated_by_id": actor.staff_id,
    }
    await session.execute(
        insert(ComplaintSla)
        .values(category=category, **values)
        .on_conflict_do_update(
            index_elements=[ComplaintSla.category],
            set_={**values, "updated_at": text("now()")},
        )
    )
    return await session.get_one(ComplaintSla, category, populate_existing=True)


# Flag one kind of breach: unresolved, past due, not yet flagged. SKIP LOCKED: a complaint a
# handler is changing right now is taken on the next run rather than waited for.
_FLAG = """
    WITH due AS (
      SELECT store_id, id FROM complaint
       WHERE status IN ('OPEN', 'ASSIGNED', 'IN_PROGRESS', 'REOPENED')
         AND {condition}
       ORDER BY id
       LIMIT :limit
         FOR UPDATE SKIP LOCKED
    )
    UPDATE complaint c SET {column} = now()
      FROM due WHERE c.store_id = due.store_id AND c.id = due.id AND c.{column} IS NULL
    RETURNING c.store_id, c.id
"""
_BREACHES = {
    TimelineKind.FIRST_RESPONSE_BREACHED: (
        "first_response_breached_at",
        "first_responded_at IS NULL AND first_response_due_at < now()"
        " AND first_response_breached_at IS NULL",
    ),
    TimelineKind.RESOLUTION_BREACHED: (
        "resolution_breached_at",
        "resolution_due_at < now() AND resolution_breached_at IS NULL",
    ),
}


async def flag_breaches(session: AsyncSession, *, limit: int = 500) -> ScanResult:
    """Flag, escalate and record every new breach; `opened` counts them."""
    flagged = 0
    for kind, (column, condition) in _BREACHES.items():
        keys = (
            await session.execute(
                text(_FLAG.format(column=column, condition=condition)), {"limit": limit}
            )
        ).all()
        for key in keys:
            complaint = await session.get_one(
                Complaint, {"store_id": key.store_id, "id": key.id}, populate_existing=True
            )
            manager = await region_manager(session, complaint.region_id)
            complaint.escalated_to_id = manager.id if manager else complaint.escalated_to_id
            what = (
                "first response" if kind is TimelineKind.FIRST_RESPONSE_BREACHED else "resolution"
            )
            due = (
                complaint.first_response_due_at
                if kind is TimelineKind.FIRST_RESPONSE_BREACHED
                else complaint.resolution_due_at
            )
            escalated = (
                f"escalated to {manager.username}"
                if manager
                else "no region manager to escalate to"
            )
            await record_change(
                session,
                complaint,
                kind=kind,
                actor_id=None,
                event_kind=partial(
                    events.ComplaintSlaBreached,
                    breach=kind,
                    escalated_to_id=manager.id if manager else None,
                ),
                note=f"The {what} target ({due.isoformat()}) was missed; {escalated}.",
                next_step=f"{what.capitalize()} overdue: the handler or the region manager acts "
                "now.",
                notify=False,
            )
            flagged += 1
    return ScanResult(opened=flagged, cleared=0)
