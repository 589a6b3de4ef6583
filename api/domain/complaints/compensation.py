"""What a resolution may give the customer: a replacement collected at any store, a coupon.

A replacement is a pickup task at the chosen store; stock moves only when the store hands it
over (`collect_replacement`), as a REPLACEMENT movement referencing the pickup: goods leaving
without a sale, and not counted as shrinkage. The pickup row is locked and its status checked
first, so a retried or concurrent collection moves stock exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor, Permission, require
from api.domain.complaints.timeline import record_change
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, InvalidInput, NotFound
from api.domain.stock.ledger import Change, apply_movements
from db.models import (
    Complaint,
    ComplaintPickup,
    MemberCoupon,
    MovementKind,
    PickupStatus,
    Product,
    Store,
    TimelineKind,
)

COUPON_VALID_DAYS = 90
MAX_COUPON_CENTS = 100_000
MAX_REPLACEMENT_QUANTITY = 100
PICKUP_REFERENCE = "complaint_pickup"


@dataclass(frozen=True)
class ReplacementInput:
    store_code: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class CheckedReplacement:
    store_id: int
    product_id: int
    quantity: int


async def check_compensation(
    session: AsyncSession,
    complaint: Complaint,
    replacement: ReplacementInput | None,
    coupon_cents: int | None,
) -> tuple[CheckedReplacement | None, list[str]]:
    """Validate without writing; the problems are listed for BAD_USER_INPUT."""
    problems: list[str] = []
    checked = None
    if coupon_cents is not None:
        if not 1 <= coupon_cents <= MAX_COUPON_CENTS:
            problems.append(f"couponCents: must be 1 to {MAX_COUPON_CENTS}")
        if complaint.member_id is None:
            problems.append("couponCents: a coupon needs a member on the complaint")
    if replacement is not None:
        if not 1 <= replacement.quantity <= MAX_REPLACEMENT_QUANTITY:
            problems.append(f"replacement.quantity: must be 1 to {MAX_REPLACEMENT_QUANTITY}")
        store_id = await session.scalar(
            select(Store.id).where(Store.code == replacement.store_code)
        )
        product_id = await session.scalar(select(Product.id).where(Product.sku == replacement.sku))
        if store_id is None:
            problems.append(f"replacement.storeCode: no store {replacement.store_code!r}")
        if product_id is None:
            problems.append(f"replacement.sku: no product {replacement.sku!r}")
        if store_id is not None and product_id is not None:
            checked = CheckedReplacement(store_id, product_id, replacement.quantity)
    return checked, problems


async def give_compensation(
    session: AsyncSession,
    actor: Actor,
    complaint: Complaint,
    replacement: CheckedReplacement | None,
    coupon_cents: int | None,
    *,
    now: datetime,
) -> None:
    if replacement is not None:
        session.add(
            ComplaintPickup(
                complaint_store_id=complaint.store_id,
                complaint_id=complaint.id,
                member_id=complaint.member_id,
                store_id=replacement.store_id,
                product_id=replacement.product_id,
                quantity=replacement.quantity,
                status=PickupStatus.PENDING,
            )
        )
    if coupon_cents is not None and complaint.member_id is not None:
        session.add(
            MemberCoupon(
                member_id=complaint.member_id,
                complaint_store_id=complaint.store_id,
                complaint_id=complaint.id,
                value_cents=coupon_cents,
                issued_by_id=actor.staff_id,
                expires_at=now + timedelta(days=COUPON_VALID_DAYS),
            )
        )
    await session.flush()


async def collect_replacement(session: AsyncSession, actor: Actor | None, pickup_id: int) -> int:
    """Hand a replacement over at its store: the stock movement and the timeline entry.
    Returns the complaint id. Staff of the pickup's store (HANDLE_GOODS in scope) only."""
    actor = require(actor, Permission.HANDLE_GOODS)
    row = (
        await session.execute(
            select(ComplaintPickup, Store.region_id, Store.code)
            .join(Store, Store.id == ComplaintPickup.store_id)
            .where(ComplaintPickup.id == pickup_id)
            .with_for_update(of=ComplaintPickup)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if row is None or not actor.scope.allows(row[0].store_id, row.region_id):
        raise NotFound(
            f"No replacement pickup {global_ids.encode('ReplacementPickup', pickup_id)} at a "
            "store in your scope.",
            argument="pickupId",
        )
    pickup: ComplaintPickup = row[0]
    if pickup.status is not PickupStatus.PENDING:
        public = global_ids.encode("ReplacementPickup", pickup_id)
        raise Conflict(
            f"Pickup {public} is {pickup.status}: it was collected already.",
            pickupId=public,
            reason=ErrorReason.WRONG_STATUS,
            status=str(pickup.status),
        )
    await apply_movements(
        session,
        store_id=pickup.store_id,
        region_id=row.region_id,
        kind=MovementKind.REPLACEMENT,
        changes=[Change(product_id=pickup.product_id, quantity=-pickup.quantity)],
        reference_type=PICKUP_REFERENCE,
        reference_id=str(pickup.id),
        reason=f"Complaint {pickup.complaint_id}: replacement collected",
        staff_id=actor.staff_id,
    )
    pickup.status = PickupStatus.COLLECTED
    pickup.collected_at = datetime.now(UTC)
    pickup.collected_by_id = actor.staff_id
    complaint = await session.get_one(
        Complaint, {"store_id": pickup.complaint_store_id, "id": pickup.complaint_id}
    )
    await record_change(
        session,
        complaint,
        kind=TimelineKind.REPLACEMENT_COLLECTED,
        actor_id=actor.staff_id,
        event_kind=None,
        note=f"Replacement of {pickup.quantity} collected at {row.code}.",
        notify=False,
    )
    return pickup.complaint_id


def check_no_problems(problems: list[str]) -> None:
    if problems:
        raise InvalidInput.listing(problems)
