"""The demo history's stock: one store's shelves through its receipts, deliveries and returns.

A store starts the history with the chain's opening stock and keeps each SKU the way a
store's replenishment does: every evening it orders, for each SKU whose stock plus what is on
order has fallen to its reorder point, enough to bring it back to its order-up-to level; the
store manager approves at once and the lorry comes the next day, or (one order in LATE_SHARE)
two to three days later. Both levels follow the SKU's recent sales (an exponentially smoothed
daily rate, as a store's system would forecast it), never below the catalogue's safety stock
and reorder target, so best sellers are kept deeper than slow lines.

An empty shelf loses the sale: a line asks for units and gets what is there (none: no line),
so balances never go below zero; the sale that empties a shelf is the stock-out the KPIs count
(api/domain/analytics/rebuild.py reads it back from the SALE movements). A resaleable return
puts its unit back when it is brought in. Everything here is in memory and deterministic;
api/demo/history.py turns the rows into ledger rows with the ids it reserves.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

LATE_SHARE = 0.08  # deliveries that miss the 48-hour promise
RATE_SMOOTHING = 0.25  # weight of the newest day in the smoothed daily rate
COVER_DAYS_REORDER = 2.0  # reorder point: two days of sales (one day's lead time and a margin)
COVER_DAYS_TARGET = 6.0  # order-up-to level: about a week of sales

# Movement references resolved to ids when the rows are written (api/demo/history.py).
SALE_REF, RETURN_REF, ORDER_REF = "sale", "return", "replenishment"


@dataclass(frozen=True)
class Stocked:
    """A SKU the store holds at the history's start: its balance and the catalogue's levels."""

    on_hand: int
    safety_stock: int
    reorder_target: int


@dataclass
class _Sku:
    on_hand: int
    safety: int
    target: int
    rate: float  # smoothed units a day
    on_order: int = 0
    sold_today: int = 0
    low_since: datetime | None = None  # below safety stock since (an open LOW_STOCK alert)
    last_sold_at: datetime | None = None


@dataclass
class ShelfRows:
    """What the shelves wrote, with local indexes for the ids history.py reserves: a movement's
    reference is (kind, local index of the sale, return or order)."""

    movements: list[list[Any]] = field(default_factory=list)
    orders: list[list[Any]] = field(default_factory=list)  # local id, created, approved, received
    order_lines: list[list[Any]] = field(default_factory=list)  # local order id, product, qty
    stockouts: int = 0


class Shelves:
    """One store's stock through its history, event by event in time order."""

    def __init__(
        self,
        store_id: int,
        stocked: dict[int, Stocked],
        *,
        rng: random.Random,
    ) -> None:
        self.store_id = store_id
        self.rng = rng
        self.rows = ShelfRows()
        self._skus = {
            product_id: _Sku(s.on_hand, s.safety_stock, s.reorder_target, s.reorder_target / 7)
            for product_id, s in sorted(stocked.items())
        }
        self._due: list[tuple[datetime, int, str, Any]] = []  # (when, order, what, details)
        self._sequence = 0
        self._sale: dict[int, int] = {}  # this receipt's units per product so far

    # Receipts.

    def take(self, product_id: int, quantity: int) -> int:
        """Units of `quantity` the shelf can give this receipt (all, for a SKU not held)."""
        sku = self._skus.get(product_id)
        if sku is None:
            return quantity
        given = min(quantity, max(0, sku.on_hand))
        if given:
            sku.on_hand -= given
            self._sale[product_id] = self._sale.get(product_id, 0) + given
        return given

    def sold(self, sale_index: int, sold_at: datetime, staff_id: int) -> None:
        """The receipt is complete: one SALE movement per product, as the till nets them."""
        for product_id, units in sorted(self._sale.items()):
            sku = self._skus[product_id]
            sku.sold_today += units
            sku.last_sold_at = sold_at
            if sku.on_hand <= 0 < sku.on_hand + units:
                self.rows.stockouts += 1
            self._move(product_id, "SALE", -units, (SALE_REF, sale_index), sold_at, staff_id)
        self._sale.clear()

    def returned(self, when: datetime, product_id: int, return_index: int, staff_id: int) -> None:
        """A resaleable unit comes back at `when` (later than the receipt being written)."""
        if product_id in self._skus:
            self._push(when, "return", (product_id, return_index, staff_id))

    # Time passing.

    def until(self, moment: datetime) -> None:
        """Book every delivery and return due by `moment`, in time order."""
        while self._due and self._due[0][0] <= moment:
            when, _, what, details = heapq.heappop(self._due)
            if what == "return":
                product_id, return_index, staff_id = details
                self._move(product_id, "RETURN", 1, (RETURN_REF, return_index), when, staff_id)
            else:
                order_index, lines, staff_id = details
                for product_id, quantity in lines:
                    self._skus[product_id].on_order -= quantity
                    self._move(
                        product_id, "RECEIPT", quantity, (ORDER_REF, order_index), when, staff_id
                    )
                self.rows.orders[order_index][3] = when
                self.rows.orders[order_index][4] = staff_id

    def close_day(self, closing: datetime, receiver_id: int) -> None:
        """The evening's order (approved at once), for delivery to `receiver_id`'s shift."""
        lines = []
        for product_id, sku in self._skus.items():
            sku.rate += RATE_SMOOTHING * (sku.sold_today - sku.rate)
            sku.sold_today = 0
            reorder_point = max(sku.safety, math.ceil(sku.rate * COVER_DAYS_REORDER))
            level = max(sku.target, math.ceil(sku.rate * COVER_DAYS_TARGET))
            quantity = level - sku.on_hand - sku.on_order
            if sku.on_hand + sku.on_order <= reorder_point and quantity > 0:
                sku.on_order += quantity
                lines.append((product_id, quantity))
        if not lines:
            return
        order_index = len(self.rows.orders)
        approved = closing + timedelta(minutes=self.rng.randrange(5, 40))
        late = self.rng.random() < LATE_SHARE
        hours = self.rng.uniform(50, 76) if late else self.rng.uniform(10, 30)
        self.rows.orders.append([order_index, closing, approved, None, None])
        for product_id, quantity in lines:
            self.rows.order_lines.append([order_index, product_id, quantity])
        self._push(approved + timedelta(hours=hours), "delivery", (order_index, lines, receiver_id))

    # The end.

    def balances(self) -> dict[int, tuple[int, datetime | None]]:
        """Each held SKU's closing balance and last sale."""
        return {p: (s.on_hand, s.last_sold_at) for p, s in self._skus.items()}

    def low(self) -> list[tuple[int, int, int, datetime]]:
        """The SKUs below their safety stock at the end: product, on hand, safety, since."""
        return [
            (p, s.on_hand, s.safety, s.low_since)
            for p, s in self._skus.items()
            if s.low_since is not None
        ]

    # Rows.

    def _push(self, when: datetime, what: str, details: Any) -> None:
        self._sequence += 1
        heapq.heappush(self._due, (when, self._sequence, what, details))

    def _move(
        self,
        product_id: int,
        kind: str,
        quantity: int,
        reference: tuple[str, int],
        when: datetime,
        staff_id: int | None,
    ) -> None:
        sku = self._skus[product_id]
        if kind != "SALE":  # a sale took its units in take()
            sku.on_hand += quantity
        if sku.on_hand < sku.safety:
            sku.low_since = sku.low_since or when
        else:
            sku.low_since = None
        self.rows.movements.append(
            [self.store_id, len(self.rows.movements), product_id, kind, quantity, sku.on_hand,
             reference, staff_id, when]
        )  # fmt: skip
