"""The complaint state machine; every move is scoped, locked, checked, and recorded.

    OPEN ──assign──> ASSIGNED ──start──> IN_PROGRESS ──resolve──> RESOLVED ──close──> CLOSED
                                             ^                      │                  │
                                             └──start── REOPENED <──┴──reopen──────────┘
                                                        (within complaint_reopen_days of
                                                         the resolution)

Reassignment keeps the status (OPEN becomes ASSIGNED). Any other move is CONFLICT naming the
current status. The row is locked (SELECT ... FOR UPDATE) before its status is read, so two
concurrent moves serialise and the second sees the first's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events, global_ids
from api.domain.access import Actor, Permission, require
from api.domain.complaints import compensation, sla
from api.domain.complaints.common import (
    complaint_in_scope,
    may_handle,
    refuse_move,
)
from api.domain.complaints.filing import assign
from api.domain.complaints.routing import pick_assignee
from api.domain.complaints.timeline import record_change, staff_name
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, Forbidden, InvalidInput
from db.models import Complaint, ComplaintStatus, Staff, StaffStatus, TimelineKind

S = ComplaintStatus
MAX_TEXT = 2000


def _public(complaint: Complaint) -> str:
    """The complaint's id as clients know it, for messages."""
    return global_ids.encode("Complaint", complaint.id)


def _text(value: str | None, field: str, *, required: bool) -> str | None:
    cleaned = (value or "").strip() or None
    if cleaned is None and required:
        raise InvalidInput(f"{field}: required", field=field)
    if cleaned is not None and len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"{field}: at most {MAX_TEXT} characters", field=field)
    return cleaned


def _must_own(actor: Actor, complaint: Complaint) -> None:
    """Work on a complaint is its assignee's, or a manager's who may assign complaints."""
    if complaint.assignee_id != actor.staff_id and not actor.can(Permission.ASSIGN_COMPLAINTS):
        raise Forbidden(
            f"Complaint {_public(complaint)} is assigned to someone else; ask them or a manager to "
            "reassign it.",
            reason=ErrorReason.NOT_ASSIGNEE,
            complaintId=_public(complaint),
        )


async def start_work(
    session: AsyncSession, actor: Actor | None, complaint_id: int, note: str | None = None
) -> None:
    """The first response (or work again after a reopen): IN_PROGRESS. An OPEN complaint is
    taken by the caller; a manager starting someone else's takes it over."""
    actor = require(actor, Permission.HANDLE_COMPLAINTS)
    complaint = await complaint_in_scope(
        session, actor, complaint_id, Permission.HANDLE_COMPLAINTS, lock=True
    )
    refuse_move(complaint, "start work", (S.OPEN, S.ASSIGNED, S.REOPENED))
    note = _text(note, "note", required=False)
    if complaint.status is S.OPEN or complaint.assignee_id != actor.staff_id:
        if complaint.assignee_id is not None:
            _must_own(actor, complaint)
        await assign(session, complaint, actor.staff_id, actor_id=actor.staff_id, note="Taken")
    now = datetime.now(UTC)
    complaint.status = S.IN_PROGRESS
    complaint.first_responded_at = complaint.first_responded_at or now
    complaint.updated_at = now
    handler = await staff_name(session, complaint.assignee_id)
    await record_change(
        session,
        complaint,
        kind=TimelineKind.STARTED,
        actor_id=actor.staff_id,
        event_kind=events.ComplaintStatusChanged,
        note=note,
        next_step=f"{handler} to resolve",
        due_by=complaint.resolution_due_at,
    )


@dataclass(frozen=True)
class Resolution:
    text: str
    replacement: compensation.ReplacementInput | None = None
    coupon_cents: int | None = None


async def resolve(
    session: AsyncSession,
    actor: Actor | None,
    complaint_id: int,
    resolution: Resolution,
    *,
    reopen_days: int,
) -> None:
    """Resolve with an explanation and optional compensation (pickup task, coupon)."""
    actor = require(actor, Permission.HANDLE_COMPLAINTS)
    complaint = await complaint_in_scope(
        session, actor, complaint_id, Permission.HANDLE_COMPLAINTS, lock=True
    )
    refuse_move(complaint, "resolve", (S.IN_PROGRESS,))
    _must_own(actor, complaint)
    text = _text(resolution.text, "resolution", required=True)
    replacement, problems = await compensation.check_compensation(
        session, complaint, resolution.replacement, resolution.coupon_cents
    )
    compensation.check_no_problems(problems)
    now = datetime.now(UTC)
    complaint.status = S.RESOLVED
    complaint.resolution = text
    complaint.resolved_at = now
    complaint.updated_at = now
    await compensation.give_compensation(
        session, actor, complaint, replacement, resolution.coupon_cents, now=now
    )
    reopen_until = now + timedelta(days=reopen_days)
    await record_change(
        session,
        complaint,
        kind=TimelineKind.RESOLVED,
        actor_id=actor.staff_id,
        event_kind=events.ComplaintStatusChanged,
        note=text,
        next_step="The customer confirms (close) or asks again (reopen)",
        due_by=reopen_until,
        reopen_until=reopen_until,
    )


