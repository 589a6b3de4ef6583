"""Opening stock for the demo chain: every store holds every SKU it may sell.

Deterministic and idempotent, in bulk SQL: quantities and levels derive from an md5 of the
store code and SKU, so every run (and every PostgreSQL version) yields the same numbers. A
balance is created only where none exists, together with its RECEIPT movement, so a second
seed adds nothing; product defaults are set only where they are still both zero. When a sales
history follows (`--history-days`), the opening stock is dated at the history's start, so the
history's movements come after it (api/demo/history_stock.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.catalogue import CATALOGUE
from api.ops import partitions

# Safety 4-15 units and a reorder target of three times that, per SKU.
_PRODUCT_LEVELS = text(
    """
    UPDATE product p
       SET default_safety_stock = 4 + h.v % 12, default_reorder_target = 3 * (4 + h.v % 12)
      FROM (SELECT id, ('x' || substr(md5(sku), 1, 7))::bit(28)::int AS v FROM product
             WHERE sku = ANY(CAST(:skus AS text[]))) h
     WHERE p.id = h.id AND p.default_safety_stock = 0 AND p.default_reorder_target = 0
    """
)

# Opening balance between the reorder target and twice it: above safety, so no alert at start.
_OPENING_STOCK = text(
    """
    WITH wanted AS (
      SELECT s.id AS store_id, p.id AS product_id,
             p.default_reorder_target
               + ('x' || substr(md5(s.code || '/' || p.sku), 1, 7))::bit(28)::int
                 % (p.default_reorder_target + 1) AS quantity
        FROM store s
        JOIN product p ON p.region_id IS NULL OR p.region_id = s.region_id
       WHERE p.sku = ANY(CAST(:skus AS text[]))
    ), level AS (
      INSERT INTO stock_level (store_id, product_id, on_hand, in_transit)
      SELECT store_id, product_id, quantity, 0 FROM wanted
      ON CONFLICT (store_id, product_id) DO NOTHING
      RETURNING store_id, product_id, on_hand
    )
    INSERT INTO stock_movement (store_id, product_id, kind, quantity, balance_after,
                                reference_type, reference_id, reason, occurred_at)
    SELECT store_id, product_id, 'RECEIPT', on_hand, on_hand, 'demo', 'opening-stock',
           'demo opening stock', coalesce(CAST(:as_of AS timestamptz), now())
      FROM level
    """
)


async def seed_demo_stock(session: AsyncSession, *, as_of: datetime | None = None) -> int:
    """Give every demo store its opening stock, received at `as_of` (default now); returns
    the balances created."""
    skus = [p.sku for p in CATALOGUE]
    await session.execute(_PRODUCT_LEVELS, {"skus": skus})
    if as_of is not None:  # a month of its own, not the DEFAULT partition
        await partitions.ensure_months(session, first=as_of.date(), last=datetime.now(UTC).date())
    result = await session.execute(_OPENING_STOCK, {"skus": skus, "as_of": as_of})
    return int(result.rowcount)  # type: ignore[attr-defined]
