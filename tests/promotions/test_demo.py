"""On the demo chain, HQ's promotion prices a clerk's basket, shows in a member's offers and is
redeemed on a recorded sale with the promotion on its line; seeded once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.promotions import DEMO_PROMOTION, demo_promotion_sku
from api.demo.seed import seed_demo
from api.domain import sales
from api.domain.complaints.common import staff_as_actor
from api.domain.promotions import basket, offers, redemption
from api.domain.promotions.pricing import BasketLine
from db.models import Member, Product, Promotion, Staff


async def test_the_demo_promotion_prices_shows_and_is_redeemed(session: AsyncSession) -> None:
    await seed_demo(session)
    await seed_demo(session)  # a second run adds nothing
    [promotion] = (
        await session.scalars(select(Promotion).where(Promotion.name == DEMO_PROMOTION))
    ).all()
    clerk = await session.scalar(select(Staff).where(Staff.username == "clerk.sh-001.1"))
    assert clerk is not None
    actor = staff_as_actor(clerk)
    sku = await demo_promotion_sku(session)
    price = await session.scalar(select(Product.price_cents).where(Product.sku == sku))
    assert price is not None
    now = datetime.now(UTC)
    priced = await basket.price_at(
        session,
        actor,
        store_code="SH-001",
        lines=[BasketLine(sku, 2, price)],
        member_id=None,
        coupon_ids=[],
        at=now,
    )
    [priced_line] = priced.basket.lines
    assert priced_line.promotion_id == promotion.id
    assert priced_line.discount_cents == 2 * price * 10 // 100
    member = await session.scalar(select(Member).order_by(Member.id).limit(1))
    assert member is not None
    found = await offers.applicable_offers(
        session, actor, store_code="SH-001", member_id=member.id, now=now
    )
    assert promotion.id in [o.promotion.id for o in found.offers]
    sale = await sales.record_sale(
        session,
        actor,
        sales.NewSale(
            store_code="SH-001",
            receipt_no="DEMO-PROMO-1",
            sold_at=now,
            lines=[
                sales.SaleLineInput(
                    sku=sku,
                    quantity=2,
                    unit_price_cents=price,
                    discount_cents=priced_line.discount_cents,
                    promotion_id=promotion.id,
                )
            ],
            member_code=member.card_number,
        ),
        now=now,
    )
    assert [line.promotion_id for line in sale.lines] == [promotion.id]
    report = await redemption.redemption_report(session, actor, promotion.id)
    assert [(s.store_code, s.eligible, s.redeemed) for s in report.stores] == [("SH-001", 1, 1)]
    assert await session.scalar(select(func.count()).select_from(Promotion)) == 1
