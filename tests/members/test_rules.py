"""Member rules called directly: phones, keys, codes, points, tiers, preferences, purchases."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import members
from api.domain.access import Actor
from api.domain.errors import Conflict, InvalidInput, NotFound
from api.domain.members import codes, points, preferences, profile, purchases
from db.engine import create_engine, create_session_factory
from db.models import (
    Member,
    MemberTier,
    PointsEntry,
    PointsEntryKind,
    Product,
    Promotion,
    PromotionMechanism,
    PromotionStacking,
    PromotionState,
    Role,
    Sale,
    SaleLine,
    Staff,
    Store,
    TokenKind,
)
from db.pii import new_key_spec, parse_key_ring

RING = parse_key_ring(new_key_spec())


async def actor_for(session: AsyncSession, username: str) -> Actor:
    staff = await session.scalar(select(Staff).where(Staff.username == username))
    assert staff is not None
    return Actor(
        staff_id=staff.id,
        username=staff.username,
        role=Role(staff.role),
        store_id=staff.store_id,
        region_id=staff.region_id,
        token_id=0,
        token_kind=TokenKind.SESSION,
    )


async def enrol(session: AsyncSession, phone: str = "13975318642", name: str = "王芳") -> Member:
    actor = await actor_for(session, "clerk.e1")
    return await profile.enrol_member(
        session,
        actor,
        RING,
        profile.NewMember(phone=phone, display_name=name, marketing_consent=True),
    )


async def add_sale(
    session: AsyncSession,
    member: Member,
    total: int,
    *,
    store: str = "E1",
    receipt: str | None = None,
    sku: str = "SKU-CORE-1",
    quantity: int = 1,
    promotion_id: int | None = None,
    sold_at: datetime | None = None,
) -> Sale:
    store_id = await session.scalar(select(Store.id).where(Store.code == store))
    product_id = await session.scalar(select(Product.id).where(Product.sku == sku))
    clerk = await actor_for(session, "clerk.e1")
    assert store_id is not None and product_id is not None
    sale = Sale(
        store_id=store_id,
        receipt_no=receipt or f"R-{time.monotonic_ns()}",
        sold_at=sold_at or datetime.now(UTC),
        staff_id=clerk.staff_id,
        member_id=member.id,
        points_redeemed=0,
        subtotal_cents=total,
        discount_cents=0,
        total_cents=total,
    )
    session.add(sale)
    await session.flush()
    session.add(
        SaleLine(
            store_id=store_id,
            sale_id=sale.id,
            sold_at=sale.sold_at,
            line_no=1,
            product_id=product_id,
            quantity=quantity,
            unit_price_cents=total // quantity,
            discount_cents=0,
            line_total_cents=total,
            promotion_id=promotion_id,
            returned_quantity=0,
        )
    )
    await session.flush()
    return sale


async def test_same_number_typed_differently_is_a_conflict(org_session: AsyncSession) -> None:
    await enrol(org_session, "139 7531 8642")
    with pytest.raises(Conflict) as refused:
        await enrol(org_session, "+86-139-7531-8642")
    assert "8642" not in refused.value.message
    assert await org_session.scalar(select(text("count(*)")).select_from(Member)) == 1


async def test_resolve_member_code_for_the_sales_flow(org_session: AsyncSession) -> None:
    member = await enrol(org_session)
    assert (
        await members.resolve_member_code(org_session, member.card_number, ring=RING) == member.id
    )
    qr = codes.issue_qr_code(RING, member.id).code
    assert await members.resolve_member_code(org_session, qr, ring=RING) == member.id
    with pytest.raises(NotFound):
        await members.resolve_member_code(org_session, codes.new_card_number(), ring=RING)
    with pytest.raises(NotFound):
        await members.resolve_member_code(
            org_session, codes.issue_qr_code(RING, 999999).code, ring=RING
        )


async def test_earning_tiers_and_returns(org_session: AsyncSession) -> None:
    member = await enrol(org_session)
    sale = await add_sale(org_session, member, 3550)
    change = await members.record_member_sale(
        org_session, member_id=member.id, store_id=sale.store_id, sale_id=sale.id, paid_cents=3550
    )
    assert (change.points, change.balance, change.tier) == (35, 35, MemberTier.BASIC)
    replay = await members.record_member_sale(
        org_session, member_id=member.id, store_id=sale.store_id, sale_id=sale.id, paid_cents=3550
    )
    assert replay.entry_id is None and replay.balance == 35
    # ¥1,000 in 12 months: SILVER at once; the next sale earns at 1.2 per yuan.
    big = await add_sale(org_session, member, 96450)
    change = await members.record_member_sale(
        org_session, member_id=member.id, store_id=big.store_id, sale_id=big.id, paid_cents=96450
    )
    assert change.points == 964 and change.tier == MemberTier.SILVER
    next_sale = await add_sale(org_session, member, 1000)
    change = await members.record_member_sale(
        org_session,
        member_id=member.id,
        store_id=next_sale.store_id,
        sale_id=next_sale.id,
        paid_cents=1000,
    )
    assert change.points == 12
    # A full refund of the big sale takes its points back but the tier is kept (12 months).
    reversal = await members.reverse_points_for_return(
        org_session,
        member_id=member.id,
        sale_store_id=big.store_id,
        sale_id=big.id,
        return_store_id=big.store_id,
        return_id=1,
        refund_cents=96450,
    )
    assert reversal.points == -964 and reversal.tier == MemberTier.SILVER
    assert reversal.balance == 35 + 12
    again = await members.reverse_points_for_return(
        org_session,
        member_id=member.id,
        sale_store_id=big.store_id,
        sale_id=big.id,
        return_store_id=big.store_id,
        return_id=1,
        refund_cents=96450,
    )
    assert again.entry_id is None
    assert await points.rolling_spend_cents(org_session, member.id) == 3550 + 1000


async def test_downgrade_after_a_year_one_step(org_session: AsyncSession) -> None:
    member = await enrol(org_session)
    member.tier = MemberTier.GOLD
    member.tier_since = datetime.now(UTC) - timedelta(days=400)
    await org_session.flush()
    refreshed = await points.refresh_member(org_session, member.id)
    assert refreshed.tier == MemberTier.SILVER  # one step down, not straight to BASIC
    assert (await points.refresh_member(org_session, member.id)).tier == MemberTier.SILVER


async def test_reversal_never_drives_the_balance_negative(org_session: AsyncSession) -> None:
    member = await enrol(org_session)
    sale = await add_sale(org_session, member, 10000)
    await members.record_member_sale(
        org_session, member_id=member.id, store_id=sale.store_id, sale_id=sale.id, paid_cents=10000
    )
    await members.redeem_points(
        org_session, member_id=member.id, points=90, store_id=sale.store_id, sale_id=sale.id
    )
    change = await members.reverse_points_for_return(
        org_session,
        member_id=member.id,
        sale_store_id=sale.store_id,
        sale_id=sale.id,
        return_store_id=sale.store_id,
        return_id=5,
        refund_cents=10000,
    )
    assert change.points == -10 and change.balance == 0


async def test_redemption_rules(org_session: AsyncSession) -> None:
    member = await enrol(org_session)
    await points.grant_bonus(org_session, member_id=member.id, points=500)
    for bad in (0, -5):
        with pytest.raises(InvalidInput):
            await members.redeem_points(
                org_session, member_id=member.id, points=bad, store_id=1, sale_id=1
            )
    with pytest.raises(InvalidInput):
        await members.redeem_points(
            org_session,
            member_id=member.id,
            points=300,
            store_id=1,
            sale_id=1,
            max_discount_cents=200,
        )
    with pytest.raises(Conflict):
        await members.redeem_points(
            org_session, member_id=member.id, points=501, store_id=1, sale_id=1
        )
    done = await members.redeem_points(
        org_session, member_id=member.id, points=500, store_id=1, sale_id=1
    )
    assert done.balance == 0


async def test_concurrent_redemptions_never_overdraw(org_db: str) -> None:
    engine = create_engine(org_db, pool_size=12, max_overflow=0)
    sessions = create_session_factory(engine)
    async with sessions() as s, s.begin():
        member = await enrol(s)
        await points.grant_bonus(s, member_id=member.id, points=1000)

    async def redeem(n: int) -> bool:
        async with sessions() as s, s.begin():
            try:
                await members.redeem_points(
                    s, member_id=member.id, points=300, store_id=1, sale_id=n
                )
            except Conflict:
                return False
            return True

    results = await asyncio.gather(*[redeem(n) for n in range(10)])
    async with sessions() as s:
        balance = await s.scalar(select(Member.points_balance).where(Member.id == member.id))
        ledger = await s.scalar(
            select(text("sum(points)"))
            .select_from(PointsEntry)
            .where(PointsEntry.member_id == member.id)
        )
    await engine.dispose()
    assert results.count(True) == 3
    assert balance == 100 == ledger


async def test_points_expire_after_twelve_months_oldest_first(org_session: AsyncSession) -> None:
    member = await enrol(org_session)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    await points.grant_bonus(org_session, member_id=member.id, points=300, credited_at=long_ago)
    await points.grant_bonus(org_session, member_id=member.id, points=200)
    await members.redeem_points(
        org_session, member_id=member.id, points=100, store_id=1, sale_id=1
    )  # expires the old 300 first: nothing left to redeem from them
    balance = await org_session.scalar(select(Member.points_balance).where(Member.id == member.id))
    assert balance == 100
    kinds = list(
        await org_session.scalars(
            select(PointsEntry.kind)
            .where(PointsEntry.member_id == member.id)
            .order_by(PointsEntry.id)
        )
    )
    assert kinds == [
        PointsEntryKind.BONUS,
        PointsEntryKind.BONUS,
        PointsEntryKind.EXPIRE,
        PointsEntryKind.REDEEM,
    ]
    assert await points.expire_due_points(org_session, member.id) == 0


async def test_points_ledger_is_append_only(org_session: AsyncSession) -> None:
    member = await enrol(org_session)
    await points.grant_bonus(org_session, member_id=member.id, points=10)
    await org_session.commit()
    for statement in (
        "UPDATE points_ledger SET points = 1000",
        "DELETE FROM points_ledger",
        "TRUNCATE points_ledger",
    ):
        with pytest.raises(DBAPIError) as refused:
            await org_session.execute(text(statement))
        assert "append-only" in str(refused.value)
        await org_session.rollback()


async def a_promotion(session: AsyncSession) -> int:
    """A published buy-one-get-one row, as createPromotion would store it (sale lines name it)."""
    today = datetime.now(UTC)
    hq = await actor_for(session, "ops")
    promotion = Promotion(
        name="买一送一",
        mechanism=PromotionMechanism.BUY_X_GET_Y,
        state=PromotionState.SCHEDULED,
        stacking=PromotionStacking.EXCLUSIVE,
        coupons_allowed=True,
        members_only=False,
        buy_quantity=1,
        get_quantity=1,
        start_date=today.date(),
        end_date=today.date(),
        starts_at=today - timedelta(hours=1),
        ends_at=today + timedelta(hours=1),
        scope={},
        talking_points=[],
        created_by_id=hq.staff_id,
    )
    session.add(promotion)
    await session.flush()
    return promotion.id


async def test_preferences_follow_purchases(org_session: AsyncSession) -> None:
    member = await enrol(org_session)
    bogof = await a_promotion(org_session)
    for sku, total, promotion in [
        ("SKU-CORE-1", 400, bogof),
        ("SKU-CORE-1", 600, bogof),
        ("SKU-EAST-1", 2800, None),
        ("SKU-CORE-2", 150, None),
    ]:
        sale = await add_sale(org_session, member, total, sku=sku, promotion_id=promotion)
        await members.record_member_sale(
            org_session,
            member_id=member.id,
            store_id=sale.store_id,
            sale_id=sale.id,
            paid_cents=total,
            promotion_types={bogof: "BUY_ONE_GET_ONE"},
        )
    found = await preferences.member_preferences(org_session, member.id)
    assert [p.key for p in found.categories] == ["BAKERY", "BEVERAGES", "STATIONERY"]
    assert found.products[0].key == "SKU-EAST-1"
    beverages = found.categories[1]
    assert (beverages.purchases, beverages.spend_cents) == (2, 1000)
    assert [(p.key, p.share) for p in found.promotion_types] == [("BUY_ONE_GET_ONE", 0.5)]


async def test_recent_purchases_newest_first_at_any_store(org_session: AsyncSession) -> None:
    member = await enrol(org_session)
    now = datetime.now(UTC)
    for n, store in enumerate(["E1", "W1", "E2"]):
        await add_sale(
            org_session, member, 100 * (n + 1), store=store, sold_at=now + timedelta(minutes=n)
        )
    page = await purchases.recent_purchases(org_session, member.id, first=2, after=None)
    assert [p.total_cents for _, p in page.items] == [300, 200]
    assert page.has_next_page
    rest = await purchases.recent_purchases(
        org_session, member.id, first=2, after=page.items[-1][0]
    )
    assert [p.total_cents for _, p in rest.items] == [100]
    assert rest.items[0][1].lines[0].sku == "SKU-CORE-1"
    for bad_first in (-1, 101):
        with pytest.raises(InvalidInput):
            await purchases.recent_purchases(org_session, member.id, first=bad_first, after=None)
    with pytest.raises(InvalidInput):
        await purchases.recent_purchases(org_session, member.id, first=1, after="garbage")
