"""Migration 0017 fills the pinyin initials of the products that already exist."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from db.engine import create_engine
from db.migrations import downgrade, upgrade


async def test_the_migration_backfills_existing_products(empty_db: str) -> None:
    await asyncio.to_thread(downgrade, empty_db, "0013")
    engine = create_engine(empty_db, pool_size=1, max_overflow=0)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO product (sku, barcode, name, category, unit, price_cents, seasonal)"
                " VALUES ('BLG-10', '6900000000109', '板蓝根颗粒 10袋', '中成药', '盒', 1850, false),"
                "        ('VC-1', '6900000000116', 'Vitamin C', '保健品', '瓶', 2590, false)"
            )
        )
    await asyncio.to_thread(upgrade, empty_db)  # to head: 0017 until the lead re-chains it
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT sku, pinyin_initials FROM product ORDER BY sku"))
        assert [tuple(r) for r in rows] == [("BLG-10", "blgkld"), ("VC-1", "")]
    await engine.dispose()
