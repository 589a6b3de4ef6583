"""Replenishment orders: one DRAFT per store drafted from its OPEN LOW_STOCK alerts, approved by
a manager or HQ, received as RECEIPT movements with a stock batch (and expiry date) per line.

A line orders target - on hand - in transit - already on order (APPROVED, not yet received),
where the target is the store's reorder target or else the product's default; a SKU with a
days-of-cover warning orders up to the warning's forecast target instead when that is more
(api/domain/forecasting/queries.py). Only positive quantities are ordered. Goods already on an
approved order count like goods in transit, so a regenerated draft never orders them twice.
Regenerating updates the store's one DRAFT (a partial unique index allows one), and a draft
nothing is needed for any more is cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, NotFound
from api.domain.forecasting.queries import Need, with_cover_needs
from api.domain.pagination import Page, keyset_page
from api.domain.stock.ledger import Change, apply_movements
from api.domain.transfers.lines import MAX_LINES, MAX_QUANTITY, products_by_sku, raise_if
from db.models import (
    MovementKind,
    Product,
    ReplenishmentLine,
    ReplenishmentOrder,
    ReplenishmentStatus,
    StockBatch,
    Store,
)


@dataclass(frozen=True)
class ReceiptLine:
    sku: str
    quantity: int
    expires_on: date | None = None


@dataclass(frozen=True)
class OrderLineView:
    product: Product
    quantity: int
    quantity_received: int | None
    expires_on: date | None


@dataclass(frozen=True)
class OrderView:
    order: ReplenishmentOrder
    lines: list[OrderLineView]


_NEEDS = text(
    """
    SELECT a.store_id, a.product_id,
           coalesce(l.reorder_target, p.default_reorder_target) - coalesce(l.on_hand, 0)
             - coalesce(l.in_transit, 0) - coalesce(on_order.quantity, 0) AS quantity
      FROM stock_alert a
      JOIN product p ON p.id = a.product_id
      LEFT JOIN stock_level l ON l.store_id = a.store_id AND l.product_id = a.product_id
      LEFT JOIN LATERAL (
        SELECT sum(rl.quantity) AS quantity
          FROM replenishment_order o
          JOIN replenishment_line rl ON rl.store_id = o.store_id AND rl.order_id = o.id
         WHERE o.store_id = a.store_id AND o.status = 'APPROVED'
           AND rl.product_id = a.product_id
      ) on_order ON true
     WHERE a.kind = 'LOW_STOCK' AND a.status = 'OPEN'
       AND a.store_id = ANY(CAST(:store_ids AS int[]))
     ORDER BY a.store_id, a.product_id
    """
)

# Takes the store's DRAFT row lock (DO UPDATE), so concurrent regenerations take turns.
_UPSERT_DRAFTS = text(
    """
    INSERT INTO replenishment_order (store_id, status)
    SELECT store_id, 'DRAFT' FROM unnest(CAST(:store_ids AS int[])) AS s(store_id)
     ORDER BY store_id
    ON CONFLICT (store_id) WHERE status = 'DRAFT' DO UPDATE SET store_id = EXCLUDED.store_id
    RETURNING id, store_id
    """
)

_UPSERT_LINES = text(
    """
    INSERT INTO replenishment_line (store_id, order_id, product_id, quantity)
    SELECT * FROM unnest(CAST(:store_ids AS int[]), CAST(:order_ids AS bigint[]),
                         CAST(:product_ids AS bigint[]), CAST(:quantities AS int[]))
    ON CONFLICT (store_id, order_id, product_id) DO UPDATE SET quantity = EXCLUDED.quantity
    """
)

_DROP_STALE_LINES = text(
    """
    DELETE FROM replenishment_line rl
     WHERE rl.order_id = ANY(CAST(:order_ids AS bigint[]))
       AND (rl.order_id, rl.product_id) NOT IN (
         SELECT * FROM unnest(CAST(:line_orders AS bigint[]), CAST(:product_ids AS bigint[])))
    """
)

_CANCEL_UNNEEDED = text(
    """
    UPDATE replenishment_order SET status = 'CANCELLED', cancelled_at = now()
     WHERE status = 'DRAFT' AND store_id = ANY(CAST(:store_ids AS int[]))
       AND NOT store_id = ANY(CAST(:needy AS int[]))
    """
)


async def generate_orders(
    session: AsyncSession, actor: Actor | None, *, store_code: str | None
) -> list[OrderView]:
    """Draft (or refresh) one order per store, for one store or every store in scope."""
    actor = require(actor, Permission.MANAGE_REPLENISHMENT)
    if store_code is not None:
        store = await authorize_store(session, actor, store_code, Permission.MANAGE_REPLENISHMENT)
        store_ids = [store.id]
    else:
        store_ids = list(await session.scalars(select(Store.id).where(actor.scope.where(Store.id))))
    # LOW_STOCK alerts' quantities, raised to what a days-of-cover warning asks for (the
    # forecast's demand over lead time, safety days and an order cycle, api/domain/forecasting).
    needs = await with_cover_needs(
        session,
        store_ids,
        [
            Need(row.store_id, row.product_id, row.quantity)
            for row in (await session.execute(_NEEDS, {"store_ids": store_ids})).all()
        ],
    )
    needy = sorted({row.store_id for row in needs})
    order_of: dict[int, int] = {}
    if needy:
        drafts = (await session.execute(_UPSERT_DRAFTS, {"store_ids": needy})).all()
        order_of = {row.store_id: row.id for row in drafts}
        line_orders = [order_of[row.store_id] for row in needs]
        product_ids = [row.product_id for row in needs]
        await session.execute(
            _UPSERT_LINES,
            {
                "store_ids": [row.store_id for row in needs],
                "order_ids": line_orders,
                "product_ids": product_ids,
                "quantities": [row.quantity for row in needs],
            },
        )
        await session.execute(
            _DROP_STALE_LINES,
            {
                "order_ids": list(order_of.values()),
                "line_orders": line_orders,
                "product_ids": product_ids,
            },
        )
    await session.execute(_CANCEL_UNNEEDED, {"store_ids": store_ids, "needy": needy})
    orders = (
        await session.scalars(
            select(ReplenishmentOrder)
            .where(ReplenishmentOrder.id.in_(list(order_of.values())))
            .order_by(ReplenishmentOrder.store_id)
            .execution_options(populate_existing=True)
        )
    ).all()
    return await with_lines(session, list(orders))


async def _load(
    session: AsyncSession, actor: Actor, order_id: int, *, argument: str = "id"
) -> Store:
    """The order's store. An order of a store outside the caller's scope is not there for
    them: the same NOT_FOUND as an id no order has."""
    store = await session.scalar(
        select(Store)
        .join(ReplenishmentOrder, ReplenishmentOrder.store_id == Store.id)
        .where(ReplenishmentOrder.id == order_id)
    )
    if store is None or not actor.scope.allows(store.id, store.region_id):
        public = global_ids.encode("ReplenishmentOrder", order_id)
        raise NotFound(
            f"No replenishment order {public} at a store in your scope.",
            argument=argument,
            orderId=public,
        )
    return store


async def _transition(
    session: AsyncSession,
    store_id: int,
    order_id: int,
    *,
    expected: set[ReplenishmentStatus],
    new: ReplenishmentStatus,
    verb: str,
    values: dict[str, Any],
) -> None:
    """A guarded UPDATE: of two concurrent changes only one finds the expected status."""
    key = (ReplenishmentOrder.store_id == store_id) & (ReplenishmentOrder.id == order_id)
    changed = await session.scalar(
        update(ReplenishmentOrder)
        .where(key, ReplenishmentOrder.status.in_(expected))
        .values(status=new, **values)
        .returning(ReplenishmentOrder.id)
        .execution_options(synchronize_session=False)
    )
    if changed is None:
        current = await session.scalar(select(ReplenishmentOrder.status).where(key))
        public = global_ids.encode("ReplenishmentOrder", order_id)
        raise Conflict(
            f"Replenishment order {public} is {current}: it cannot be {verb}.",
            orderId=public,
            reason=ErrorReason.WRONG_STATUS,
            status=str(current),
        )


async def approve_order(session: AsyncSession, actor: Actor | None, order_id: int) -> None:
    """The store's manager, its region manager or HQ sends the draft to the supplier."""
    actor = require(actor, Permission.MANAGE_REPLENISHMENT)
    store = await _load(session, actor, order_id)
    await _transition(
        session,
        store.id,
        order_id,
        expected={ReplenishmentStatus.DRAFT},
        new=ReplenishmentStatus.APPROVED,
        verb="approved",
        values={"approved_by_id": actor.staff_id, "approved_at": text("now()")},
    )


