"""What the API reads about complaints, scoped to the caller and batched for lists.

Each `*_of` function answers for many complaints (or members) in one statement: the GraphQL
layer calls them from DataLoaders, so a page of complaints costs a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, StoreScope, authorize_store, require
from api.domain.complaints.common import OPEN_STATUSES, complaint_in_scope
from api.domain.errors import NotFound
from api.domain.pagination import Page, keyset_page
from db.models import (
    Complaint,
    ComplaintCategory,
    ComplaintMessage,
    ComplaintPickup,
    ComplaintStatus,
    ComplaintTimelineEntry,
    Member,
    MemberCoupon,
    PickupStatus,
    Product,
    Region,
    Staff,
    Store,
)


@dataclass(frozen=True)
class ComplaintFilter:
    store_code: str | None = None
    region_code: str | None = None
    status: ComplaintStatus | None = None
    category: ComplaintCategory | None = None
    assigned_to_me: bool = False


async def get_complaint(session: AsyncSession, actor: Actor | None, complaint_id: int) -> Complaint:
    return await complaint_in_scope(
        session, actor, complaint_id, Permission.VIEW_COMPLAINTS, argument="id"
    )


async def get_complaints(
    session: AsyncSession, actor: Actor | None, complaint_ids: Sequence[int]
) -> dict[int, Complaint]:
    """The complaints among `complaint_ids` that `get_complaint` would answer (the others are
    absent: NOT_FOUND to it), in one statement."""
    actor = require(actor, Permission.VIEW_COMPLAINTS)
    found = await session.scalars(
        select(Complaint).where(
            Complaint.id.in_(list(complaint_ids)), actor.scope.where(Complaint.store_id)
        )
    )
    return {c.id: c for c in found}


async def timeline_entries_by_id(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, ComplaintTimelineEntry]:
    rows = await session.scalars(
        select(ComplaintTimelineEntry).where(ComplaintTimelineEntry.id.in_(list(ids)))
    )
    return {row.id: row for row in rows}


async def messages_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, ComplaintMessage]:
    rows = await session.scalars(select(ComplaintMessage).where(ComplaintMessage.id.in_(list(ids))))
    return {row.id: row for row in rows}


async def pickups_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, PickupView]:
    return {v.pickup.id: v for v in await _pickups(session, ComplaintPickup.id.in_(list(ids)))}


async def coupons_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, MemberCoupon]:
    rows = await session.scalars(select(MemberCoupon).where(MemberCoupon.id.in_(list(ids))))
    return {row.id: row for row in rows}


async def list_complaints(
    session: AsyncSession,
    actor: Actor | None,
    filter: ComplaintFilter,
    *,
    first: int | None,
    after: str | None,
) -> Page[Complaint]:
    """Complaints in the caller's scope, newest first."""
    actor = require(actor, Permission.VIEW_COMPLAINTS)
    stmt: Select[Any] = select(Complaint).where(actor.scope.where(Complaint.store_id))
    if filter.store_code is not None:
        store = await authorize_store(session, actor, filter.store_code, Permission.VIEW_COMPLAINTS)
        stmt = stmt.where(Complaint.store_id == store.id)
    if filter.region_code is not None:
        region_id = await session.scalar(select(Region.id).where(Region.code == filter.region_code))
        if region_id is None:
            raise NotFound(f"No region has code {filter.region_code!r}.", argument="regionCode")
        stmt = stmt.where(Complaint.region_id == region_id)
    if filter.status is not None:
        stmt = stmt.where(Complaint.status == filter.status)
    if filter.category is not None:
        stmt = stmt.where(Complaint.category == filter.category)
    if filter.assigned_to_me:
        stmt = stmt.where(Complaint.assignee_id == actor.staff_id)
    # Newest first as an ascending key: the negated id.
    return await keyset_page(
        session,
        stmt,
        kind="complaint",
        key_columns=[-Complaint.id],
        key_of=lambda c: [-c.id],
        first=first,
        after=after,
    )


async def timelines_of(
    session: AsyncSession, complaint_ids: Sequence[int]
) -> dict[int, list[ComplaintTimelineEntry]]:
    found: dict[int, list[ComplaintTimelineEntry]] = defaultdict(list)
    for entry in await session.scalars(
        select(ComplaintTimelineEntry)
        .where(ComplaintTimelineEntry.complaint_id.in_(list(complaint_ids)))
        .order_by(ComplaintTimelineEntry.complaint_id, ComplaintTimelineEntry.id)
    ):
        found[entry.complaint_id].append(entry)
    return {i: found[i] for i in complaint_ids}


