"""The demo chain's opening stock: every store holds every SKU it may sell, idempotently."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.seed import seed_demo


async def _counts(session: AsyncSession) -> tuple[int, int, int]:
    row = (
        await session.execute(
            text(
                "SELECT (SELECT count(*) FROM stock_level), (SELECT count(*) FROM stock_movement),"
                " (SELECT count(*) FROM stock_alert)"
            )
        )
    ).one()
    return row[0], row[1], row[2]


async def test_every_store_holds_what_it_may_sell_once(session: AsyncSession) -> None:
    await seed_demo(session)
    await session.commit()
    levels, moves, alerts = await _counts(session)
    sellable = await session.scalar(
        text(
            "SELECT count(*) FROM store s JOIN product p"
            " ON p.region_id IS NULL OR p.region_id = s.region_id"
        )
    )
    assert levels == moves == sellable and alerts == 0
    wrong = await session.scalar(
        text(
            "SELECT count(*) FROM stock_level l JOIN product p ON p.id = l.product_id"
            " JOIN store s ON s.id = l.store_id"
            " WHERE l.on_hand < p.default_safety_stock OR p.default_safety_stock < 1"
            " OR (p.region_id IS NOT NULL AND p.region_id <> s.region_id)"
        )
    )
    assert wrong == 0
    assert await session.scalar(
        text(
            "SELECT bool_and(m.kind = 'RECEIPT' AND m.quantity = l.on_hand)"
            " FROM stock_movement m JOIN stock_level l USING (store_id, product_id)"
        )
    )
    fingerprint = await session.scalar(text("SELECT sum(on_hand * product_id) FROM stock_level"))
    await seed_demo(session)
    await session.commit()
    assert await _counts(session) == (levels, moves, 0)
    assert await session.scalar(text("SELECT sum(on_hand * product_id) FROM stock_level")) == (
        fingerprint
    )
