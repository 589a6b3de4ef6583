"""The demo history's stock: shelves that sell what they hold, reorder and take deliveries
(hand-counted on one SKU), and on the demo chain a ledger that adds up to its balances with
stock-out, turnover and replenishment figures the KPIs read; its promotions, complaints and
survey answers agree with the receipts and give the KPIs their figures too."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.history import generate_history, history_start
from api.demo.history_stock import ORDER_REF, SALE_REF, Shelves, Stocked
from api.demo.seed import seed_demo
from api.domain.analytics.kpis import kpis
from db.pii import key_ring_from_environment
from tests.analytics.helpers import hq_operations

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
WATER, PEN = 1, 2


def shelves() -> Shelves:
    # Water: 3 on hand, safety 2, target 6 (a planned rate of 6/7 a day); pens are not held.
    return Shelves(9, {WATER: Stocked(3, 2, 6)}, rng=random.Random(1))


def test_a_receipt_takes_what_the_shelf_holds_and_the_one_that_empties_it_is_a_stock_out() -> None:
    s = shelves()
    assert s.take(WATER, 2) == 2
    assert s.take(PEN, 4) == 4  # not held here: sold without a movement
    s.sold(0, T0, staff_id=11)
    assert s.take(WATER, 5) == 1  # one left: the shopper gets it
    s.sold(1, T0 + timedelta(hours=1), staff_id=11)
    assert s.take(WATER, 1) == 0  # an empty shelf loses the sale
    s.sold(2, T0 + timedelta(hours=2), staff_id=11)
    moves = [(m[3], m[4], m[5], m[6]) for m in s.rows.movements]
    assert moves == [("SALE", -2, 1, (SALE_REF, 0)), ("SALE", -1, 0, (SALE_REF, 1))]
    assert s.rows.stockouts == 1
    # Below safety (2) since the first sale left 1.
    assert s.low() == [(WATER, 0, 2, T0)]


def test_the_evening_order_brings_it_back_to_its_level_and_the_delivery_is_booked() -> None:
    s = shelves()
    s.take(WATER, 3)
    s.sold(0, T0, staff_id=11)
    closing = T0 + timedelta(hours=14)
    s.close_day(closing, receiver_id=12)
    # Sold 3 today: rate 6/7 + 0.25 x (3 - 6/7) = 1.39; reorder point max(2, ceil(2.79)) = 3,
    # order-up-to max(6, ceil(8.36)) = 9; on hand 0, nothing on order: 9 ordered.
    [order] = s.rows.orders
    assert order[1] == closing and order[3] is None
    assert s.rows.order_lines == [[0, WATER, 9]]
    s.close_day(closing + timedelta(days=1), receiver_id=12)  # 9 on order: no second order
    assert len(s.rows.orders) == 1
    s.until(closing + timedelta(days=4))  # every delivery, even a late one, has come by now
    receipt = s.rows.movements[-1]
    assert (receipt[3], receipt[4], receipt[5], receipt[6]) == ("RECEIPT", 9, 9, (ORDER_REF, 0))
    assert order[3] is not None and order[4] == 12 and order[3] > order[2] > closing
    assert s.low() == [] and s.balances()[WATER] == (9, T0)


def test_a_return_puts_its_unit_back_when_it_is_brought_in() -> None:
    s = shelves()
    s.take(WATER, 1)
    s.sold(0, T0, staff_id=11)
    s.returned(T0 + timedelta(days=2), WATER, 0, staff_id=12)
    s.until(T0 + timedelta(days=1))
    assert len(s.rows.movements) == 1  # not yet
    s.until(T0 + timedelta(days=2))
    assert [(m[3], m[4], m[5]) for m in s.rows.movements][-1] == ("RETURN", 1, 3)


async def test_on_the_demo_chain_the_ledger_adds_up_and_the_kpis_have_stock_figures(
    session: AsyncSession,
) -> None:
    s, ring = session, key_ring_from_environment()
    end = datetime.now(UTC).date()
    await seed_demo(s, ring=ring, stock_as_of=history_start(4, end))
    report = await generate_history(s, days=4, ring=ring, end=end, scale=0.3)
    assert report.sales > 0 and report.stockouts > 0 and report.replenishments > 0

    async def rows(sql: str) -> list[tuple[int, ...]]:
        return [tuple(int(v or 0) for v in r) for r in (await s.execute(text(sql))).all()]

    # Every balance is its movements' sum and its last movement's balance, never below zero.
    assert await rows(
        """SELECT count(*) FROM stock_level l
            WHERE l.on_hand < 0 OR l.on_hand <> (SELECT sum(quantity) FROM stock_movement m
                                  WHERE m.store_id = l.store_id AND m.product_id = l.product_id)
               OR l.on_hand <> (SELECT balance_after FROM stock_movement m
                                  WHERE m.store_id = l.store_id AND m.product_id = l.product_id
                                  ORDER BY id DESC LIMIT 1)"""
    ) == [(0,)]
    # A SALE movement per receipt and SKU, its units the receipt's.
    assert await rows(
        "SELECT -sum(quantity), count(*) FROM stock_movement WHERE kind = 'SALE'"
    ) == await rows(
        "SELECT sum(units), count(*) FROM (SELECT sum(quantity) AS units FROM sale_line"
        " GROUP BY store_id, sale_id, product_id) x"
    )
    # The movements run in time order; the opening stock comes first.
    assert await rows(
        """SELECT count(*) FROM (SELECT occurred_at < lag(occurred_at) OVER w AS back
                                  FROM stock_movement WINDOW w AS (PARTITION BY store_id
                                  ORDER BY id)) x WHERE back"""
    ) == [(0,)]
    # Deliveries are the received orders' lines; what is still on the lorry is APPROVED.
    assert await rows(
        "SELECT sum(quantity) FROM stock_movement WHERE reference_type = 'replenishment'"
    ) == await rows(
        "SELECT sum(l.quantity_received) FROM replenishment_line l"
        " JOIN replenishment_order o ON o.id = l.order_id WHERE o.status = 'RECEIVED'"
    )
    assert await rows(
        "SELECT count(*) FROM replenishment_order"
        " WHERE (status = 'RECEIVED') <> (received_at IS NOT NULL)"
    ) == [(0,)]
    # The rollups' stock-outs are the shelves' count; a SKU below safety has its open alert.
    assert await rows("SELECT sum(stockouts) FROM sales_daily") == [(report.stockouts,)]
    assert await rows(
        """SELECT count(*) FROM stock_level l JOIN product p ON p.id = l.product_id
            WHERE l.on_hand < coalesce(l.safety_stock, p.default_safety_stock)
              AND NOT EXISTS (SELECT 1 FROM stock_alert a WHERE a.store_id = l.store_id
                              AND a.product_id = l.product_id AND a.status = 'OPEN')"""
    ) == [(0,)]
    ops = hq_operations()
    first = end - timedelta(days=4)
    answer = await kpis(s, ops, first_day=date(first.year, first.month, 1), last_day=end)

    def values(name: str) -> list[float]:
        return [v for m in answer.months if (v := m.figures[name].value) is not None]

    assert values("inventory_turnover_days") and all(v > 0 for v in values("stock_outs"))
    assert sum(values("stock_outs")) == report.stockouts
    assert values("replenishment_on_time_rate")
    assert values("promotion_redemption_rate") and max(values("promotion_redemption_rate")) > 0
    # The campaigns' counts are the receipts' own: eligible >= redeemed = receipts claiming it.
    assert await rows(
        """SELECT count(*) FROM promotion_store_stats t
            WHERE t.redeemed > t.eligible
               OR t.redeemed <> (SELECT count(DISTINCT sale_id) FROM sale_line l
                                  WHERE l.store_id = t.store_id AND l.promotion_id = t.promotion_id)
               OR t.discount_cents <> (SELECT coalesce(sum(discount_cents), 0) FROM sale_line l
                                  WHERE l.store_id = t.store_id AND l.promotion_id = t.promotion_id)
        """
    ) == [(0,)]
    assert await rows("SELECT count(*) > 0 FROM promotion_store_stats WHERE redeemed > 0") == [(1,)]
    # Complaints: each about a receipt of its store, its timeline from FILED to its status.
    assert report.complaints > 0 and report.survey_answers > report.complaints
    assert await rows("SELECT count(*) FROM complaint WHERE left(receipt_no, 1) = 'H'") == [
        (report.complaints,)
    ]
    assert await rows(
        """SELECT count(*) FROM complaint c
            WHERE left(c.receipt_no, 1) = 'H'  -- the history's, not the demo's own five
              AND (NOT EXISTS (SELECT 1 FROM sale s WHERE s.store_id = c.store_id
                               AND s.receipt_no = c.receipt_no AND s.sold_at < c.filed_at)
               OR (SELECT kind FROM complaint_timeline t WHERE t.complaint_id = c.id
                    ORDER BY id LIMIT 1) <> 'FILED'
               OR (SELECT status FROM complaint_timeline t WHERE t.complaint_id = c.id
                    ORDER BY id DESC LIMIT 1) <> c.status
               OR (c.resolved_at IS NOT NULL) <> (c.status IN ('RESOLVED', 'CLOSED'))
               OR (c.first_response_breached_at IS NOT NULL)
                  <> coalesce(c.first_responded_at > c.first_response_due_at, false))"""
    ) == [(0,)]
    assert await rows(
        """SELECT count(*) FROM (SELECT occurred_at < lag(occurred_at) OVER w AS back
                                  FROM complaint_timeline WINDOW w AS (PARTITION BY complaint_id
                                  ORDER BY id)) x WHERE back"""
    ) == [(0,)]
    assert values("complaint_handling_hours") and values("nps")


async def test_a_chain_whose_stock_moved_after_the_history_started_sells_without_moving_it(
    session: AsyncSession,
) -> None:
    s, ring = session, key_ring_from_environment()
    await seed_demo(s, ring=ring)  # opening stock received now, after the history's start
    before = (await s.execute(text("SELECT count(*), sum(on_hand) FROM stock_level"))).one()
    report = await generate_history(s, days=2, ring=ring, scale=0.1)
    assert report.sales > 0 and report.stockouts == 0 and report.replenishments == 0
    assert (await s.execute(text("SELECT count(*), sum(on_hand) FROM stock_level"))).one() == before
    assert await s.scalar(text("SELECT count(*) FROM stock_movement WHERE kind = 'SALE'")) == 0
