"""Pricing a basket at a store at a moment: the promotions in force there then (read in the
store's own time zone), the member's coupons, and the engine (pricing.py). `priceBasket`
asks it for now; `recordSale` for the receipt's time (claims.py), so both agree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor, Permission, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Forbidden, InvalidInput, NotFound
from api.domain.promotions.pricing import BasketLine, Coupon, PricedBasket, price_basket
from api.domain.promotions.store import in_force
from db.models import MemberCoupon, Product, Promotion, Sale, Store

MAX_LINES = 200
MAX_QUANTITY = 100_000
MAX_UNIT_PRICE_CENTS = 100_000_000
MAX_COUPONS = 10


@dataclass(frozen=True)
class Priced:
    store: Store
    local_time: datetime
    member_id: int | None
    basket: PricedBasket
    promotions: dict[int, Promotion]  # those in force that the basket could use


def line_problems(lines: Sequence[BasketLine]) -> list[str]:
    problems = []
    if not 1 <= len(lines) <= MAX_LINES:
        problems.append(f"lines: 1-{MAX_LINES} lines")
    for i, line in enumerate(lines):
        if not 0 < line.quantity <= MAX_QUANTITY:
            problems.append(f"lines[{i}].quantity: 1-{MAX_QUANTITY}")
        if not 0 <= line.unit_price_cents <= MAX_UNIT_PRICE_CENTS:
            problems.append(f"lines[{i}].unitPriceCents: 0-{MAX_UNIT_PRICE_CENTS}")
    return problems


async def _coupons(
    session: AsyncSession,
    coupon_ids: Sequence[int],
    member_id: int | None,
    at: datetime,
    problems: list[str],
    redeemed_by: set[int],
) -> list[Coupon]:
    if not coupon_ids:
        return []
    if len(coupon_ids) > MAX_COUPONS or len(set(coupon_ids)) != len(coupon_ids):
        problems.append(f"couponIds: up to {MAX_COUPONS} distinct coupons")
        return []
    if member_id is None:
        problems.append("couponIds: coupons need the member's memberCode")
        return []
    found = {
        c.id: c
        for c in await session.scalars(
            select(MemberCoupon).where(MemberCoupon.id.in_(list(coupon_ids)))
        )
    }
    coupons = []
    for i, coupon_id in enumerate(coupon_ids):
        coupon = found.get(coupon_id)
        public = global_ids.encode("MemberCoupon", coupon_id)
        if coupon is None or coupon.member_id != member_id:
            problems.append(f"couponIds[{i}]: {public} is not this member's coupon")
        elif coupon.redeemed_at is not None and coupon.id not in redeemed_by:
            problems.append(f"couponIds[{i}]: {public} was redeemed already")
        elif coupon.expires_at <= at:
            problems.append(f"couponIds[{i}]: {public} has expired")
        else:
            coupons.append(Coupon(id=coupon.id, value_cents=coupon.value_cents))
    return coupons


async def price_at(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str,
    lines: Sequence[BasketLine],
    member_id: int | None,
    coupon_ids: Sequence[int],
    at: datetime,
    argument: str = "storeCode",
    receipt_no: str | None = None,
) -> Priced:
    """The basket priced at a store in the caller's scope at `at`; BAD_USER_INPUT listing
    every problem (lines, coupons not usable), NOT_FOUND for an unknown SKU. With `receipt_no`
    (a sale being recorded), coupons that receipt itself redeemed still count: its replay
    prices the same."""
    actor = require(actor, Permission.VIEW_PROMOTIONS)
    store = await session.scalar(select(Store).where(Store.code == store_code))
    if store is None:
        raise NotFound(
            f"No store has code {store_code!r}.", argument=argument, storeCode=store_code
        )
    if not actor.scope.allows(store.id, store.region_id):
        raise Forbidden(
            f"Store {store_code} is outside your scope.",
            reason=ErrorReason.OUTSIDE_SCOPE,
            storeCode=store_code,
        )
    problems = line_problems(lines)
    skus = sorted({line.sku for line in lines})
    known = set(await session.scalars(select(Product.sku).where(Product.sku.in_(skus))))
    unknown = [(i, x.sku) for i, x in enumerate(lines) if x.sku not in known]
    if unknown:  # a key naming nothing, as product(sku:) answers it
        i, sku = unknown[0]
        raise NotFound(f"lines[{i}]: no product has SKU {sku!r}.", argument="sku")
    redeemed_by: set[int] = set()
    if receipt_no is not None and coupon_ids:
        redeemed_by = set(
            await session.scalars(
                select(MemberCoupon.id)
                .join(
                    Sale,
                    (Sale.store_id == MemberCoupon.redeemed_store_id)
                    & (Sale.id == MemberCoupon.redeemed_sale_id),
                )
                .where(
                    MemberCoupon.id.in_(list(coupon_ids)),
                    Sale.store_id == store.id,
                    Sale.receipt_no == receipt_no,
                )
            )
        )
    coupons = await _coupons(session, coupon_ids, member_id, at, problems, redeemed_by)
    if problems:
        raise InvalidInput.listing(problems)
    local_time = at.astimezone(ZoneInfo(store.time_zone))
    running = await in_force(session, store_id=store.id, local_now=local_time, skus=skus)
    basket = price_basket(
        lines, [r.offer for r in running], member=member_id is not None, coupons=coupons
    )
    return Priced(
        store=store,
        local_time=local_time,
        member_id=member_id,
        basket=basket,
        promotions={r.promotion.id: r.promotion for r in running},
    )