async def close(
    session: AsyncSession, actor: Actor | None, complaint_id: int, note: str | None = None
) -> None:
    actor = require(actor, Permission.HANDLE_COMPLAINTS)
    complaint = await complaint_in_scope(
        session, actor, complaint_id, Permission.HANDLE_COMPLAINTS, lock=True
    )
    refuse_move(complaint, "close", (S.RESOLVED,))
    now = datetime.now(UTC)
    complaint.status = S.CLOSED
    complaint.closed_at = now
    complaint.updated_at = now
    await record_change(
        session,
        complaint,
        kind=TimelineKind.CLOSED,
        actor_id=actor.staff_id,
        event_kind=events.ComplaintStatusChanged,
        note=_text(note, "note", required=False),
    )


async def reopen(
    session: AsyncSession,
    actor: Actor | None,
    complaint_id: int,
    reason: str,
    *,
    reopen_days: int,
) -> None:
    """The customer is not satisfied: back to a handler with a new resolution target. Allowed
    within `reopen_days` of the resolution, at a store in the caller's scope."""
    actor = require(actor, Permission.FILE_COMPLAINTS)
    complaint = await complaint_in_scope(
        session, actor, complaint_id, Permission.FILE_COMPLAINTS, lock=True
    )
    refuse_move(complaint, "reopen", (S.RESOLVED, S.CLOSED))
    text = _text(reason, "reason", required=True)
    now = datetime.now(UTC)
    assert complaint.resolved_at is not None
    deadline = complaint.resolved_at + timedelta(days=reopen_days)
    if now > deadline:
        raise Conflict(
            f"Complaint {_public(complaint)} was resolved more than {reopen_days} days ago "
            f"(reopen window ended {deadline.isoformat()}); file a new complaint.",
            reason=ErrorReason.REOPEN_WINDOW_CLOSED,
            complaintId=_public(complaint),
            status=str(complaint.status),
        )
    _, resolution_target = await sla.targets(session, complaint.category)
    complaint.status = S.REOPENED
    complaint.reopen_count += 1
    complaint.resolved_at = None
    complaint.closed_at = None
    complaint.resolution_due_at = now + resolution_target
    complaint.updated_at = now
    assignee = await session.get(Staff, complaint.assignee_id) if complaint.assignee_id else None
    if assignee is None or assignee.status is not StaffStatus.ACTIVE:
        complaint.assignee_id = await pick_assignee(
            session, complaint.region_id, complaint.category
        )
    handler = await staff_name(session, complaint.assignee_id)
    await record_change(
        session,
        complaint,
        kind=TimelineKind.REOPENED,
        actor_id=actor.staff_id,
        event_kind=events.ComplaintStatusChanged,
        note=text,
        next_step=f"{handler or 'A handler'} to resolve again",
        due_by=complaint.resolution_due_at,
    )


async def reassign(
    session: AsyncSession,
    actor: Actor | None,
    complaint_id: int,
    assignee_username: str,
    note: str | None = None,
) -> None:
    """A manager (ASSIGN_COMPLAINTS) or the current assignee gives the complaint to another
    active staff member who may handle complaints at its store."""
    actor = require(actor, Permission.HANDLE_COMPLAINTS)
    complaint = await complaint_in_scope(
        session, actor, complaint_id, Permission.HANDLE_COMPLAINTS, lock=True
    )
    refuse_move(complaint, "reassign", (S.OPEN, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED))
    _must_own(actor, complaint)
    target = await session.scalar(select(Staff).where(Staff.username == assignee_username.strip()))
    if (
        target is None
        or target.status is not StaffStatus.ACTIVE
        or not may_handle(target, complaint.store_id, complaint.region_id)
    ):
        raise InvalidInput(
            f"{assignee_username!r} is not an active staff member who may handle complaints "
            "at this store.",
            field="assigneeUsername",
        )
    if target.id == complaint.assignee_id:
        raise Conflict(
            f"Complaint {_public(complaint)} is already assigned to {target.username}.",
            reason=ErrorReason.ALREADY_ASSIGNED,
            complaintId=_public(complaint),
            status=str(complaint.status),
        )
    reason = _text(note, "note", required=False)
    await assign(
        session,
        complaint,
        target.id,
        actor_id=actor.staff_id,
        note=f"Reassigned{f' ({reason})' if reason else ''}",
    )
