"""The demo chain's promotion: HQ's 10 % off a core drink in every EAST store, running from
yesterday for a month (UTC dates at seeding), created through the same rules as
createPromotion. Seeded once: a promotion of that name is never added twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.complaints.common import staff_as_actor
from api.domain.promotions.rules import NewPromotion, Window
from api.domain.promotions.store import create_promotion
from db.models import Product, Promotion, PromotionMechanism, Staff

DEMO_PROMOTION = "华东饮料 9 折"


async def demo_promotion_sku(session: AsyncSession) -> str:
    """The drink it covers: the first core BEVERAGES SKU."""
    sku = await session.scalar(
        select(Product.sku)
        .where(Product.category == "BEVERAGES", Product.region_id.is_(None))
        .order_by(Product.sku)
        .limit(1)
    )
    assert sku is not None, "the demo catalogue has core drinks"
    return sku


async def seed_demo_promotions(session: AsyncSession) -> int:
    """HQ's demo promotion, unless it exists; how many were created."""
    if await session.scalar(select(Promotion.id).where(Promotion.name == DEMO_PROMOTION)):
        return 0
    hq = await session.scalar(select(Staff).where(Staff.username == "hq.ops"))
    assert hq is not None, "the demo staff are seeded first"
    now = datetime.now(UTC)
    today = now.date()
    await create_promotion(
        session,
        staff_as_actor(hq),
        NewPromotion(
            name=DEMO_PROMOTION,
            mechanism=PromotionMechanism.PERCENT_OFF,
            percent_off=10,
            window=Window(start_date=today - timedelta(days=1), end_date=today + timedelta(30)),
            region_codes=("EAST",),
            skus=(await demo_promotion_sku(session),),
            budget_cents=5_000_000,
            talking_points=("这款饮料今天九折", "会员积分照常累计"),
        ),
        now=now,
    )
    return 1
