"""Writing one store's generated history into the ledgers: COPY, with ids reserved in one block
per table from its identity sequence (the seed runs alone), in the order the rows happened.

Complaints and survey answers (api/demo/history_complaints.py) are written the same way. The
stock part (api/demo/history_stock.py) adds the SALE, RETURN and RECEIPT movements with
their balances, the replenishment orders that brought the deliveries, the closing balances and
the LOW_STOCK alerts still open at the end, so the ledger adds up: a SKU's movements sum to its
balance, as if every receipt had come through the till.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.history_complaints import (
    COMPLAINT_COLUMNS,
    SURVEY_COLUMNS,
    TIMELINE_COLUMNS,
    ComplaintRows,
    ComplaintSetting,
)
from api.demo.history_receipts import StoreHistory
from api.demo.history_stock import ORDER_REF, RETURN_REF, SALE_REF, Shelves, Stocked
from api.domain.complaints import routing, sla
from db.models import ComplaintCategory, ComplaintRoute, Region

_SALE_COLUMNS = (
    "store_id, id, receipt_no, sold_at, staff_id, member_id, points_redeemed, subtotal_cents,"
    " discount_cents, total_cents"
)
_LINE_COLUMNS = (
    "store_id, sale_id, line_no, product_id, quantity, unit_price_cents, discount_cents,"
    " line_total_cents, promotion_id, returned_quantity, sold_at"
)
_RETURN_COLUMNS = (
    "store_id, id, original_store_id, original_sale_id, staff_id, refund_cents, points_reversed,"
    " returned_at"
)
_RETURN_LINE_COLUMNS = (
    "store_id, return_id, line_no, sale_line_no, product_id, quantity, refund_cents, resaleable"
)
_SHIFT_COLUMNS = (
    "store_id, clerk_id, kind, status, started_at, window_start, window_end, ended_at, todos"
)
_MOVEMENT_COLUMNS = (
    "store_id, id, product_id, kind, quantity, balance_after, reference_type, reference_id,"
    " staff_id, occurred_at"
)
_ORDER_COLUMNS = (
    "id, store_id, status, created_at, approved_by_id, approved_at, received_by_id, received_at"
)
_ORDER_LINE_COLUMNS = "store_id, order_id, product_id, quantity, quantity_received"

_RESERVE = text(
    "SELECT setval(pg_get_serial_sequence(:t, 'id'),"
    " nextval(pg_get_serial_sequence(:t, 'id')) + :n - 1)"
)

# What a store holds when its history starts: only a store whose stock moved no later than
# that (the demo's opening stock is dated then) is replayed; otherwise its ledger already tells
# another story, and the history sells without moving stock.
_STOCKED = text(
    """
    SELECT l.product_id, l.on_hand,
           coalesce(l.safety_stock, p.default_safety_stock) AS safety_stock,
           coalesce(l.reorder_target, p.default_reorder_target) AS reorder_target
      FROM stock_level l JOIN product p ON p.id = l.product_id
     WHERE l.store_id = :store_id
       AND NOT EXISTS (SELECT 1 FROM stock_movement m
                        WHERE m.store_id = :store_id AND m.occurred_at > :start)
    """
)

_CLOSING_BALANCES = text(
    """
    UPDATE stock_level l
       SET on_hand = x.on_hand, last_sold_at = greatest(l.last_sold_at, x.last_sold_at),
           updated_at = now()
      FROM unnest(CAST(:products AS bigint[]), CAST(:on_hand AS int[]),
                  CAST(:last_sold AS timestamptz[])) AS x(product_id, on_hand, last_sold_at)
     WHERE l.store_id = :store_id AND l.product_id = x.product_id
    """
)

_OPEN_ALERTS = text(
    """
    INSERT INTO stock_alert (store_id, product_id, kind, status, details, raised_at)
    SELECT :store_id, x.product_id, 'LOW_STOCK', 'OPEN',
           jsonb_build_object('onHand', x.on_hand, 'safetyStock', x.safety), x.since
      FROM unnest(CAST(:products AS bigint[]), CAST(:on_hand AS int[]), CAST(:safety AS int[]),
                  CAST(:since AS timestamptz[])) AS x(product_id, on_hand, safety, since)
    ON CONFLICT (store_id, product_id, kind) WHERE status = 'OPEN' DO NOTHING
    """
)


async def stocked_at(session: AsyncSession, store_id: int, start: datetime) -> dict[int, Stocked]:
    """The store's balances to replay from `start`, or none when its stock moved after it."""
    rows = await session.execute(_STOCKED, {"store_id": store_id, "start": start})
    return {r.product_id: Stocked(r.on_hand, r.safety_stock, r.reorder_target) for r in rows}


async def _reserve(session: AsyncSession, table: str, count: int) -> int:
    """The first of `count` fresh ids from the table's identity sequence."""
    if count == 0:
        return 0
    last = await session.scalar(_RESERVE, {"t": table, "n": count})
    return int(last) - count + 1


async def _copy(
    session: AsyncSession, table: str, columns: str, rows: Sequence[Sequence[Any]]
) -> None:
    if not rows:
        return
    connection = await (await session.connection()).get_raw_connection()
    raw: Any = connection.driver_connection
    async with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            await copy.write_row(row)


