"""Replay protection for mutations a phone or POS may retry.

The first call with a key stores its result; a retry with the same key and arguments returns
that result and changes nothing. Two concurrent first calls serialise on the primary key: the
second INSERT waits for the first transaction and then finds its row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, InvalidInput
from db.models import IdempotencyRecord

MAX_KEY_LENGTH = 128


def request_hash(arguments: dict[str, Any]) -> bytes:
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).digest()


async def run_once(
    session: AsyncSession,
    actor: Actor,
    *,
    operation: str,
    key: str | None,
    arguments: dict[str, Any],
    perform: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Run `perform` once per (caller, operation, key); its JSON result is what a replay gets."""
    if key is None:
        return await perform()
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidInput(
            f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} characters.", argument="idempotencyKey"
        )
    digest = request_hash(arguments)
    claimed = await session.execute(
        insert(IdempotencyRecord)
        .values(
            staff_id=actor.staff_id, operation=operation, key=key, request_hash=digest, result={}
        )
        .on_conflict_do_nothing()
        .returning(IdempotencyRecord.key)
    )
    if claimed.first() is None:
        record = await session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.staff_id == actor.staff_id,
                IdempotencyRecord.operation == operation,
                IdempotencyRecord.key == key,
            )
        )
        assert record is not None
        if record.request_hash != digest:
            raise Conflict(
                "This idempotencyKey was already used with different arguments.",
                argument="idempotencyKey",
                reason=ErrorReason.IDEMPOTENCY_KEY_REUSED,
            )
        return record.result
    result = await perform()
    record = await session.get_one(IdempotencyRecord, (actor.staff_id, operation, key))
    record.result = result
    await session.flush()
    return result


async def run_once_for_id(
    session: AsyncSession,
    actor: Actor,
    *,
    operation: str,
    key: str | None,
    arguments: dict[str, Any],
    perform: Callable[[], Awaitable[int]],
) -> int:
    """`run_once` for the usual mutation: it writes one thing and a replay needs its id."""

    async def run() -> dict[str, Any]:
        return {"id": await perform()}

    result = await run_once(
        session, actor, operation=operation, key=key, arguments=arguments, perform=run
    )
    return int(result["id"])
