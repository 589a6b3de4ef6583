"""GraphQL types for replenishment orders."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain import replenishment
from api.schema.organisation import Product, Store
from db.models import ReplenishmentStatus

ReplenishmentStatusEnum = strawberry.enum(
    ReplenishmentStatus,
    name="ReplenishmentStatus",
    description="DRAFT -> APPROVED -> RECEIVED; CANCELLED before receipt.",
)


@strawberry.input(description="What arrived of one SKU; a SKU may come in several batches.")
class ReceiptLineInput:
    sku: str
    quantity: int
    expires_on: date | None = strawberry.field(
        default=None, description="Required for perishable SKUs (with a shelf life)."
    )


@strawberry.input
class ReceiveReplenishmentOrderInput:
    replenishment_order_id: strawberry.ID
    lines: list[ReceiptLineInput] = strawberry.field(description="SKUs not given arrived 0.")
    idempotency_key: str | None = None


@strawberry.type
class ReplenishmentLine:
    product: Product
    quantity: int = strawberry.field(description="Ordered.")
    quantity_received: int | None = strawberry.field(description="Null until received.")
    expires_on: date | None = strawberry.field(description="Earliest expiry received.")
    difference: int | None = strawberry.field(description="Received minus ordered.")

    @classmethod
    def from_view(cls, line: replenishment.OrderLineView) -> ReplenishmentLine:
        received = line.quantity_received
        return cls(
            product=Product.from_model(line.product),
            quantity=line.quantity,
            quantity_received=received,
            expires_on=line.expires_on,
            difference=None if received is None else received - line.quantity,
        )


@strawberry.type(description="Goods ordered from suppliers for one store.")
class ReplenishmentOrder(relay.Node):
    id: relay.NodeID[int]
    status: ReplenishmentStatusEnum  # type: ignore[valid-type]
    created_at: datetime
    approved_at: datetime | None
    received_at: datetime | None
    cancelled_at: datetime | None
    lines: list[ReplenishmentLine]
    store_id: strawberry.Private[int]

    @classmethod
    def from_view(cls, view: replenishment.OrderView) -> ReplenishmentOrder:
        o = view.order
        return cls(
            id=o.id,
            status=o.status,
            created_at=o.created_at,
            approved_at=o.approved_at,
            received_at=o.received_at,
            cancelled_at=o.cancelled_at,
            lines=[ReplenishmentLine.from_view(line) for line in view.lines],
            store_id=o.store_id,
        )

    @strawberry.field
    async def store(self, info: Info) -> Store:
        return Store.from_model(await info.context.loaders.store.load(self.store_id))


@strawberry.type
class GenerateReplenishmentOrdersPayload:
    replenishment_orders: list[ReplenishmentOrder] = strawberry.field(
        description="The DRAFT of every store that needs goods, one per store."
    )


@strawberry.type
class ApproveReplenishmentOrderPayload:
    replenishment_order: ReplenishmentOrder


@strawberry.type
class ReceiveReplenishmentOrderPayload:
    replenishment_order: ReplenishmentOrder


@strawberry.type
class CancelReplenishmentOrderPayload:
    replenishment_order: ReplenishmentOrder
