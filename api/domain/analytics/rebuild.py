"""Rebuilding the analytics rollups from the ledgers: sales, returns, members, shifts, stock.

The numbers equal what rollups.py keeps current, row for row (a test checks): the same store-
local days, hours and months, the same stock-out rule read back from the SALE movements'
balances, the same whole seconds per shift. Used after bulk loads (the history generator
writes ledgers with COPY and rebuilds once) and to repair.

Safe while tills run: TRUNCATE waits for every transaction that already wrote a rollup row and
blocks later writers until the rebuild commits; each INSERT (READ COMMITTED) then reads the
ledgers of all transactions before it, and a blocked sale adds itself afterwards, exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.analytics.rollups import SHIFT_SECONDS_SQL

# One row per sale with what the store-level rollups need, read once.
_PER_SALE = """
    CREATE TEMP TABLE analytics_per_sale ON COMMIT DROP AS
    WITH units AS (
      SELECT store_id, sale_id, sum(quantity) AS units,
             CAST(bool_or(promotion_id IS NOT NULL) AS int) AS promoted
        FROM sale_line GROUP BY store_id, sale_id
    ), outs AS (
      SELECT store_id, CAST(reference_id AS bigint) AS sale_id, count(*) AS stockouts
        FROM stock_movement
       WHERE kind = 'SALE' AND reference_type = 'sale'
         AND balance_after <= 0 AND balance_after - quantity > 0
       GROUP BY store_id, reference_id
    )
    SELECT s.store_id, s.id AS sale_id, s.staff_id, s.member_id, s.total_cents,
           s.sold_at AT TIME ZONE st.time_zone AS local, u.units, u.promoted,
           coalesce(o.stockouts, 0) AS stockouts
      FROM sale s
      JOIN store st ON st.id = s.store_id
      JOIN units u ON u.store_id = s.store_id AND u.sale_id = s.id
      LEFT JOIN outs o ON o.store_id = s.store_id AND o.sale_id = s.id
"""

_SALES_DAILY = """
    INSERT INTO sales_daily (store_id, day, product_id, units, revenue_cents, transactions,
                             returned_units, refund_cents, stockouts, closing_on_hand)
    WITH closing AS (
      -- The balance after the day's last sale of the SKU (movements are numbered in order).
      SELECT DISTINCT ON (m.store_id, m.product_id, CAST(p.local AS date))
             m.store_id, m.product_id, CAST(p.local AS date) AS day, m.balance_after
        FROM stock_movement m
        JOIN analytics_per_sale p
          ON p.store_id = m.store_id AND CAST(p.sale_id AS text) = m.reference_id
       WHERE m.kind = 'SALE' AND m.reference_type = 'sale'
       ORDER BY m.store_id, m.product_id, CAST(p.local AS date), m.id DESC
    ), per_sale_sku AS (
      SELECT l.store_id, l.sale_id, l.product_id, sum(l.quantity) AS units,
             sum(l.line_total_cents) AS revenue
        FROM sale_line l GROUP BY l.store_id, l.sale_id, l.product_id
    ), facts AS (
      SELECT x.store_id, CAST(p.local AS date) AS day, x.product_id, x.units, x.revenue,
             1 AS transactions, 0 AS returned, 0 AS refund, 0 AS stockouts
        FROM per_sale_sku x
        JOIN analytics_per_sale p ON p.store_id = x.store_id AND p.sale_id = x.sale_id
      UNION ALL
      SELECT m.store_id, CAST(s.sold_at AT TIME ZONE st.time_zone AS date), m.product_id,
             0, 0, 0, 0, 0, 1
        FROM stock_movement m
        JOIN sale s ON s.store_id = m.store_id AND CAST(s.id AS text) = m.reference_id
        JOIN store st ON st.id = m.store_id
       WHERE m.kind = 'SALE' AND m.reference_type = 'sale'
         AND m.balance_after <= 0 AND m.balance_after - m.quantity > 0
      UNION ALL
      SELECT r.store_id, CAST(r.returned_at AT TIME ZONE st.time_zone AS date), rl.product_id,
             0, 0, 0, rl.quantity, rl.refund_cents, 0
        FROM sale_return r
        JOIN return_line rl ON rl.store_id = r.store_id AND rl.return_id = r.id
        JOIN store st ON st.id = r.store_id
    )
    SELECT f.store_id, f.day, f.product_id, sum(f.units), sum(f.revenue), sum(f.transactions),
           sum(f.returned), sum(f.refund), sum(f.stockouts), min(c.balance_after)
      FROM facts f
      LEFT JOIN closing c USING (store_id, day, product_id)
     GROUP BY f.store_id, f.day, f.product_id
