"""The offers a customer can use now at a store, ranked for the member, with what to say.

The ranking, stated: `affinity` is the largest share of the member's purchases (sales) that
included one of the promotion's SKUs or categories; `mechanism` is the share that used a
promotion of this mechanism (members/preferences.py counts both as sales arrive). The score
is affinity + mechanism / 2: what the member buys counts first, their taste for the kind of
offer second. Ties, and customers without a history, go by promotion id (oldest first).
Members-only offers are listed only for a member; coupons come with their own talking point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_store
from api.domain.complaints.queries import coupons_of_members
from api.domain.members.preferences import member_preferences
from api.domain.promotions.pricing import yuan
from api.domain.promotions.store import in_force
from db.models import MemberCoupon, Product, Promotion, Store

MECHANISM_WEIGHT = 0.5


@dataclass(frozen=True)
class RankedOffer:
    promotion: Promotion
    score: float
    reason: str  # why it ranks where it does, for the clerk
    talking_points: list[str]


@dataclass(frozen=True)
class Offers:
    offers: list[RankedOffer]
    coupons: list[tuple[MemberCoupon, str]]  # each with its talking point


async def applicable_offers(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str,
    member_id: int | None,
    now: datetime,
) -> Offers:
    store = await authorize_store(session, actor, store_code, Permission.VIEW_PROMOTIONS)
    time_zone = await session.scalar(select(Store.time_zone).where(Store.id == store.id))
    local = now.astimezone(ZoneInfo(str(time_zone)))
    running = [
        r
        for r in await in_force(session, store_id=store.id, local_now=local, skus=None)
        if r.offer.open_to(member_id is not None)
    ]
    skus = sorted({sku for r in running for sku in r.offer.skus})
    category_of = dict(
        (row.sku, row.category)
        for row in await session.execute(
            select(Product.sku, Product.category).where(Product.sku.in_(skus))
        )
    )
    products: dict[str, float] = {}
    categories: dict[str, float] = {}
    mechanisms: dict[str, float] = {}
    coupons: list[tuple[MemberCoupon, str]] = []
    if member_id is not None:
        prefs = await member_preferences(session, member_id, top=10_000)
        products = {p.key: p.share for p in prefs.products}
        categories = {p.key: p.share for p in prefs.categories}
        mechanisms = {p.key: p.share for p in prefs.promotion_types}
        found = await coupons_of_members(session, [member_id], now=now)
        coupons = [
            (
                c,
                f"You have a {yuan(c.value_cents)} coupon, valid until "
                f"{c.expires_at.astimezone(local.tzinfo):%Y-%m-%d}: it comes off this purchase.",
            )
            for c in found[member_id]
        ]
    ranked = []
    for r in running:
        # On equal shares the SKU is named rather than its category (it says more).
        buys = [(products.get(sku, 0.0), 1, sku) for sku in r.offer.skus]
        buys += [(categories.get(category_of[s], 0.0), 0, category_of[s]) for s in r.offer.skus]
        affinity, _, what = max(buys, default=(0.0, 0, ""))
        mechanism = mechanisms.get(r.promotion.mechanism.value, 0.0)
        reasons = []
        if affinity > 0:
            reasons.append(f"buys {what} in {affinity:.0%} of visits")
        if mechanism > 0:
            reasons.append(f"used {r.promotion.mechanism} offers in {mechanism:.0%} of visits")
        ranked.append(
            RankedOffer(
                promotion=r.promotion,
                score=round(affinity + MECHANISM_WEIGHT * mechanism, 4),
                reason="; ".join(reasons) or "no purchase history for it",
                talking_points=list(r.promotion.talking_points),
            )
        )
    ranked.sort(key=lambda o: (-o.score, o.promotion.id))
    return Offers(offers=ranked, coupons=coupons)