async def cancel_order(session: AsyncSession, actor: Actor | None, order_id: int) -> None:
    actor = require(actor, Permission.MANAGE_REPLENISHMENT)
    store = await _load(session, actor, order_id)
    await _transition(
        session,
        store.id,
        order_id,
        expected={ReplenishmentStatus.DRAFT, ReplenishmentStatus.APPROVED},
        new=ReplenishmentStatus.CANCELLED,
        verb="cancelled",
        values={"cancelled_by_id": actor.staff_id, "cancelled_at": text("now()")},
    )


async def _check_receipt(
    session: AsyncSession, store: Store, order_id: int, lines: list[ReceiptLine]
) -> tuple[dict[str, Product], set[int]]:
    """The products named and the products on order, or every problem with the delivery
    note, named by line. One SKU may come in several lines
    (batches with different expiry dates)."""
    problems = []
    if len(lines) > MAX_LINES:
        problems.append(f"lines: at most {MAX_LINES} lines")
    on_order = set(
        await session.scalars(
            select(ReplenishmentLine.product_id).where(
                ReplenishmentLine.store_id == store.id, ReplenishmentLine.order_id == order_id
            )
        )
    )
    found = await products_by_sku(session, (line.sku for line in lines))
    today = await session.scalar(
        text("SELECT (now() AT TIME ZONE :tz)::date"), {"tz": store.time_zone}
    )
    for i, line in enumerate(lines):
        product = found.get(line.sku)
        if not 0 <= line.quantity <= MAX_QUANTITY:
            problems.append(f"lines[{i}].quantity: {line.quantity} is not 0 to {MAX_QUANTITY}")
        if product is None:
            problems.append(f"lines[{i}].sku: no product has SKU {line.sku!r}")
        elif product.id not in on_order:
            problems.append(f"lines[{i}].sku: {line.sku} is not on order {order_id}")
        elif line.expires_on is None and product.shelf_life_days and line.quantity > 0:
            problems.append(f"lines[{i}].expiresOn: {line.sku} is perishable; give its date")
        if line.expires_on is not None and today is not None and line.expires_on < today:
            problems.append(f"lines[{i}].expiresOn: {line.expires_on} has passed; refuse it")
    raise_if(problems)
    return found, on_order


