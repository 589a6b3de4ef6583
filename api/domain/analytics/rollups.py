"""Keeping the analytics rollups current, in the transaction that writes the ledger row.

Why the same transaction, not the event stream: a rollup written with its sale commits or rolls
back with it, so the totals are exact at every moment (no lag, no replay bookkeeping, no double
count when a consumer retries), and a rebuild from the ledgers (rebuild.py) must give the same
numbers, which a test checks. The cost stays within the till's statement budget: a sale adds
no statement (SALE_CTES are part of recordSale's one statement, sales/record_statement.py):
they upsert the SKU rows of the day, the store's hour, the SKUs' months (units, takings,
closing stock), the clerk's month (with the sale's change to the store's month closing stock),
the member's month and the member's categories of the month (INSERT ... ON CONFLICT DO UPDATE).
Returns, enrolments and shift ends add one statement each.

Lock order: the ledger locks stock rows first (in product order); these upserts come after, in
product order, then the store's hour, the SKUs' months in product order, the clerk's and the
member's month, the member's categories in category order, the same order for every
transaction, so two tills never wait on each other in a cycle. Concurrent sales at one store
serialise briefly on its hour row, as they already do on a hot SKU's balance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:  # the sales domain calls this module: no import cycle at run time
    from api.domain.sales.documents import RecordedSale

# A sale's rollups, as CTEs over three inputs (recordSale's one statement,
# sales/record_statement.py, reads them from its own CTEs; `_SALE` below from parameters):
# `st` (the store: id, local time, month), `who` (member_id, NULL without a member) and `sold`
# (one row per SKU: product_id, units, revenue, stockouts, on_hand after the sale or NULL).
# Parameters: :staff_id, :total, :promoted. `closing` reads each SKU's month closing stock
# before this sale FOR NO KEY UPDATE: the newest version, even when this statement's snapshot
# predates a sale of the SKU that committed while it waited for the SKU's balance; `monthly`
# says which rows it inserted (a row inserted after the snapshot is invisible to `closing`:
# record_statement.py's CORRECT_CLOSING).
SALE_CTES = """
    daily AS (
      INSERT INTO sales_daily AS d (store_id, day, product_id, units, revenue_cents,
                                    transactions, returned_units, refund_cents, stockouts,
                                    closing_on_hand)
      SELECT st.id, CAST(st.local AS date), x.product_id, x.units, x.revenue, 1, 0, 0,
             x.stockouts, x.on_hand
        FROM st CROSS JOIN sold x
       ORDER BY x.product_id
      ON CONFLICT (store_id, day, product_id) DO UPDATE
        SET units = d.units + EXCLUDED.units,
            revenue_cents = d.revenue_cents + EXCLUDED.revenue_cents,
            transactions = d.transactions + 1,
            stockouts = d.stockouts + EXCLUDED.stockouts,
            closing_on_hand = coalesce(EXCLUDED.closing_on_hand, d.closing_on_hand)
    ), hourly AS (
      INSERT INTO store_hourly AS h (store_id, day, hour, transactions, member_transactions,
                                     units, revenue_cents, stockouts)
      SELECT st.id, CAST(st.local AS date), CAST(extract(hour FROM st.local) AS smallint), 1,
             CASE WHEN who.member_id IS NULL THEN 0 ELSE 1 END,
             (SELECT sum(units) FROM sold), :total, (SELECT sum(stockouts) FROM sold)
        FROM st CROSS JOIN who
      ON CONFLICT (store_id, day, hour) DO UPDATE
        SET transactions = h.transactions + 1,
            member_transactions = h.member_transactions + EXCLUDED.member_transactions,
            units = h.units + EXCLUDED.units,
            revenue_cents = h.revenue_cents + EXCLUDED.revenue_cents,
            stockouts = h.stockouts + EXCLUDED.stockouts
    ), closing AS (
      SELECT st.id AS store_id, st.month, x.product_id, x.units, x.revenue, x.on_hand,
             coalesce(k.closing_on_hand, 0) AS before, k.found
        FROM st CROSS JOIN sold x
        LEFT JOIN LATERAL (
          SELECT k.closing_on_hand, true AS found FROM sales_monthly k
           WHERE k.store_id = st.id AND k.month = st.month AND k.product_id = x.product_id
             FOR NO KEY UPDATE
        ) k ON true
    ), monthly AS (
      INSERT INTO sales_monthly AS k (store_id, month, product_id, units, revenue_cents,
                                      closing_on_hand)
      SELECT store_id, month, product_id, units, revenue, on_hand FROM closing
       ORDER BY product_id
      ON CONFLICT (store_id, month, product_id) DO UPDATE
        SET units = k.units + EXCLUDED.units,
            revenue_cents = k.revenue_cents + EXCLUDED.revenue_cents,
            closing_on_hand = coalesce(EXCLUDED.closing_on_hand, k.closing_on_hand)
      RETURNING k.product_id, (k.xmax = 0) AS inserted
    ), clerk AS (
      INSERT INTO clerk_monthly AS c (store_id, staff_id, month, transactions, units,
                                      revenue_cents, stockouts, members_enrolled, shifts,
                                      shift_seconds, promoted_transactions,
                                      closing_stock_change)
      SELECT st.id, :staff_id, st.month, 1, (SELECT sum(units) FROM sold), :total,
             (SELECT sum(stockouts) FROM sold), 0, 0, 0, :promoted,
             (SELECT coalesce(sum(on_hand - before), 0) FROM closing WHERE on_hand IS NOT NULL)
        FROM st
      ON CONFLICT (store_id, staff_id, month) DO UPDATE
        SET transactions = c.transactions + 1,
            units = c.units + EXCLUDED.units,
            revenue_cents = c.revenue_cents + EXCLUDED.revenue_cents,
            stockouts = c.stockouts + EXCLUDED.stockouts,
            promoted_transactions = c.promoted_transactions + EXCLUDED.promoted_transactions,
            closing_stock_change = c.closing_stock_change + EXCLUDED.closing_stock_change
    ), member_month AS (
      INSERT INTO member_monthly AS m (store_id, month, member_id, transactions, spend_cents)
      SELECT st.id, st.month, who.member_id, 1, :total
        FROM st CROSS JOIN who WHERE who.member_id IS NOT NULL
      ON CONFLICT (store_id, month, member_id) DO UPDATE
        SET transactions = m.transactions + 1, spend_cents = m.spend_cents + EXCLUDED.spend_cents
    ), member_category AS (
      INSERT INTO member_category_monthly AS mc (store_id, month, member_id, category,
                                                 purchases)
      SELECT DISTINCT st.id, st.month, who.member_id, p.category, 1
        FROM st CROSS JOIN who CROSS JOIN sold x
        JOIN product p ON p.id = x.product_id
       WHERE who.member_id IS NOT NULL
       ORDER BY 4
      ON CONFLICT (store_id, month, member_id, category) DO UPDATE
        SET purchases = mc.purchases + 1
    )"""

_SALE = text(
    f"""
    WITH st AS (
      SELECT s.id, l.local, CAST(date_trunc('month', l.local) AS date) AS month
        FROM store s
        CROSS JOIN LATERAL (SELECT CAST(:sold_at AS timestamptz) AT TIME ZONE s.time_zone
                              AS local) l
       WHERE s.id = :store_id
    ), who AS (
      SELECT CAST(:member_id AS bigint) AS member_id
    ), sold AS (
      SELECT p.id AS product_id, x.units, x.revenue, x.stockouts, x.on_hand
        FROM unnest(CAST(:skus AS text[]), CAST(:units AS bigint[]),
                    CAST(:revenue AS bigint[]), CAST(:stockouts AS int[]),
                    CAST(:on_hand AS bigint[]))
             AS x(sku, units, revenue, stockouts, on_hand)
        JOIN product p ON p.sku = x.sku
    ), {SALE_CTES}
    SELECT 1
    """  # noqa: S608 (a constant fragment; values are bound)
)

_RETURN = text(
    """
    INSERT INTO sales_daily AS d (store_id, day, product_id, units, revenue_cents, transactions,
                                  returned_units, refund_cents, stockouts)
    SELECT s.id, CAST(now() AT TIME ZONE s.time_zone AS date), x.product_id, 0, 0, 0,
           x.quantity, x.refund, 0
      FROM store s
      CROSS JOIN unnest(CAST(:product_ids AS bigint[]), CAST(:quantities AS bigint[]),
                        CAST(:refunds AS bigint[])) AS x(product_id, quantity, refund)
     WHERE s.id = :store_id
     ORDER BY x.product_id
    ON CONFLICT (store_id, day, product_id) DO UPDATE
      SET returned_units = d.returned_units + EXCLUDED.returned_units,
          refund_cents = d.refund_cents + EXCLUDED.refund_cents
    """
)

# Enrolments and shifts touch only the clerk's month; the two differ in what they add.
_CLERK_MONTH = """
    INSERT INTO clerk_monthly AS c (store_id, staff_id, month, transactions, units,
                                    revenue_cents, stockouts, members_enrolled, shifts,
                                    shift_seconds)
    SELECT s.id, :staff_id,
           CAST(date_trunc('month', CAST(:at AS timestamptz) AT TIME ZONE s.time_zone) AS date),
           0, 0, 0, 0, {enrolled}, {shifts}, {seconds}
      FROM store s WHERE s.id = :store_id
    ON CONFLICT (store_id, staff_id, month) DO UPDATE
      SET members_enrolled = c.members_enrolled + EXCLUDED.members_enrolled,
          shifts = c.shifts + EXCLUDED.shifts,
          shift_seconds = c.shift_seconds + EXCLUDED.shift_seconds
