"""GraphQL types of the live feeds (subscriptions over graphql-transport-ws)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TypeVar

import strawberry

from api.domain import global_ids
from api.domain.events import STOCK_ALERT_KINDS, EventKind, StockAlertChanged, describe
from api.realtime.records import EventRecord
from api.realtime.subjects import StockSubject
from api.schema.members import PrivacyAlert
from api.schema.organisation import Product, Store
from api.schema.staff import ComplianceGrant

E = TypeVar("E", bound=enum.Enum)


def _event_enum(cls: type[E], description: str) -> type[E]:
    """`cls` (EventKind or a subset of it) as a GraphQL enum, each value described by its
    payload type's docstring (api/domain/events.py)."""
    processed = strawberry.enum(cls, description=description)
    for value in processed.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = describe(EventKind(value.value))
    return processed


EventKindEnum = _event_enum(
    EventKind, "What happened, as a live feed reports it: every kind of event the server writes."
)
# The stock kinds on their own, so the stock feed's `kind` says which it can be.
_STOCK_ALERT_CHANGE: type[enum.StrEnum] = enum.StrEnum(  # type: ignore[misc]
    "StockAlertChange", [(k.name, k.value) for k in EventKind if k in STOCK_ALERT_KINDS]
)
StockAlertChange = _event_enum(
    _STOCK_ALERT_CHANGE, "What happened to a stock alert (these kinds of EventKind)."
)


@strawberry.type(description="A stock alert raised or cleared at a store.")
class StockAlertEvent:
    id: strawberry.ID = strawberry.field(
        description="The event's position in the feed (a number, not a global id): pass the "
        "last one you received as `lastEventId` to resume."
    )
    kind: StockAlertChange  # type: ignore[valid-type]
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
        alert = record.payload_as(StockAlertChanged)
        return cls(
            id=strawberry.ID(str(record.id)),
            kind=StockAlertChange(record.kind),
            occurred_at=record.occurred_at,
            alert_id=strawberry.ID(global_ids.encode("StockAlert", alert.alert_id)),
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


@strawberry.type(
    description="A privacy alert about the HQ_COMPLIANCE role: a grant requested, or confirmed "
    "by its second person."
)
class ComplianceGrantEvent:
    id: strawberry.ID = strawberry.field(
        description="The event's position in the feed (a number, not a global id): pass the "
        "last one you received as `lastEventId` to resume."
    )
    kind: EventKindEnum  # type: ignore[valid-type]
    occurred_at: datetime
    grant: ComplianceGrant = strawberry.field(description="The grant as it is when delivered.")
