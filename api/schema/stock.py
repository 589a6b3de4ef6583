"""GraphQL types for stock balances, nearby stock, stock alerts and transfer suggestions.

Per-row fields are plain attributes (no per-row resolver or query); only `store` goes through
the request's batched store loader, so a page costs the same few statements at any length.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain.stock import alert_counts, queries
from api.domain.stock.suggestions import TransferSuggestion as DomainSuggestion
from api.schema.organisation import Product, Store
from db.models import AlertKind, AlertStatus

StockAlertKind = strawberry.enum(AlertKind, name="StockAlertKind")
StockAlertStatus = strawberry.enum(AlertStatus, name="StockAlertStatus")


async def _store(info: Info, store_id: int) -> Store:
    return Store.from_model(await info.context.loaders.store.load(store_id))


@strawberry.type(description="The balance of one SKU at one store.")
class StockLevel:
    on_hand: int = strawberry.field(description="May be negative: see `discrepancy`.")
    in_transit: int = strawberry.field(description="Inbound: shipped to this store, not received.")
    safety_stock: int = strawberry.field(
        description="The store's override, else the product's default."
    )
    reorder_target: int = strawberry.field(
        description="The store's override, else the product's default; never below safetyStock."
    )
    last_sold_at: datetime | None
    discrepancy: bool = strawberry.field(
        description="True when recorded stock is below zero: goods left that the books never "
        "received (a count is due)."
    )
    product: Product
    store_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: queries.StockLevelRow) -> StockLevel:
        return cls(
            on_hand=row.on_hand,
            in_transit=row.in_transit,
            safety_stock=row.safety_stock,
            reorder_target=row.reorder_target,
            last_sold_at=row.last_sold_at,
            discrepancy=row.discrepancy,
            product=Product.from_model(row.product),
            store_id=row.store_id,
        )

    @strawberry.field
    async def store(self, info: Info) -> Store:
        return await _store(info, self.store_id)


@strawberry.input
class StockLevelFilter:
    below_safety: bool | None = strawberry.field(
        default=None, description="True: only balances below their safety level."
    )
    category: str | None = None
    search: str | None = strawberry.field(
        default=None,
        description='Product name or pinyin initials ("blg": 板蓝根) contain, or exact barcode.',
    )


@strawberry.type(description="Another store holding a SKU, with its distance.")
class NearbyStock:
    store: Store
    on_hand: int
    distance_km: float = strawberry.field(description="Great-circle distance, km.")

    @classmethod
    def from_row(cls, row: queries.NearbyRow) -> NearbyStock:
        return cls(
            store=Store.from_model(row.store), on_hand=row.on_hand, distance_km=row.distance_km
        )


@strawberry.type(
    description="Stock another store could send: its surplus above its own safety level."
)
class TransferSuggestion:
    quantity: int
    distance_km: float
    from_store_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, s: DomainSuggestion) -> TransferSuggestion:
        return cls(quantity=s.quantity, distance_km=s.distance_km, from_store_id=s.from_store_id)

    @strawberry.field
    async def from_store(self, info: Info) -> Store:
        return await _store(info, self.from_store_id)


@strawberry.type(description="Something about a store x SKU that needs attention.")
class StockAlert(relay.Node):
    id: relay.NodeID[int]
    kind: StockAlertKind  # type: ignore[valid-type]
    status: StockAlertStatus  # type: ignore[valid-type]
    raised_at: datetime
    cleared_at: datetime | None
    product: Product
    on_hand: int = strawberry.field(description="The balance now.")
    safety_stock: int
    reorder_target: int
    in_transit: int
    shortfall: int = strawberry.field(
        description="reorderTarget - max(onHand, 0) - inTransit, at least 0: what brings the "
        "shelf back to its target (a negative balance counts as an empty shelf)."
    )
    transfer_suggestions: list[TransferSuggestion] = strawberry.field(
        description="Open LOW_STOCK alerts only: the nearest stores with stock above their own "
        "safety level, nearest first, each giving what is still missing after the nearer "
        "ones, until the shortfall is covered (at most 5)."
    )
    store_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: queries.AlertRow) -> StockAlert:
        level = row.level
        return cls(
            id=row.id,
            kind=row.kind,
            status=row.status,
            raised_at=row.raised_at,
            cleared_at=row.cleared_at,
            product=Product.from_model(level.product),
            on_hand=level.on_hand,
            safety_stock=level.safety_stock,
            reorder_target=level.reorder_target,
            in_transit=level.in_transit,
            shortfall=row.shortfall,
            transfer_suggestions=[TransferSuggestion.from_domain(s) for s in row.suggestions],
            store_id=row.store_id,
        )

    @strawberry.field
    async def store(self, info: Info) -> Store:
        return await _store(info, self.store_id)


@strawberry.type
class SetStockThresholdsPayload:
    stock_level: StockLevel


@strawberry.input(description="One SKU counted on the shelf.")
class StockCountLineInput:
    sku: str
    counted: int = strawberry.field(description="Units on the shelf, not negative.")


@strawberry.input
class RecordStockCountInput:
    store_code: str = strawberry.field(description="Your store.")
    lines: list[StockCountLineInput] = strawberry.field(description="1 to 500, one per SKU.")
    note: str | None = strawberry.field(default=None, description="Which shelf, say.")
    idempotency_key: str | None = None


@strawberry.type(description="One counted SKU: the book balance it replaced and the variance.")
class StockCountLine:
    sku: str
    name: str
    book: int = strawberry.field(description="The balance before the count.")
    counted: int
    variance: int = strawberry.field(description="counted - book; negative: missing units.")


@strawberry.type
class RecordStockCountPayload:
    lines: list[StockCountLine] = strawberry.field(description="In input order.")


@strawberry.type(description="A store's open stock alerts (the board's map colours stores by it).")
class StoreAlertCount:
    store: Store
    open_alerts: int = strawberry.field(description="Open alerts of every kind.")
    low_stock: int = strawberry.field(description="Open LOW_STOCK alerts among them.")

    @classmethod
    def from_row(cls, row: alert_counts.StoreAlertCount) -> StoreAlertCount:
        return cls(
            store=Store.from_model(row.store), open_alerts=row.open_alerts, low_stock=row.low_stock
        )
