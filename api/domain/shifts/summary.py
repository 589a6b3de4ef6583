"""The handover summary, written from the shift's own data so nobody copies numbers by hand.

One statement over the shift's window [started_at, ended_at) at its store: sales (receipts
and what was paid), returns taken in (and refunded), members enrolled there, and what is still
open when the shift ends (stock alerts, complaints).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Complaints that still need someone (RESOLVED and CLOSED do not).
OPEN_COMPLAINT_STATUSES = ("OPEN", "ASSIGNED", "IN_PROGRESS", "REOPENED")


@dataclass(frozen=True)
class HandoverSummary:
    sales_count: int
    sales_cents: int
    returns_count: int
    refunded_cents: int
    members_enrolled: int
    open_stock_alerts: int
    open_complaints: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HandoverSummary:
        return cls(**{k: int(data.get(k, 0)) for k in cls.__dataclass_fields__})


# One row per window (store, start, end), in the order given: a page of open shifts is one
# statement, like a single handover.
_SUMMARIES = text(
    """
    SELECT sa.n AS sales_count, sa.cents AS sales_cents,
           r.n AS returns_count, r.cents AS refunded_cents,
           m.n AS members_enrolled, a.n AS open_stock_alerts, c.n AS open_complaints
      FROM unnest(CAST(:store_ids AS int[]), CAST(:starts AS timestamptz[]),
                  CAST(:ends AS timestamptz[])) WITH ORDINALITY AS w(store_id, start, stop, i),
      LATERAL (SELECT count(*) AS n, coalesce(sum(total_cents), 0) AS cents FROM sale
                WHERE store_id = w.store_id AND sold_at >= w.start AND sold_at < w.stop) sa,
      LATERAL (SELECT count(*) AS n, coalesce(sum(refund_cents), 0) AS cents FROM sale_return
                WHERE store_id = w.store_id AND returned_at >= w.start
                  AND returned_at < w.stop) r,
      LATERAL (SELECT count(*) AS n FROM member
                WHERE enrolled_store_id = w.store_id AND enrolled_at >= w.start
                  AND enrolled_at < w.stop) m,
      LATERAL (SELECT count(*) AS n FROM stock_alert
                WHERE store_id = w.store_id AND status = 'OPEN') a,
      LATERAL (SELECT count(*) AS n FROM complaint
                WHERE store_id = w.store_id
                  AND status = ANY(CAST(:complaint_open AS text[]))) c
     ORDER BY w.i
    """
)


@dataclass(frozen=True)
class Window:
    store_id: int
    start: datetime
    end: datetime


async def summaries(session: AsyncSession, windows: list[Window]) -> list[HandoverSummary]:
    """The summary of each window, in order (one statement however many)."""
    if not windows:
        return []
    rows = await session.execute(
        _SUMMARIES,
        {
            "store_ids": [w.store_id for w in windows],
            "starts": [w.start for w in windows],
            "ends": [w.end for w in windows],
            "complaint_open": list(OPEN_COMPLAINT_STATUSES),
        },
    )
    return [HandoverSummary(**{k: int(v) for k, v in row._mapping.items()}) for row in rows]


async def handover_summary(
    session: AsyncSession, *, store_id: int, start: datetime, end: datetime
) -> HandoverSummary:
    [summary] = await summaries(session, [Window(store_id, start, end)])
    return summary
