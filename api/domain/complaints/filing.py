"""Filing a complaint at a store: validated in full, then routed at once.

Every problem with the input is reported together as BAD_USER_INPUT before anything is
written (photos are checked by `attach_photos` before it writes; a failure there rolls the
request back). The complainant is referenced by member id, resolved from a scanned member
code; the phone is never copied here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events, members
from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.complaints import sla
from api.domain.complaints.routing import pick_assignee
from api.domain.complaints.timeline import record_change, staff_name
from api.domain.errors import InvalidInput, NotFound
from api.domain.members.codes import DEFAULT_TTL_SECONDS
from api.domain.photo_links import attach_photos
from db.models import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    PhotoSubject,
    Sale,
    TimelineKind,
)
from db.pii import KeyRing

MAX_DESCRIPTION = 2000
MAX_PHOTOS = 10


@dataclass(frozen=True)
class NewComplaint:
    store_code: str
    category: ComplaintCategory
    description: str
    member_code: str | None = None
    receipt_no: str | None = None
    photo_ids: tuple[uuid.UUID, ...] = ()


async def _member_id(
    session: AsyncSession, code: str, ring: KeyRing | None, ttl_seconds: int
) -> tuple[int | None, str | None]:
    """The member, or what is wrong with the code; a well-formed code of nobody is NOT_FOUND."""
    try:
        member_id = await members.resolve_member_code(
            session, code, ring=ring, ttl_seconds=ttl_seconds, argument="memberCode"
        )
    except InvalidInput as exc:
        return None, f"memberCode: {exc.message}"
    return member_id, None


async def file_complaint(
    session: AsyncSession,
    actor: Actor | None,
    new: NewComplaint,
    *,
    ring: KeyRing | None = None,
    code_ttl_seconds: int = DEFAULT_TTL_SECONDS,
    now: datetime | None = None,
) -> int:
    """Record the complaint, route it and return its id (in the caller's transaction)."""
    actor = require(actor, Permission.FILE_COMPLAINTS)
    now = now or datetime.now(UTC)
    problems: list[str] = []
    # Keys that name nothing are NOT_FOUND (README, "The API"); one out of scope is FORBIDDEN.
    store = await authorize_store(session, actor, new.store_code, Permission.FILE_COMPLAINTS)
    description = new.description.strip()
    if not 1 <= len(description) <= MAX_DESCRIPTION:
        problems.append(f"description: 1 to {MAX_DESCRIPTION} characters")
    if len(new.photo_ids) > MAX_PHOTOS:
        problems.append(f"photoIds: at most {MAX_PHOTOS}")
    member_id = None
    if new.member_code is not None and new.member_code.strip():
        member_id, problem = await _member_id(
            session, new.member_code.strip(), ring, code_ttl_seconds
        )
        if problem:
            problems.append(problem)
    if problems:
        raise InvalidInput.listing(problems)
    receipt_no = (new.receipt_no or "").strip() or None
    if receipt_no is not None:
        found = await session.scalar(
            select(func.count()).where(Sale.store_id == store.id, Sale.receipt_no == receipt_no)
        )
        if not found:
            raise NotFound(
                f"No receipt {receipt_no!r} at store {new.store_code}.", argument="receiptNo"
            )
    first_response, resolution = await sla.targets(session, new.category)
    complaint = Complaint(
        store_id=store.id,
        region_id=store.region_id,
        category=new.category,
        description=description,
        member_id=member_id,
        receipt_no=receipt_no,
        status=ComplaintStatus.OPEN,
        filed_by_id=actor.staff_id,
        filed_at=now,
        first_response_due_at=now + first_response,
        resolution_due_at=now + resolution,
        reopen_count=0,
        updated_at=now,
    )
    session.add(complaint)
    await session.flush()
    # Only the caller's own uploads; anything else is BAD_USER_INPUT and the request rolls back.
    await attach_photos(
        session,
        actor,
        list(new.photo_ids),
        subject=PhotoSubject.COMPLAINT,
        subject_id=complaint.id,
        store_id=store.id,
    )
    assignee_id = await pick_assignee(session, store.region_id, new.category)
    await record_change(
        session,
        complaint,
        kind=TimelineKind.FILED,
        actor_id=actor.staff_id,
        event_kind=events.ComplaintFiled,
        note=description,
        next_step="Assign a handler" if assignee_id is None else None,
        due_by=complaint.first_response_due_at,
        notify=assignee_id is None,  # assigned at once: one message, the assignment's
    )
    if assignee_id is not None:
        await assign(session, complaint, assignee_id, actor_id=None, note="Routed automatically")
    return complaint.id


async def assign(
    session: AsyncSession,
    complaint: Complaint,
    assignee_id: int,
    *,
    actor_id: int | None,
    note: str,
) -> None:
    """Give the complaint to a handler: ASSIGNED unless work has started (then it stays)."""
    complaint.assignee_id = assignee_id
    if complaint.status is ComplaintStatus.OPEN:
        complaint.status = ComplaintStatus.ASSIGNED
    complaint.updated_at = datetime.now(UTC)
    started = complaint.first_responded_at is not None
    due = complaint.resolution_due_at if started else complaint.first_response_due_at
    handler = await staff_name(session, assignee_id)
    await record_change(
        session,
        complaint,
        kind=TimelineKind.ASSIGNED,
        actor_id=actor_id,
        event_kind=events.ComplaintAssigned,
        note=f"{note}: {handler}",
        next_step=f"{handler} to {'resolve' if started else 'respond'}",
        due_by=due,
    )
