"""Who handles a complaint: the region's routing table for its category, else the least
loaded active COMPLAINT_HANDLER of the region, else the region manager.

Load is the number of unresolved complaints assigned; ties go to the lower staff id, so the
choice is deterministic. The routing table is maintained by managers with ASSIGN_COMPLAINTS
for their region (`set_routing`); a routed handler must be able to handle the region's
complaints (HANDLE_COMPLAINTS and a scope covering the region).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_region, require
from api.domain.complaints.common import OPEN_STATUSES, staff_as_actor
from api.domain.error_reasons import ErrorReason
from api.domain.errors import InvalidInput
from db.models import (
    Complaint,
    ComplaintCategory,
    ComplaintRoute,
    Region,
    Role,
    Staff,
    StaffStatus,
)

MAX_HANDLERS_PER_ROUTE = 20


@dataclass(frozen=True)
class RouteView:
    region: Region
    category: ComplaintCategory
    handlers: list[Staff]


def covers_region(staff: Staff, region_id: int) -> bool:
    """Whether the staff member may handle complaints anywhere in the region."""
    as_actor = staff_as_actor(staff)
    return (
        staff.status is StaffStatus.ACTIVE
        and as_actor.can(Permission.HANDLE_COMPLAINTS)
        and as_actor.scope.allows_region(region_id)
    )


async def least_loaded(session: AsyncSession, staff_ids: Sequence[int]) -> int | None:
    """The candidate with the fewest unresolved assigned complaints (ties: lowest id)."""
    if not staff_ids:
        return None
    load = (
        select(func.count())
        .where(Complaint.assignee_id == Staff.id, Complaint.status.in_(OPEN_STATUSES))
        .correlate(Staff)
        .scalar_subquery()
    )
    return await session.scalar(
        select(Staff.id)
        .where(Staff.id.in_(list(staff_ids)), Staff.status == StaffStatus.ACTIVE)
        .order_by(load, Staff.id)
        .limit(1)
    )


async def pick_assignee(
    session: AsyncSession, region_id: int, category: ComplaintCategory
) -> int | None:
    routed = (
        await session.scalars(
            select(Staff)
            .join(ComplaintRoute, ComplaintRoute.handler_id == Staff.id)
            .where(ComplaintRoute.region_id == region_id, ComplaintRoute.category == category)
        )
    ).all()
    tiers: list[list[int]] = [[s.id for s in routed if covers_region(s, region_id)]]
    for role in (Role.COMPLAINT_HANDLER, Role.REGION_MANAGER):
        tiers.append(
            list(
                (
                    await session.scalars(
                        select(Staff.id).where(
                            Staff.role == role,
                            Staff.region_id == region_id,
                            Staff.status == StaffStatus.ACTIVE,
                        )
                    )
                ).all()
            )
        )
    for candidates in tiers:
        chosen = await least_loaded(session, candidates)
        if chosen is not None:
            return chosen
    return None


async def region_manager(session: AsyncSession, region_id: int) -> Staff | None:
    """Who a breach is escalated to: the region's active manager (the first, if several)."""
    return await session.scalar(
        select(Staff)
        .where(
            Staff.role == Role.REGION_MANAGER,
            Staff.region_id == region_id,
            Staff.status == StaffStatus.ACTIVE,
        )
        .order_by(Staff.id)
        .limit(1)
    )


async def routes(session: AsyncSession, actor: Actor | None, region_code: str) -> list[RouteView]:
    """The routing table of a region in the caller's scope, one entry per routed category."""
    region_id = await authorize_region(session, actor, region_code, Permission.VIEW_COMPLAINTS)
    region = await session.get_one(Region, region_id)
    rows = (
        await session.execute(
            select(ComplaintRoute.category, Staff)
            .join(Staff, Staff.id == ComplaintRoute.handler_id)
            .where(ComplaintRoute.region_id == region_id)
            .order_by(ComplaintRoute.category, Staff.id)
        )
    ).all()
    found: dict[ComplaintCategory, list[Staff]] = {}
    for category, staff in rows:
        found.setdefault(category, []).append(staff)
    return [RouteView(region, category, handlers) for category, handlers in found.items()]


async def set_routing(
    session: AsyncSession,
    actor: Actor | None,
    *,
    region_code: str,
    category: ComplaintCategory,
    handler_usernames: Sequence[str],
) -> RouteView:
    """Replace who handles `category` in the region (an empty list: fall back to the
    least-loaded handler of the region)."""
    actor = require(actor, Permission.ASSIGN_COMPLAINTS)
    region_id = await authorize_region(session, actor, region_code, Permission.ASSIGN_COMPLAINTS)
    names = sorted({u.strip() for u in handler_usernames})
    if len(names) > MAX_HANDLERS_PER_ROUTE:
        raise InvalidInput(
            f"At most {MAX_HANDLERS_PER_ROUTE} handlers per route.", field="handlerUsernames"
        )
    handlers = list((await session.scalars(select(Staff).where(Staff.username.in_(names)))).all())
    unknown = sorted(set(names) - {s.username for s in handlers})
    unfit = sorted(s.username for s in handlers if not covers_region(s, region_id))
    if unknown or unfit:
        raise InvalidInput(
            "Every handler must be an active staff member who may handle complaints in "
            f"{region_code} (unknown: {unknown}; cannot handle here: {unfit}).",
            field="handlerUsernames",
            reason=ErrorReason.INELIGIBLE_HANDLERS,
            unknown=unknown,
            unfit=unfit,
        )
    await session.execute(
        delete(ComplaintRoute).where(
            ComplaintRoute.region_id == region_id, ComplaintRoute.category == category
        )
    )
    session.add_all(
        ComplaintRoute(
            region_id=region_id, category=category, handler_id=s.id, set_by_id=actor.staff_id
        )
        for s in handlers
    )
    await session.flush()
    region = await session.get_one(Region, region_id)
    return RouteView(region, category, sorted(handlers, key=lambda s: s.id))
