"""One row of `event` as the real-time layer carries it, and who may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.domain.access import StoreScope

# The columns of `event`, in EventRecord's order, for every statement that reads it.
EVENT_COLUMNS = "id, kind, store_id, region_id, payload, occurred_at"


@dataclass(frozen=True)
class EventRecord:
    id: int
    kind: str
    store_id: int | None
    region_id: int | None
    payload: dict[str, Any]
    occurred_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> EventRecord:
        return cls(
            id=int(row[0]),
            kind=row[1],
            store_id=row[2],
            region_id=row[3],
            payload=row[4],
            occurred_at=row[5],
        )


def in_scope(scope: StoreScope, record: EventRecord) -> bool:
    """StoreScope.allows for an event: a store's event by its store (and region), a region's
    event only for its region's or all-stores scopes, an event of neither for all-stores only.
    SCOPE_SQL below is the same rule for the catch-up statement."""
    if scope.all_stores:
        return True
    if record.store_id is not None:
        return scope.store_id == record.store_id or (
            scope.store_id is None
            and scope.region_id is not None
            and scope.region_id == record.region_id
        )
    return (
        scope.store_id is None
        and scope.region_id is not None
        and (scope.region_id == record.region_id)
    )


# in_scope as SQL over `event`, bound with StoreScope.sql_params().
SCOPE_SQL = (
    "(CAST(:scope_all AS boolean)"
    " OR store_id = CAST(:scope_store AS int)"
    " OR (CAST(:scope_store AS int) IS NULL AND region_id = CAST(:scope_region AS int)))"
)
