"""GraphQL types of the live feeds (subscriptions over graphql-transport-ws)."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from api.domain import global_ids
from api.realtime.records import EventRecord
from api.realtime.subjects import StockSubject
from api.schema.members import PrivacyAlert
from api.schema.organisation import Product, Store


@strawberry.enum(description="What happened to a stock alert.")
class StockAlertChange(enum.StrEnum):
    LOW_STOCK_RAISED = "LOW_STOCK_RAISED"
    LOW_STOCK_CLEARED = "LOW_STOCK_CLEARED"
    NEAR_EXPIRY_RAISED = "NEAR_EXPIRY_RAISED"
    NEAR_EXPIRY_CLEARED = "NEAR_EXPIRY_CLEARED"
    SLOW_MOVER_RAISED = "SLOW_MOVER_RAISED"
    SLOW_MOVER_CLEARED = "SLOW_MOVER_CLEARED"


STOCK_ALERT_KINDS = frozenset(change.value for change in StockAlertChange)


@strawberry.type(description="A stock alert raised or cleared at a store.")
class StockAlertEvent:
    id: strawberry.ID = strawberry.field(
        description="The event's position in the feed (a number, not a global id): pass the "
        "last one you received as `lastEventId` to resume."
    )
    kind: StockAlertChange
    occurred_at: datetime
    alert_id: strawberry.ID = strawberry.field(
        description="The global id of the StockAlert (as in `Query.stockAlerts`; `node(id:)`)."
    )
    store: Store
    product: Product
    on_hand: int = strawberry.field(description="The balance when delivered.")
    safety_stock: int | None

    @classmethod
    def build(cls, record: EventRecord, subject: StockSubject) -> StockAlertEvent:
        return cls(
            id=strawberry.ID(str(record.id)),
            kind=StockAlertChange(record.kind),
            occurred_at=record.occurred_at,
            alert_id=strawberry.ID(global_ids.encode("StockAlert", record.payload["alertId"])),
            store=Store.from_model(subject.store),
            product=Product.from_model(subject.product),
            on_hand=subject.on_hand,
            safety_stock=subject.safety_stock,
        )


@strawberry.type(description="A privacy alert: someone looked up unusually many members.")
class PrivacyAlertEvent:
    id: strawberry.ID = strawberry.field(
        description="The event's position in the feed (a number, not a global id): pass the "
        "last one you received as `lastEventId` to resume."
    )
    occurred_at: datetime
    alert: PrivacyAlert
