"""The stock ledger's rules, called directly: balances, movements, one LOW_STOCK alert."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.stock.ledger import Change, apply_movements
from db.models import MovementKind, Product, Store


async def ids(session: AsyncSession) -> tuple[int, int, int]:
    store = (
        await session.execute(select(Store.id, Store.region_id).where(Store.code == "E1"))
    ).one()
    product = await session.scalar(select(Product.id).where(Product.sku == "SKU-CORE-1"))
    assert product is not None
    return store.id, store.region_id, product


async def test_movements_and_balances_change_together(org_session: AsyncSession) -> None:
    store_id, region_id, product_id = await ids(org_session)
    received = await apply_movements(
        org_session,
        store_id=store_id,
        region_id=region_id,
        kind=MovementKind.RECEIPT,
        changes=[Change(product_id, 30)],
        reference_type="test",
        reference_id="r1",
    )
    sold = await apply_movements(
        org_session,
        store_id=store_id,
        region_id=region_id,
        kind=MovementKind.SALE,
        changes=[Change(product_id, -2), Change(product_id, -3)],
    )
    assert (received[0].on_hand, sold[0].before, sold[0].on_hand) == (30, 30, 25)
    rows = (
        await org_session.execute(
            text("SELECT kind, quantity, balance_after FROM stock_movement ORDER BY id")
        )
    ).all()
    assert [tuple(r) for r in rows] == [("RECEIPT", 30, 30), ("SALE", -5, 25)]


async def test_stock_may_go_negative_and_is_flagged(org_session: AsyncSession) -> None:
    store_id, region_id, product_id = await ids(org_session)
    [balance] = await apply_movements(
        org_session,
        store_id=store_id,
        region_id=region_id,
        kind=MovementKind.SALE,
        changes=[Change(product_id, -4)],
    )
    assert balance.on_hand == -4 and balance.discrepancy


async def test_one_low_stock_alert_per_crossing_cleared_on_recovery(
    org_session: AsyncSession,
) -> None:
    store_id, region_id, product_id = await ids(org_session)
    await org_session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(default_safety_stock=10, default_reorder_target=40)
    )
    await apply_movements(
        org_session,
        store_id=store_id,
        region_id=region_id,
        kind=MovementKind.RECEIPT,
        changes=[Change(product_id, 12)],
    )
    for _ in range(4):  # 12 -> 8 -> ... -> 0: one alert, not four
        await apply_movements(
            org_session,
            store_id=store_id,
            region_id=region_id,
            kind=MovementKind.SALE,
            changes=[Change(product_id, -2)],
        )
    alerts = (await org_session.execute(text("SELECT status FROM stock_alert"))).scalars().all()
    assert alerts == ["OPEN"]
    await apply_movements(
        org_session,
        store_id=store_id,
        region_id=region_id,
        kind=MovementKind.RECEIPT,
        changes=[Change(product_id, 20)],
    )
    alerts = (await org_session.execute(text("SELECT status FROM stock_alert"))).scalars().all()
    assert alerts == ["CLEARED"]
    kinds = (await org_session.execute(text("SELECT kind FROM event ORDER BY id"))).scalars().all()
    assert kinds == ["LOW_STOCK_RAISED", "LOW_STOCK_CLEARED"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE stock_movement SET quantity = 0",
        "DELETE FROM stock_movement",
        "TRUNCATE stock_movement",
    ],
)
async def test_movements_cannot_be_changed(org_session: AsyncSession, statement: str) -> None:
    store_id, region_id, product_id = await ids(org_session)
    await apply_movements(
        org_session,
        store_id=store_id,
        region_id=region_id,
        kind=MovementKind.RECEIPT,
        changes=[Change(product_id, 1)],
    )
    with pytest.raises(DBAPIError, match="append-only"):
        await org_session.execute(text(statement))