_SET_RECEIVED = text(
    """
    UPDATE replenishment_line rl SET quantity_received = d.quantity, expires_on = d.expires_on
      FROM unnest(CAST(:product_ids AS bigint[]), CAST(:quantities AS int[]),
                  CAST(:expiries AS date[])) AS d(product_id, quantity, expires_on)
     WHERE rl.store_id = :store_id AND rl.order_id = :order_id AND rl.product_id = d.product_id
    """
)


async def receive_order(
    session: AsyncSession, actor: Actor | None, order_id: int, lines: list[ReceiptLine]
) -> None:
    """Store staff book the delivery: RECEIPT movements and one stock batch per dated line.
    SKUs on the order but not on the note arrived 0; more or less than ordered is recorded."""
    actor = require(actor, Permission.HANDLE_GOODS)
    store = await _load(session, actor, order_id, argument="replenishmentOrderId")
    found, on_order = await _check_receipt(session, store, order_id, lines)
    await _transition(
        session,
        store.id,
        order_id,
        expected={ReplenishmentStatus.APPROVED},
        new=ReplenishmentStatus.RECEIVED,
        verb="received",
        values={"received_by_id": actor.staff_id, "received_at": text("now()")},
    )
    received = dict.fromkeys(sorted(on_order), 0)
    earliest: dict[int, date] = {}
    for line in lines:
        pid = found[line.sku].id
        received[pid] += line.quantity
        if line.expires_on is not None and line.quantity > 0:
            earliest[pid] = min(earliest.get(pid, line.expires_on), line.expires_on)
    await session.execute(
        _SET_RECEIVED,
        {
            "store_id": store.id,
            "order_id": order_id,
            "product_ids": list(received),
            "quantities": list(received.values()),
            "expiries": [earliest.get(pid) for pid in received],
        },
    )
    await apply_movements(
        session,
        store_id=store.id,
        region_id=store.region_id,
        kind=MovementKind.RECEIPT,
        changes=[Change(pid, qty) for pid, qty in received.items() if qty],
        reference_type="replenishment",
        reference_id=str(order_id),
        staff_id=actor.staff_id,
    )
    moved = await session.execute(
        text(
            "SELECT product_id, id FROM stock_movement WHERE store_id = :store_id "
            "AND reference_type = 'replenishment' AND reference_id = :ref"
        ),
        {"store_id": store.id, "ref": str(order_id)},
    )
    movement_of = {row.product_id: row.id for row in moved}
    session.add_all(
        StockBatch(
            store_id=store.id,
            product_id=found[line.sku].id,
            quantity=line.quantity,
            expires_on=line.expires_on,
            movement_id=movement_of.get(found[line.sku].id),
        )
        for line in lines
        if line.quantity > 0 and line.expires_on is not None
    )
    await session.flush()


