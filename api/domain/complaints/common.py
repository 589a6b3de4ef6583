"""What the complaint modules share: statuses, loading a complaint in scope."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor, Permission, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, NotFound
from db.models import Complaint, ComplaintStatus, Staff, TokenKind

# Not yet resolved: counted as a handler's load and as "open" on member cards and summaries.
OPEN_STATUSES = (
    ComplaintStatus.OPEN,
    ComplaintStatus.ASSIGNED,
    ComplaintStatus.IN_PROGRESS,
    ComplaintStatus.REOPENED,
)


def staff_as_actor(staff: Staff) -> Actor:
    """A staff row seen through the access rules (to ask what a would-be assignee may do)."""
    return Actor(
        staff_id=staff.id,
        username=staff.username,
        role=staff.role,
        store_id=staff.store_id,
        region_id=staff.region_id,
        token_id=0,
        token_kind=TokenKind.SESSION,
    )


def may_handle(staff: Staff, complaint_store_id: int, complaint_region_id: int) -> bool:
    """Whether `staff` could handle a complaint at that store (permission and scope)."""
    as_actor = staff_as_actor(staff)
    return as_actor.can(Permission.HANDLE_COMPLAINTS) and as_actor.scope.allows(
        complaint_store_id, complaint_region_id
    )


async def complaint_in_scope(
    session: AsyncSession,
    actor: Actor | None,
    complaint_id: int,
    permission: Permission,
    *,
    lock: bool = False,
    argument: str = "complaintId",
) -> Complaint:
    """The complaint if the caller holds `permission` and it is in their scope; NOT_FOUND
    otherwise, so ids outside one's scope reveal nothing."""
    actor = require(actor, permission)
    stmt = select(Complaint).where(
        Complaint.id == complaint_id, actor.scope.where(Complaint.store_id)
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    complaint = await session.scalar(stmt)
    if complaint is None:
        raise complaint_not_found(complaint_id, argument=argument)
    return complaint


def complaint_not_found(complaint_id: int, *, argument: str = "complaintId") -> NotFound:
    public = global_ids.encode("Complaint", complaint_id)
    return NotFound(f"No complaint {public} in your scope.", argument=argument)


def refuse_move(complaint: Complaint, move: str, allowed: tuple[ComplaintStatus, ...]) -> None:
    """CONFLICT naming the current status unless the complaint is in one of `allowed`."""
    if complaint.status not in allowed:
        public = global_ids.encode("Complaint", complaint.id)
        raise Conflict(
            f"Complaint {public} is {complaint.status}: cannot {move} (only from "
            f"{', '.join(allowed)}).",
            complaintId=public,
            reason=ErrorReason.WRONG_STATUS,
            status=str(complaint.status),
        )
