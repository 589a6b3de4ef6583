"""GraphQL types for markdowns and the stock watch (slow movers, near expiry) they answer."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

import strawberry
from strawberry import relay

from api.domain import markdowns, scans
from api.schema.organisation import Product, Store
from db.models import AlertKind

T = TypeVar("T")


@strawberry.enum(description="What the scheduled scans watch for.")
class StockWatchKind(enum.StrEnum):
    SLOW_MOVER = AlertKind.SLOW_MOVER.value
    NEAR_EXPIRY = AlertKind.NEAR_EXPIRY.value


@strawberry.type(description="A seasonal SKU not selling, or goods close to their date.")
class StockWatchAlert(relay.Node):
    id: relay.NodeID[int]
    kind: StockWatchKind
    raised_at: datetime
    store: Store
    product: Product
    on_hand: int | None = strawberry.field(description="When the scan raised it.")
    last_sold_at: datetime | None = strawberry.field(description="SLOW_MOVER: null if never.")
    expires_on: date | None = strawberry.field(description="NEAR_EXPIRY: the earliest date.")
    quantity_expiring: int | None = strawberry.field(
        description="NEAR_EXPIRY: units estimated on the shelf from expiring batches (first "
        "in, first out)."
    )

    @classmethod
    def from_row(cls, row: scans.WatchRow) -> StockWatchAlert:
        details = row.alert.details
        return cls(
            id=row.alert.id,
            kind=StockWatchKind(row.alert.kind.value),
            raised_at=row.alert.raised_at,
            store=Store.from_model(row.store),
            product=Product.from_model(row.product),
            on_hand=details.get("onHand"),
            last_sold_at=_parse(details.get("lastSoldAt"), datetime.fromisoformat),
            expires_on=_parse(details.get("expiresOn"), date.fromisoformat),
            quantity_expiring=details.get("quantity"),
        )


def _parse(value: str | None, parse: Callable[[str], T]) -> T | None:
    return None if value is None else parse(value)


@strawberry.input
class MarkdownTargetInput:
    store_code: str
    sku: str


@strawberry.input
class IssueMarkdownInput:
    percent_off: int = strawberry.field(description="1 to 90.")
    starts_at: datetime = strawberry.field(description="With a UTC offset.")
    ends_at: datetime
    reason: str
    targets: list[MarkdownTargetInput]
    idempotency_key: str | None = None


@strawberry.type(description="One store x SKU a markdown applies to.")
class MarkdownTarget:
    store: Store
    product: Product
    acknowledged_at: datetime | None
    acknowledged_by: str | None = strawberry.field(description="Username.")


@strawberry.type(description="HQ's time-limited discount on chosen stores and SKUs.")
class Markdown(relay.Node):
    id: relay.NodeID[int]
    percent_off: int
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_at: datetime
    targets: list[MarkdownTarget] = strawberry.field(
        description="The targets at stores in your scope."
    )

    @classmethod
    def from_view(cls, view: markdowns.MarkdownView) -> Markdown:
        m = view.markdown
        return cls(
            id=m.id,
            percent_off=m.percent_off,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            reason=m.reason,
            created_at=m.created_at,
            targets=[
                MarkdownTarget(
                    store=Store.from_model(t.store),
                    product=Product.from_model(t.product),
                    acknowledged_at=t.acknowledged_at,
                    acknowledged_by=t.acknowledged_by,
                )
                for t in view.targets
            ],
        )


@strawberry.type
class IssueMarkdownPayload:
    markdown: Markdown


@strawberry.type
class AcknowledgeMarkdownPayload:
    markdown: Markdown