async def messages_of(
    session: AsyncSession, complaint_ids: Sequence[int]
) -> dict[int, list[ComplaintMessage]]:
    found: dict[int, list[ComplaintMessage]] = defaultdict(list)
    for message in await session.scalars(
        select(ComplaintMessage)
        .where(ComplaintMessage.complaint_id.in_(list(complaint_ids)))
        .order_by(ComplaintMessage.complaint_id, ComplaintMessage.id)
    ):
        found[message.complaint_id].append(message)
    return {i: found[i] for i in complaint_ids}


@dataclass(frozen=True)
class PickupView:
    pickup: ComplaintPickup
    product: Product


async def _pickups(session: AsyncSession, condition: object) -> list[PickupView]:
    rows = await session.execute(
        select(ComplaintPickup, Product)
        .join(Product, Product.id == ComplaintPickup.product_id)
        .where(condition)  # type: ignore[arg-type]
        .order_by(ComplaintPickup.id)
    )
    return [PickupView(pickup, product) for pickup, product in rows]


async def pickups_of(
    session: AsyncSession, complaint_ids: Sequence[int]
) -> dict[int, list[PickupView]]:
    found: dict[int, list[PickupView]] = {i: [] for i in complaint_ids}
    for view in await _pickups(session, ComplaintPickup.complaint_id.in_(list(complaint_ids))):
        found[view.pickup.complaint_id].append(view)
    return found


async def pending_pickups_of_members(
    session: AsyncSession, member_ids: Sequence[int]
) -> dict[int, list[PickupView]]:
    """Replacements waiting for the member at any store (chain-wide, like the member)."""
    found: dict[int, list[PickupView]] = {i: [] for i in member_ids}
    condition = ComplaintPickup.member_id.in_(list(member_ids)) & (
        ComplaintPickup.status == PickupStatus.PENDING
    )
    for view in await _pickups(session, condition):
        assert view.pickup.member_id is not None
        found[view.pickup.member_id].append(view)
    return found


async def coupons_of_members(
    session: AsyncSession, member_ids: Sequence[int], *, now: datetime | None = None
) -> dict[int, list[MemberCoupon]]:
    """Unexpired, unredeemed coupons, soonest expiry first."""
    now = now or datetime.now(UTC)
    found: dict[int, list[MemberCoupon]] = {i: [] for i in member_ids}
    for coupon in await session.scalars(
        select(MemberCoupon)
        .where(
            MemberCoupon.member_id.in_(list(member_ids)),
            MemberCoupon.redeemed_at.is_(None),
            MemberCoupon.expires_at > now,
        )
        .order_by(MemberCoupon.expires_at, MemberCoupon.id)
    ):
        found[coupon.member_id].append(coupon)
    return found


async def open_complaints_of_members(
    session: AsyncSession, scope: StoreScope, member_ids: Sequence[int]
) -> dict[int, list[Complaint]]:
    """Unresolved complaints of each member at stores in the caller's scope, newest first."""
    found: dict[int, list[Complaint]] = {i: [] for i in member_ids}
    for complaint in await session.scalars(
        select(Complaint)
        .where(
            Complaint.member_id.in_(list(member_ids)),
            Complaint.status.in_(OPEN_STATUSES),
            scope.where(Complaint.store_id),
        )
        .order_by(Complaint.id.desc())
    ):
        assert complaint.member_id is not None
        found[complaint.member_id].append(complaint)
    return found


async def staff_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Staff]:
    return {s.id: s for s in await session.scalars(select(Staff).where(Staff.id.in_(list(ids))))}


async def members_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Member]:
    return {m.id: m for m in await session.scalars(select(Member).where(Member.id.in_(list(ids))))}


async def stores_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Store]:
    return {s.id: s for s in await session.scalars(select(Store).where(Store.id.in_(list(ids))))}


async def pickup_view(session: AsyncSession, pickup_id: int) -> PickupView:
    [view] = await _pickups(session, ComplaintPickup.id == pickup_id)
    return view