async def write_store_history(
    session: AsyncSession,
    history: StoreHistory,
    shelves: Shelves | None,
    *,
    manager_id: int | None,
) -> None:
    """COPY the store's rows; with shelves, its stock's rows too (see the module's note)."""
    sale_base = await _reserve(session, "sale", len(history.sales))
    return_base = await _reserve(session, "sale_return", len(history.returns))
    for sale in history.sales:
        sale[1] += sale_base
    for line in history.lines:
        line[1] += sale_base
    for ret in history.returns:
        ret[1] += return_base
        ret[3] += sale_base
    for ret_line in history.return_lines:
        ret_line[1] += return_base
    await _copy(session, "sale", _SALE_COLUMNS, history.sales)
    await _copy(session, "sale_line", _LINE_COLUMNS, history.lines)
    await _copy(session, "sale_return", _RETURN_COLUMNS, history.returns)
    await _copy(session, "return_line", _RETURN_LINE_COLUMNS, history.return_lines)
    await _copy(session, "shift", _SHIFT_COLUMNS, history.shifts)
    if shelves is not None:
        await _write_stock(
            session, shelves, sale_base=sale_base, return_base=return_base, manager_id=manager_id
        )


async def _write_stock(
    session: AsyncSession, shelves: Shelves, *, sale_base: int, return_base: int,
    manager_id: int | None,
) -> None:  # fmt: skip
    rows, store_id = shelves.rows, shelves.store_id
    order_base = await _reserve(session, "replenishment_order", len(rows.orders))
    movement_base = await _reserve(session, "stock_movement", len(rows.movements))
    bases = {SALE_REF: sale_base, RETURN_REF: return_base, ORDER_REF: order_base}
    movements = []
    for store, index, product, kind, quantity, balance, (
        ref,
        ref_index,
    ), staff, when in rows.movements:
        movements.append(
            (store, movement_base + index, product, kind, quantity, balance, ref,
             str(bases[ref] + ref_index), staff, when)
        )  # fmt: skip
    orders = [
        (order_base + index, store_id, "RECEIVED" if received_at else "APPROVED", created,
         manager_id, approved, receiver, received_at)
        for index, created, approved, received_at, receiver in rows.orders
    ]  # fmt: skip
    delivered = {order[0] for order in rows.orders if order[3] is not None}
    lines = [
        (store_id, order_base + index, product, quantity, quantity if index in delivered else None)
        for index, product, quantity in rows.order_lines
    ]
    await _copy(session, "replenishment_order", _ORDER_COLUMNS, orders)
    await _copy(session, "replenishment_line", _ORDER_LINE_COLUMNS, lines)
    await _copy(session, "stock_movement", _MOVEMENT_COLUMNS, movements)
    closing = shelves.balances()
    await session.execute(
        _CLOSING_BALANCES,
        {
            "store_id": store_id,
            "products": list(closing),
            "on_hand": [on_hand for on_hand, _ in closing.values()],
            "last_sold": [last for _, last in closing.values()],
        },
    )
    low = shelves.low()
    if low:
        await session.execute(
            _OPEN_ALERTS,
            {
                "store_id": store_id,
                "products": [x[0] for x in low],
                "on_hand": [x[1] for x in low],
                "safety": [x[2] for x in low],
                "since": [x[3] for x in low],
            },
        )


# --- Complaints and survey answers (api/demo/history_complaints.py) ------------------------


async def complaint_settings(session: AsyncSession) -> dict[str, ComplaintSetting]:
    """Per region code: its handlers by category (the routing table), its manager and the SLA."""
    handlers: dict[int, dict[ComplaintCategory, list[int]]] = {}
    for region_id, category, handler_id in await session.execute(
        select(
            ComplaintRoute.region_id, ComplaintRoute.category, ComplaintRoute.handler_id
        ).order_by(ComplaintRoute.region_id, ComplaintRoute.category, ComplaintRoute.handler_id)
    ):
        handlers.setdefault(region_id, {}).setdefault(category, []).append(handler_id)
    targets = {category: await sla.targets(session, category) for category in ComplaintCategory}
    settings = {}
    for region_id, code in await session.execute(select(Region.id, Region.code)):
        manager = await routing.region_manager(session, region_id)
        settings[code] = ComplaintSetting(
            region_id=region_id,
            manager_id=manager.id if manager is not None else None,
            handlers=handlers.get(region_id, {}),
            targets=targets,
        )
    return settings


async def write_complaints(session: AsyncSession, rows: ComplaintRows) -> None:
    base = await _reserve(session, "complaint", len(rows.complaints))
    for complaint in rows.complaints:
        complaint[0] += base
    for entry in rows.timeline:
        entry[0] += base
    await _copy(session, "complaint", COMPLAINT_COLUMNS, rows.complaints)
    await _copy(session, "complaint_timeline", TIMELINE_COLUMNS, rows.timeline)
    await _copy(session, "survey_answer", SURVEY_COLUMNS, rows.surveys)