"""
_ENROLMENT = text(_CLERK_MONTH.format(enrolled=1, shifts=0, seconds=0))
# Whole seconds per shift, truncated: the rebuild truncates each shift the same way.
SHIFT_SECONDS_SQL = "CAST(floor(extract(epoch FROM {end} - {start})) AS bigint)"
_SHIFT = text(
    _CLERK_MONTH.format(
        enrolled=0,
        shifts=1,
        seconds=SHIFT_SECONDS_SQL.format(
            end="CAST(:ended_at AS timestamptz)", start="CAST(:at AS timestamptz)"
        ),
    )
)


@dataclass(frozen=True)
class ReturnedUnits:
    product_id: int
    quantity: int
    refund_cents: int


async def record_sale(session: AsyncSession, sale: RecordedSale, *, staff_id: int) -> None:
    """Add a newly recorded sale (not a replay) to the rollups: one statement.

    A SKU on several lines counts once as a transaction; a stock-out is a sale that took the
    SKU's balance from above zero to zero or below (`sale.stock` holds the balances after),
    and that balance is the SKU's closing stock of the day so far; a receipt with a line a
    promotion discounted counts as a promoted transaction."""
    units: dict[str, int] = defaultdict(int)
    revenue: dict[str, int] = defaultdict(int)
    for line in sale.lines:
        units[line.sku] += line.quantity
        revenue[line.sku] += line.line_total_cents
    after = {s.sku: s.on_hand for s in sale.stock}
    stockouts = {
        sku: int(sku in after and after[sku] <= 0 < after[sku] + sold)
        for sku, sold in units.items()
    }
    await session.execute(
        _SALE,
        {
            "store_id": sale.store_id,
            "sold_at": sale.sold_at,
            "staff_id": staff_id,
            "member_id": sale.member_id,
            "skus": list(units),
            "units": list(units.values()),
            "revenue": [revenue[sku] for sku in units],
            "stockouts": [stockouts[sku] for sku in units],
            "on_hand": [after.get(sku) for sku in units],
            "promoted": int(any(line.promotion_id is not None for line in sale.lines)),
            "total": sale.total_cents,
        },
    )


async def record_return(
    session: AsyncSession, *, store_id: int, returned: Iterable[ReturnedUnits]
) -> None:
    """Add goods brought back to `store_id` (today, store-local) to its SKU days."""
    quantity: dict[int, int] = defaultdict(int)
    refund: dict[int, int] = defaultdict(int)
    for r in returned:
        quantity[r.product_id] += r.quantity
        refund[r.product_id] += r.refund_cents
    if not quantity:
        return
    await session.execute(
        _RETURN,
        {
            "store_id": store_id,
            "product_ids": list(quantity),
            "quantities": list(quantity.values()),
            "refunds": [refund[p] for p in quantity],
        },
    )


async def record_enrolment(
    session: AsyncSession, *, store_id: int, staff_id: int, enrolled_at: datetime
) -> None:
    """Count a member enrolled by `staff_id` at `store_id` in the clerk's month."""
    await session.execute(
        _ENROLMENT, {"store_id": store_id, "staff_id": staff_id, "at": enrolled_at}
    )


async def record_shift(
    session: AsyncSession,
    *,
    store_id: int,
    clerk_id: int,
    started_at: datetime,
    ended_at: datetime,
) -> None:
    """Add an ended shift to its clerk's month (the month it started in)."""
    await session.execute(
        _SHIFT,
        {"store_id": store_id, "staff_id": clerk_id, "at": started_at, "ended_at": ended_at},
    )
