"""No lost update: many connections in several processes selling one SKU at one store."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import text

from db.engine import create_engine
from tests.stock.concurrent_sales import record_in_process

PROCESSES, CONNECTIONS, SALES_EACH = 2, 6, 25


async def test_concurrent_sales_from_two_processes_keep_an_exact_balance(org_db: str) -> None:
    engine = create_engine(org_db, pool_size=1, max_overflow=0)
    async with engine.begin() as conn:  # opening stock, so the balance crosses safety once
        await conn.execute(
            text(
                "UPDATE product SET default_safety_stock = 50, default_reorder_target = 100"
                " WHERE sku = 'SKU-CORE-1'"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO stock_level (store_id, product_id, on_hand, in_transit)"
                " SELECT s.id, p.id, 400, 0 FROM store s, product p"
                " WHERE s.code = 'E1' AND p.sku = 'SKU-CORE-1'"
            )
        )
    with ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            asyncio.wrap_future(pool.submit(record_in_process, org_db, p, CONNECTIONS, SALES_EACH))
            for p in range(PROCESSES)
        ]
        sold = sum(await asyncio.gather(*futures))
    async with engine.connect() as conn:
        balance = await conn.scalar(text("SELECT on_hand FROM stock_level"))
        moves = (
            await conn.execute(text("SELECT count(*), sum(quantity) FROM stock_movement"))
        ).one()
        sales = await conn.scalar(text("SELECT count(*) FROM sale"))
        alerts = (await conn.execute(text("SELECT kind, status FROM stock_alert"))).all()
        balance_trail = (
            await conn.execute(
                text(
                    "SELECT quantity, balance_after FROM stock_movement ORDER BY balance_after DESC"
                )
            )
        ).all()
    await engine.dispose()
    assert sales == PROCESSES * CONNECTIONS * SALES_EACH == 300
    assert sold == PROCESSES * CONNECTIONS * sum(1 + i % 3 for i in range(SALES_EACH))
    assert balance == 400 - sold
    assert (moves[0], moves[1]) == (sales, -sold)
    # Every movement saw the balance the previous one left: no two read the same row version.
    assert len({after for _, after in balance_trail}) == len(balance_trail)
    assert [tuple(a) for a in alerts] == [("LOW_STOCK", "OPEN")]  # one crossing, one alert
