"""What a till claims on a receipt, checked against the pricing engine, and the coupons it
redeems: recordSale calls `check_claims` before it writes and `redeem_coupons` once the sale
is written (never on a replay).

The rule: a line that claims a promotion must carry the one the engine gives it at that store
at the receipt's store-local time, with the engine's discount (promotion and coupon shares).
A receipt with coupons is checked on every line, since the coupons are shared over its lines.
Lines claiming nothing keep the till's own discount, as before promotions existed.

Coupons are redeemed once: the UPDATE takes only coupons not yet redeemed, so of two receipts
racing for one coupon the second finds it gone (CONFLICT, nothing written); a replay of the
same receipt inserts no sale and so redeems nothing, and a coupon its own first recording
redeemed still prices the replay (`price_at(..., receipt_no=...)`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, InvalidInput, NotFound
from api.domain.promotions.basket import price_at
from api.domain.promotions.pricing import BasketLine
from db.models import MemberCoupon


class ClaimedLine(Protocol):
    """A till's line (api/domain/sales/record.py SaleLineInput), read only."""

    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def unit_price_cents(self) -> int: ...
    @property
    def discount_cents(self) -> int: ...
    @property
    def promotion_id(self) -> int | None: ...


class ClaimingSale(Protocol):
    """A till's receipt (api/domain/sales/record.py NewSale), read only."""

    @property
    def store_code(self) -> str: ...
    @property
    def sold_at(self) -> datetime: ...
    @property
    def lines(self) -> Sequence[ClaimedLine]: ...
    @property
    def coupon_ids(self) -> Sequence[int]: ...


@dataclass(frozen=True)
class CheckedClaims:
    coupon_ids: list[int]  # the coupons the basket used (redeemed with the sale)
    promotion_types: dict[int, str]  # promotion id -> mechanism, for the member's preferences


async def check_claims(
    session: AsyncSession,
    actor: Actor,
    sale: ClaimingSale,
    *,
    receipt_no: str,
    member_id: int | None,
) -> CheckedClaims | None:
    """None when the receipt claims nothing (the hot path: no statement); else the claims as
    checked, or BAD_USER_INPUT naming each line whose claim the rules do not give."""
    store_code, lines, coupon_ids = sale.store_code, sale.lines, sale.coupon_ids
    if not coupon_ids and all(x.promotion_id is None for x in lines):
        return None
    try:
        priced = await price_at(
            session,
            actor,
            store_code=store_code,
            lines=[BasketLine(x.sku, x.quantity, x.unit_price_cents) for x in lines],
            member_id=member_id,
            coupon_ids=coupon_ids,
            at=sale.sold_at,
            receipt_no=receipt_no,
        )
    except NotFound as exc:
        if exc.argument != "sku":
            raise
        return None  # recordSale refuses unknown SKUs itself (BAD_USER_INPUT), writing nothing
    when = f"{store_code} at {priced.local_time:%Y-%m-%d %H:%M} store time"
    problems = []
    for i, (sent, got) in enumerate(zip(lines, priced.basket.lines, strict=True)):
        if sent.promotion_id is None and not coupon_ids:
            continue
        if sent.promotion_id != got.promotion_id:
            gives = (
                f"the rules give {global_ids.encode('Promotion', got.promotion_id)}"
                if got.promotion_id is not None
                else "no promotion applies"
            )
            claimed = (
                f"promotion {global_ids.encode('Promotion', sent.promotion_id)} does not apply "
                f"to {sent.sku}"
                if sent.promotion_id is not None
                else f"{sent.sku} claims no promotion"
            )
            problems.append(f"lines[{i}].promotionId: {claimed} at {when} ({gives})")
        elif sent.discount_cents != got.discount_cents:
            problems.append(
                f"lines[{i}].discountCents: {sent.discount_cents}, but the rules give "
                f"{got.discount_cents} (priceBasket explains it)"
            )
    if problems:
        raise InvalidInput.listing(problems)
    claimed_ids = {x.promotion_id for x in lines if x.promotion_id is not None}
    return CheckedClaims(
        coupon_ids=[c.coupon_id for c in priced.basket.coupons if c.applied_cents > 0],
        promotion_types={
            i: priced.promotions[i].mechanism.value for i in claimed_ids if i in priced.promotions
        },
    )


async def redeem_coupons(
    session: AsyncSession,
    claims: CheckedClaims | None,
    *,
    member_id: int | None,
    store_id: int,
    sale_id: int,
    now: datetime,
) -> None:
    """Mark the sale's coupons redeemed by it; CONFLICT when another sale took one first."""
    if claims is None or not claims.coupon_ids or member_id is None:
        return
    taken = set(
        await session.scalars(
            update(MemberCoupon)
            .where(
                MemberCoupon.id.in_(claims.coupon_ids),
                MemberCoupon.member_id == member_id,
                MemberCoupon.redeemed_at.is_(None),
            )
            .values(redeemed_at=now, redeemed_store_id=store_id, redeemed_sale_id=sale_id)
            .returning(MemberCoupon.id)
            .execution_options(synchronize_session=False)
        )
    )
    missing = [i for i in claims.coupon_ids if i not in taken]
    if missing:
        public = global_ids.encode("MemberCoupon", missing[0])
        raise Conflict(
            f"Coupon {public} was redeemed by another sale meanwhile: price the basket again "
            "without it.",
            reason=ErrorReason.COUPON_UNAVAILABLE,
            couponId=public,
        )


_GIVE_BACK = text(
    """
    UPDATE member_coupon c
       SET redeemed_at = NULL, redeemed_store_id = NULL, redeemed_sale_id = NULL
     WHERE c.redeemed_store_id = :store_id AND c.redeemed_sale_id = :sale_id
       AND c.expires_at > now()
       AND NOT EXISTS (SELECT 1 FROM sale_line l
                        WHERE l.store_id = :store_id AND l.sale_id = :sale_id
                          AND l.returned_quantity < l.quantity)
    RETURNING c.id
    """
)


async def give_back_coupons(session: AsyncSession, *, store_id: int, sale_id: int) -> list[int]:
    """After a return (its lines' returned quantities already updated): once every unit of
    the receipt is back, the coupons it redeemed are the member's again (those not expired).

    What a return gives back, by the rules: a returned line refunds what was paid for it, its
    promotion's and coupons' shares of the discount excluded (returns.py, pro rata); the coupon
    itself is not money and comes back only with the whole receipt, so a partial return never
    frees a coupon that still pays for the lines kept."""
    return list(await session.scalars(_GIVE_BACK, {"store_id": store_id, "sale_id": sale_id}))
