"""Writing a domain event: `emit` records one as a row of `event` in the caller's
transaction; it is numbered in commit order and announced with NOTIFY when that transaction
commits. The catalogue of kinds and payloads is api/domain/events.py, which re-exports these
(callers write `events.emit`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import event as orm_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

if TYPE_CHECKING:  # the catalogue imports this module: no import back at run time
    from api.domain.events import EventPayload

EVENT_CHANNEL = "chainstore_events"

# Event ids must follow commit order: a subscriber resuming "after id N" (and each process's
# hub reading "after the last id seen") would otherwise skip an event whose transaction drew
# id N-1 but committed after N was read. So an event is inserted where it happens (a rolled
# back savepoint takes it away with everything else) and, just before its transaction
# commits, given its final id under a transaction-level advisory lock: ids are drawn in the
# order transactions commit. The lock is taken last, when the transaction holds every row
# lock it will ever need, and held only through the commit, so it can neither be part of a
# deadlock nor keep other emitters waiting behind a long transaction (say, a batch of 500
# sales). A transaction that emits nothing never touches it.
# The key is "chainev" in ASCII, unlikely to collide with other advisory lock users.
EVENT_ORDER_LOCK = 0x63_68_61_69_6E_65_76

_PENDING = "chainstore.pending_event_ids"

_EMIT = text(
    """
    INSERT INTO event (kind, store_id, region_id, payload)
    VALUES (:kind, :store_id, :region_id, CAST(:payload AS jsonb))
    RETURNING id
    """
)

# Ids of rows gone with a rolled-back savepoint simply match nothing.
_RENUMBER = text(
    """
    WITH ordered AS (SELECT pg_advisory_xact_lock(:order_lock)),
    renumbered AS (
      UPDATE event SET id = nextval(pg_get_serial_sequence('event', 'id'))
      FROM ordered
      WHERE event.id = ANY(CAST(:ids AS bigint[]))
      RETURNING event.id
    )
    SELECT pg_notify(:channel, max(id)::text) FROM renumbered HAVING count(*) > 0
    """
)


async def emit(
    session: AsyncSession,
    payload: EventPayload,
    *,
    store_id: int | None,
    region_id: int | None,
) -> None:
    """Record an event of `payload`'s kind in the caller's transaction; it gets its id (in
    commit order) and is announced only when that transaction commits."""

    event_id = await session.scalar(
        _EMIT,
        {
            "kind": payload.kind.value,
            "store_id": store_id,
            "region_id": region_id,
            "payload": json.dumps(payload.to_json()),
        },
    )
    session.sync_session.info.setdefault(_PENDING, []).append(event_id)


@orm_event.listens_for(Session, "before_commit")
def _number_in_commit_order(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.execute(
            _RENUMBER,
            {"order_lock": EVENT_ORDER_LOCK, "ids": pending, "channel": EVENT_CHANNEL},
        )


@orm_event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: committed or not
        session.info.pop(_PENDING, None)