async def with_lines(session: AsyncSession, orders: list[ReplenishmentOrder]) -> list[OrderView]:
    """Orders with their lines and products: one query for any number of orders."""
    ids = [o.id for o in orders]
    rows = (
        await session.execute(
            select(ReplenishmentLine, Product)
            .join(Product, Product.id == ReplenishmentLine.product_id)
            .where(ReplenishmentLine.order_id.in_(ids))
            .order_by(ReplenishmentLine.order_id, Product.sku)
            .execution_options(populate_existing=True)
        )
    ).all()
    lines: dict[int, list[OrderLineView]] = {i: [] for i in ids}
    for line, product in rows:
        lines[line.order_id].append(
            OrderLineView(
                product=product,
                quantity=line.quantity,
                quantity_received=line.quantity_received,
                expires_on=line.expires_on,
            )
        )
    return [OrderView(order=o, lines=lines[o.id]) for o in orders]


async def order_view(session: AsyncSession, order_id: int) -> OrderView:
    """An order the caller was already authorised for (after a mutation)."""
    order = await session.scalar(
        select(ReplenishmentOrder)
        .where(ReplenishmentOrder.id == order_id)
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound(f"No replenishment order has id {order_id}.", argument="id")
    [view] = await with_lines(session, [order])
    return view


async def list_orders(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str | None,
    status: ReplenishmentStatus | None,
    first: int | None,
    after: str | None,
    order_ids: Sequence[int] | None = None,
) -> Page[OrderView]:
    """Orders of stores in the caller's scope (or only those of `order_ids`), oldest first."""
    actor = require(actor, Permission.VIEW_STOCK)
    stmt = select(ReplenishmentOrder).where(actor.scope.where(ReplenishmentOrder.store_id))
    if order_ids is not None:
        stmt = stmt.where(ReplenishmentOrder.id.in_(list(order_ids)))
    if store_code is not None:
        store = await authorize_store(session, actor, store_code, Permission.VIEW_STOCK)
        stmt = stmt.where(ReplenishmentOrder.store_id == store.id)
    if status is not None:
        stmt = stmt.where(ReplenishmentOrder.status == status)
    page = await keyset_page(
        session,
        stmt.execution_options(populate_existing=True),
        kind="replenishment",
        key_columns=[ReplenishmentOrder.id],
        key_of=lambda o: [o.id],
        first=first,
        after=after,
    )
    views = await with_lines(session, [o for _, o in page.items])
    return Page(
        items=[(cursor, view) for (cursor, _), view in zip(page.items, views, strict=True)],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )
