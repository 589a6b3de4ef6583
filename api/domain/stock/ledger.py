"""The stock ledger: every change is an immutable movement and a balance update, together.

One statement updates the balances (INSERT ... ON CONFLICT DO UPDATE takes the row lock, so
concurrent sales of one SKU serialise on it: no lost update) and writes the movements. Rows
are touched in product order, so two transactions never wait on each other in a cycle.
Crossing below a store x SKU safety level opens one LOW_STOCK alert (a partial unique index
allows one OPEN alert per store, SKU and kind); recovering clears it. Only a crossing touches
the alerts: balances change under the row lock, so exactly one transaction sees each crossing,
and a sale below safety that crosses nothing costs no statement beyond the balance update.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events
from db.models import MovementKind


@dataclass(frozen=True)
class Change:
    product_id: int
    quantity: int  # signed: negative takes stock out


@dataclass(frozen=True)
class Balance:
    product_id: int
    before: int
    on_hand: int
    safety_stock: int
    created: bool = False  # no balance row existed: below safety from the start is a crossing

    @property
    def discrepancy(self) -> bool:
        """Recorded stock below zero: goods left that the books never received."""
        return self.on_hand < 0


# The balance update and its movements, as CTEs over one input, `delta` (store_id, product_id,
# quantity, default_safety_stock, reference_id: one row per product), with the parameters
# :kind, :reference_type, :reason, :staff_id and :sold_at. `balance` answers the new balances,
# sorted: reading it runs every balance update (and takes every balance lock, in product
# order) before anything that reads it. recordSale's one statement (sales/record_statement.py)
# feeds it from the sale's lines; `_APPLY` below from parameters.
BALANCE_CTES = """
    level AS (
      INSERT INTO stock_level AS l
        (store_id, product_id, on_hand, in_transit, last_sold_at, updated_at)
      SELECT store_id, product_id, quantity, 0, CAST(:sold_at AS timestamptz), now()
        FROM delta ORDER BY product_id
      ON CONFLICT (store_id, product_id)
        DO UPDATE SET on_hand = l.on_hand + EXCLUDED.on_hand, updated_at = now(),
                      last_sold_at = greatest(l.last_sold_at, EXCLUDED.last_sold_at)
      RETURNING l.product_id, l.on_hand, l.safety_stock, (l.xmax = 0) AS created
    ), balance AS (
      SELECT d.store_id, level.product_id, level.on_hand, d.quantity,
             level.on_hand - d.quantity AS before,
             coalesce(level.safety_stock, d.default_safety_stock) AS safety_stock, level.created
        FROM level JOIN delta d USING (product_id)
       ORDER BY level.product_id
    ), moved AS (
      INSERT INTO stock_movement
        (store_id, product_id, kind, quantity, balance_after, reference_type, reference_id,
         reason, staff_id)
      SELECT b.store_id, b.product_id, :kind, b.quantity, b.on_hand, :reference_type,
             d.reference_id, :reason, :staff_id
        FROM balance b JOIN delta d USING (product_id)
      RETURNING product_id, id
    )"""

# The alerts a crossing opens or clears (`_update_alerts_on_crossing`'s rule) as CTEs over
# `balance`, for a statement that moves stock and updates its alerts at once (recordSale's);
# their events are the caller's to emit.
CROSSING_CTES = """
    opened AS (
      INSERT INTO stock_alert (store_id, product_id, kind, status, details)
      SELECT b.store_id, b.product_id, 'LOW_STOCK', 'OPEN',
             jsonb_build_object('onHand', b.on_hand, 'safetyStock', b.safety_stock)
        FROM balance b
       WHERE b.on_hand < b.safety_stock AND (b.created OR b.safety_stock <= b.before)
      ON CONFLICT (store_id, product_id, kind) WHERE status = 'OPEN' DO NOTHING
      RETURNING id, product_id
    ), cleared AS (
      UPDATE stock_alert a SET status = 'CLEARED', cleared_at = now()
        FROM balance b
       WHERE a.store_id = b.store_id AND a.kind = 'LOW_STOCK' AND a.status = 'OPEN'
         AND a.product_id = b.product_id AND b.on_hand >= b.safety_stock
         AND b.safety_stock > b.before
      RETURNING a.id, a.product_id
    )"""

_APPLY = text(
    f"""
    WITH delta AS (
      SELECT CAST(:store_id AS int) AS store_id, d.product_id, d.quantity,
             p.default_safety_stock, CAST(:reference_id AS text) AS reference_id
        FROM unnest(CAST(:product_ids AS bigint[]), CAST(:quantities AS int[]))
             AS d(product_id, quantity)
        JOIN product p ON p.id = d.product_id
    ), {BALANCE_CTES}
    SELECT product_id, on_hand, before, safety_stock, created FROM balance ORDER BY product_id
    """  # noqa: S608 (a constant fragment; values are bound)
)

_OPEN_LOW_STOCK = text(
    """
    INSERT INTO stock_alert (store_id, product_id, kind, status, details)
    SELECT :store_id, a.product_id, 'LOW_STOCK', 'OPEN',
           jsonb_build_object('onHand', a.on_hand, 'safetyStock', a.safety_stock)
      FROM unnest(CAST(:product_ids AS bigint[]), CAST(:on_hand AS int[]),
                  CAST(:safety AS int[])) AS a(product_id, on_hand, safety_stock)
    ON CONFLICT (store_id, product_id, kind) WHERE status = 'OPEN' DO NOTHING
    RETURNING id, product_id
    """
)

_CLEAR_LOW_STOCK = text(
    """
    UPDATE stock_alert SET status = 'CLEARED', cleared_at = now()
     WHERE store_id = :store_id AND kind = 'LOW_STOCK' AND status = 'OPEN'
       AND product_id = ANY(CAST(:product_ids AS bigint[]))
    RETURNING id, product_id
    """
)


def net_changes(changes: Iterable[Change]) -> dict[int, int]:
    """One net quantity per product (a statement may touch each balance row only once)."""
    net: dict[int, int] = defaultdict(int)
    for change in changes:
        net[change.product_id] += change.quantity
    return dict(sorted(net.items()))


async def apply_movements(
    session: AsyncSession,
    *,
    store_id: int,
    region_id: int,
    kind: MovementKind,
    changes: Iterable[Change],
    reference_type: str | None = None,
    reference_id: str | None = None,
    reason: str | None = None,
    staff_id: int | None = None,
    sold_at: datetime | None = None,
) -> list[Balance]:
    """Move stock at one store in the caller's transaction; return the new balances.

    `sold_at` (sales only) advances the balances' last_sold_at, which slow-mover scans read.
    """
    net = net_changes(changes)
    if not net:
        return []
    rows = (
        await session.execute(
            _APPLY,
            {
                "product_ids": list(net),
                "quantities": list(net.values()),
                "store_id": store_id,
                "kind": kind.value,
                "reference_type": reference_type,
                "reference_id": reference_id,
                "reason": reason,
                "staff_id": staff_id,
                "sold_at": sold_at,
            },
        )
    ).all()
    balances = [
        Balance(
            product_id=r.product_id,
            before=r.before,
            on_hand=r.on_hand,
            safety_stock=r.safety_stock,
            created=r.created,
        )
        for r in rows
    ]
    await _update_alerts_on_crossing(
        session, store_id=store_id, region_id=region_id, balances=balances
    )
    return balances


async def reconcile_low_stock_alert(
    session: AsyncSession, *, store_id: int, region_id: int, balance: Balance
) -> None:
    """Open or clear the alert for a balance whose safety level itself changed."""
    low = balance.on_hand < balance.safety_stock
    await _update_low_stock_alerts(
        session,
        store_id=store_id,
        region_id=region_id,
        low=[balance] if low else [],
        recovered=[] if low else [balance],
    )


async def _update_alerts_on_crossing(
    session: AsyncSession, *, store_id: int, region_id: int, balances: list[Balance]
) -> None:
    await _update_low_stock_alerts(
        session,
        store_id=store_id,
        region_id=region_id,
        low=[
            b
            for b in balances
            if b.on_hand < b.safety_stock and (b.created or b.safety_stock <= b.before)
        ],
        recovered=[b for b in balances if b.on_hand >= b.safety_stock > b.before],
    )


async def _update_low_stock_alerts(
    session: AsyncSession,
    *,
    store_id: int,
    region_id: int,
    low: list[Balance],
    recovered: list[Balance],
) -> None:
    if low:
        opened = (
            await session.execute(
                _OPEN_LOW_STOCK,
                {
                    "store_id": store_id,
                    "product_ids": [b.product_id for b in low],
                    "on_hand": [b.on_hand for b in low],
                    "safety": [b.safety_stock for b in low],
                },
            )
        ).all()
        for alert in opened:
            await events.emit(
                session,
                events.LowStockRaised(alert_id=alert.id, product_id=alert.product_id),
                store_id=store_id,
                region_id=region_id,
            )
    if recovered:
        cleared = (
            await session.execute(
                _CLEAR_LOW_STOCK,
                {"store_id": store_id, "product_ids": [b.product_id for b in recovered]},
            )
        ).all()
        for alert in cleared:
            await events.emit(
                session,
                events.LowStockCleared(alert_id=alert.id, product_id=alert.product_id),
                store_id=store_id,
                region_id=region_id,
            )