"""

_STORE_HOURLY = """
    INSERT INTO store_hourly (store_id, day, hour, transactions, member_transactions, units,
                              revenue_cents, stockouts)
    SELECT store_id, CAST(local AS date), CAST(extract(hour FROM local) AS smallint), count(*),
           count(*) FILTER (WHERE member_id IS NOT NULL), sum(units), sum(total_cents),
           sum(stockouts)
      FROM analytics_per_sale
     GROUP BY 1, 2, 3
"""

_CLERK_MONTHLY = f"""
    INSERT INTO clerk_monthly (store_id, staff_id, month, transactions, units, revenue_cents,
                               stockouts, members_enrolled, shifts, shift_seconds,
                               promoted_transactions, closing_stock_change)
    WITH changes AS (
      -- Each sale's change to its store's month closing stock: a SKU's balance after the sale
      -- minus the balance after the month's sale of it before (movements in recording order).
      SELECT p.store_id, p.staff_id, p.month,
             m.balance_after - coalesce(lag(m.balance_after) OVER (
               PARTITION BY m.store_id, m.product_id, p.month ORDER BY m.id), 0) AS change
        FROM stock_movement m
        JOIN analytics_sale_month p
          ON p.store_id = m.store_id AND CAST(p.sale_id AS text) = m.reference_id
       WHERE m.kind = 'SALE' AND m.reference_type = 'sale'
    ), facts AS (
      SELECT store_id, staff_id, CAST(date_trunc('month', local) AS date) AS month,
             1 AS transactions, units, total_cents AS revenue, stockouts, 0 AS enrolled,
             0 AS shifts, CAST(0 AS bigint) AS seconds, promoted, CAST(0 AS bigint) AS closing
        FROM analytics_per_sale
      UNION ALL
      SELECT m.enrolled_store_id, m.enrolled_by_id,
             CAST(date_trunc('month', m.enrolled_at AT TIME ZONE st.time_zone) AS date),
             0, 0, 0, 0, 1, 0, 0, 0, 0
        FROM member m JOIN store st ON st.id = m.enrolled_store_id
      UNION ALL
      SELECT sh.store_id, sh.clerk_id,
             CAST(date_trunc('month', sh.started_at AT TIME ZONE st.time_zone) AS date),
             0, 0, 0, 0, 0, 1, {SHIFT_SECONDS_SQL.format(end="sh.ended_at", start="sh.started_at")},
             0, 0
        FROM shift sh JOIN store st ON st.id = sh.store_id
       WHERE sh.ended_at IS NOT NULL
      UNION ALL
      SELECT store_id, staff_id, month, 0, 0, 0, 0, 0, 0, 0, 0, change FROM changes
    )
    SELECT store_id, staff_id, month, sum(transactions), sum(units), sum(revenue),
           sum(stockouts), sum(enrolled), sum(shifts), sum(seconds), sum(promoted),
           sum(closing)
      FROM facts GROUP BY store_id, staff_id, month
"""  # noqa: S608 (a constant expression, no input)

_MEMBER_MONTHLY = """
    INSERT INTO member_monthly (store_id, month, member_id, transactions, spend_cents)
    SELECT store_id, CAST(date_trunc('month', local) AS date), member_id, count(*),
           sum(total_cents)
      FROM analytics_per_sale
     WHERE member_id IS NOT NULL
     GROUP BY 1, 2, 3
"""

# The sales' store-local months, for the joins to their movements and lines.
_SALE_MONTH = """
    CREATE TEMP TABLE analytics_sale_month ON COMMIT DROP AS
    SELECT store_id, sale_id, staff_id, member_id, CAST(date_trunc('month', local) AS date) AS month
      FROM analytics_per_sale
"""

_MEMBER_CATEGORY_MONTHLY = """
    INSERT INTO member_category_monthly (store_id, month, member_id, category, purchases)
    SELECT p.store_id, p.month, p.member_id, pr.category, count(DISTINCT p.sale_id)
      FROM analytics_sale_month p
      JOIN sale_line l ON l.store_id = p.store_id AND l.sale_id = p.sale_id
      JOIN product pr ON pr.id = l.product_id
     WHERE p.member_id IS NOT NULL
     GROUP BY 1, 2, 3, 4
"""

# After sales_daily (same transaction): its sale days added up, with the closing balance.
_SALES_MONTHLY = """
    INSERT INTO sales_monthly (store_id, month, product_id, units, revenue_cents,
                               closing_on_hand)
    WITH closing AS (
      SELECT DISTINCT ON (m.store_id, p.month, m.product_id)
             m.store_id, p.month, m.product_id, m.balance_after
        FROM stock_movement m
        JOIN analytics_sale_month p
          ON p.store_id = m.store_id AND CAST(p.sale_id AS text) = m.reference_id
       WHERE m.kind = 'SALE' AND m.reference_type = 'sale'
       ORDER BY m.store_id, p.month, m.product_id, m.id DESC
    ), sold AS (
      SELECT store_id, CAST(date_trunc('month', day) AS date) AS month, product_id,
             sum(units) AS units, sum(revenue_cents) AS revenue
        FROM sales_daily
       GROUP BY 1, 2, 3
      HAVING sum(transactions) > 0
    )
    SELECT s.store_id, s.month, s.product_id, s.units, s.revenue, c.balance_after
      FROM sold s LEFT JOIN closing c USING (store_id, month, product_id)
"""

ROLLUP_TABLES = (
    "sales_daily",
    "store_hourly",
    "clerk_monthly",
    "member_monthly",
    "member_category_monthly",
    "sales_monthly",
)


@dataclass(frozen=True)
class RebuildReport:
    rows: dict[str, int]  # table -> rows written


async def rebuild_rollups(session: AsyncSession) -> RebuildReport:
    """Replace every rollup row with totals recomputed from the ledgers, in the caller's
    transaction (which must commit for the temporary table to go)."""
    await session.execute(text("TRUNCATE " + ", ".join(ROLLUP_TABLES)))
    await session.execute(text(_PER_SALE))
    await session.execute(text(_SALE_MONTH))
    await session.execute(text("ANALYZE analytics_per_sale, analytics_sale_month"))
    rows: dict[str, int] = {}
    for table, sql in (
        ("sales_daily", _SALES_DAILY),
        ("store_hourly", _STORE_HOURLY),
        ("clerk_monthly", _CLERK_MONTHLY),
        ("member_monthly", _MEMBER_MONTHLY),
        ("member_category_monthly", _MEMBER_CATEGORY_MONTHLY),
        ("sales_monthly", _SALES_MONTHLY),
    ):
        result = await session.execute(text(sql))
        rows[table] = int(getattr(result, "rowcount", 0))
    await session.execute(text("DROP TABLE analytics_per_sale, analytics_sale_month"))
    # Fresh statistics: after a bulk rebuild the planner's row estimates would be far off (a
    # KPI read of 80,000 hour rows planned as 132 sorts on disk).
    await session.execute(text("ANALYZE " + ", ".join(ROLLUP_TABLES)))
    return RebuildReport(rows=rows)
