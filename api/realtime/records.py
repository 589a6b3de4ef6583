"""One row of `event` as the real-time layer carries it, and who may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from api.domain.events import EventKind, EventPayload, parse_payload
from api.domain.scope import StoreScope

P = TypeVar("P", bound=EventPayload)

# The columns of `event`, in EventRecord's order, for every statement that reads it.
EVENT_COLUMNS = "id, kind, store_id, region_id, payload, occurred_at"


@dataclass(frozen=True)
class EventRecord:
    id: int
    kind: EventKind
    store_id: int | None
    region_id: int | None
    payload: dict[str, Any]
    occurred_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> EventRecord:
        """ValueError for a kind this release does not know."""
        return cls(
            id=int(row[0]),
            kind=EventKind(row[1]),
            store_id=row[2],
            region_id=row[3],
            payload=row[4],
            occurred_at=row[5],
        )

    def payload_as(self, expected: type[P]) -> P:
        """The payload as its kind's type (a subscriber's kinds all share `expected`)."""
        return parse_payload(self.kind, self.payload, expected)


def in_scope(scope: StoreScope, record: EventRecord) -> bool:
    """Whether the scope sees this event: a store's event by its store (and region), a
    region's event (no store) by its region's and the chain's scopes, an event of neither by
    the chain's alone. SCOPE_SQL below is the same rule for the catch-up statement."""
    return scope.allows(record.store_id, record.region_id)


# in_scope as SQL over `event`, bound with StoreScope.sql_params().
SCOPE_SQL = StoreScope.sql_text("store_id", "region_id")
