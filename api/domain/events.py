"""Domain events: a row in `event`, announced with NOTIFY when the transaction commits.

The real-time layer LISTENs on EVENT_CHANNEL in every process and delivers each event to the
subscribers allowed to see it; a subscriber resuming from an event id reads the table.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

EVENT_CHANNEL = "chainstore_events"

_EMIT = text(
    """
    WITH e AS (
      INSERT INTO event (kind, store_id, region_id, payload)
      VALUES (:kind, :store_id, :region_id, CAST(:payload AS jsonb))
      RETURNING id
    )
    SELECT e.id, pg_notify(:channel, e.id::text) FROM e
    """
)


async def emit(
    session: AsyncSession,
    kind: str,
    *,
    store_id: int | None,
    region_id: int | None,
    payload: dict[str, Any],
) -> int:
    """Record an event in the caller's transaction; NOTIFY is delivered only if it commits."""

    row = (
        await session.execute(
            _EMIT,
            {
                "kind": kind,
                "store_id": store_id,
                "region_id": region_id,
                "payload": json.dumps(payload, default=str),
                "channel": EVENT_CHANNEL,
            },
        )
    ).one()
    return int(row.id)
