"""GraphQL types for transfers of stock between stores."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain import transfers
from api.schema.organisation import Product, Store
from db.models import TransferStatus

TransferStatusEnum = strawberry.enum(
    TransferStatus,
    name="TransferStatus",
    description="REQUESTED -> APPROVED -> SHIPPED -> RECEIVED; CANCELLED before shipping.",
)


@strawberry.input(description="A quantity of one SKU.")
class SkuQuantityInput:
    sku: str
    quantity: int


@strawberry.input
class RequestTransferInput:
    from_store_code: str = strawberry.field(description="The store asked to send the goods.")
    to_store_code: str = strawberry.field(description="The store receiving them (yours).")
    lines: list[SkuQuantityInput]
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class ShipTransferInput:
    transfer_id: strawberry.ID
    lines: list[SkuQuantityInput] = strawberry.field(
        description="What leaves the source: SKUs not given ship 0; at most what was requested."
    )
    idempotency_key: str | None = None


@strawberry.input
class ReceiveTransferInput:
    transfer_id: strawberry.ID
    lines: list[SkuQuantityInput] = strawberry.field(
        description="What arrived: SKUs not given arrived 0."
    )
    idempotency_key: str | None = None


@strawberry.input
class TransferFilter:
    store_code: str | None = strawberry.field(
        default=None, description="Transfers from or to this store."
    )
    status: TransferStatusEnum | None = None  # type: ignore[valid-type]


@strawberry.type(description="One SKU of a transfer: requested, shipped and received.")
class TransferLine:
    product: Product
    quantity_requested: int
    quantity_shipped: int | None = strawberry.field(description="Null until shipped.")
    quantity_received: int | None = strawberry.field(description="Null until received.")
    difference: int | None = strawberry.field(
        description="Received minus shipped once received: negative is missing, positive extra."
    )

    @classmethod
    def from_view(cls, line: transfers.TransferLineView) -> TransferLine:
        return cls(
            product=Product.from_model(line.product),
            quantity_requested=line.quantity_requested,
            quantity_shipped=line.quantity_shipped,
            quantity_received=line.quantity_received,
            difference=line.difference,
        )


@strawberry.type(description="Goods moving from one store to another.")
class Transfer(relay.Node):
    id: relay.NodeID[int]
    status: TransferStatusEnum  # type: ignore[valid-type]
    note: str | None
    requested_at: datetime
    approved_at: datetime | None
    shipped_at: datetime | None
    received_at: datetime | None
    cancelled_at: datetime | None
    lines: list[TransferLine]
    has_differences: bool = strawberry.field(
        description="True once received with any line differing from what was shipped."
    )
    from_store_id: strawberry.Private[int]
    to_store_id: strawberry.Private[int]

    @classmethod
    def from_view(cls, view: transfers.TransferView) -> Transfer:
        t = view.transfer
        return cls(
            id=t.id,
            status=t.status,
            note=t.note,
            requested_at=t.requested_at,
            approved_at=t.approved_at,
            shipped_at=t.shipped_at,
            received_at=t.received_at,
            cancelled_at=t.cancelled_at,
            lines=[TransferLine.from_view(line) for line in view.lines],
            has_differences=bool(view.differences),
            from_store_id=t.from_store_id,
            to_store_id=t.to_store_id,
        )

    @strawberry.field(description="The store sending the goods.")
    async def from_store(self, info: Info) -> Store:
        return Store.from_model(await info.context.loaders.store.load(self.from_store_id))

    @strawberry.field(description="The store receiving the goods.")
    async def to_store(self, info: Info) -> Store:
        return Store.from_model(await info.context.loaders.store.load(self.to_store_id))


@strawberry.type
class RequestTransferPayload:
    transfer: Transfer


@strawberry.type
class ApproveTransferPayload:
    transfer: Transfer


@strawberry.type
class ShipTransferPayload:
    transfer: Transfer


@strawberry.type
class ReceiveTransferPayload:
    transfer: Transfer
    differences: list[TransferLine] = strawberry.field(
        description="The lines where what arrived differs from what was shipped."
    )


@strawberry.type
class CancelTransferPayload:
    transfer: Transfer
