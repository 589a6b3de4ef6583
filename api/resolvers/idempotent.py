"""The resolvers' side of idempotency keys: the request's session and caller, then run_once.

Every mutation a device may retry takes `input.idempotencyKey` and goes through one of these
two, so the rule (a replay returns the first result; the key with other arguments is CONFLICT)
is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from api.context import Context
from api.domain.idempotency import run_once, run_once_for_id


async def once(
    context: Context,
    operation: str,
    key: str | None,
    arguments: dict[str, Any],
    perform: Callable[[], Awaitable[int]],
) -> int:
    """Run a mutation once per idempotency key; a replay returns the first call's id."""
    return await run_once_for_id(
        context.session,
        context.require_actor(),
        operation=operation,
        key=key,
        arguments=arguments,
        perform=perform,
    )


async def once_with_result(
    context: Context,
    operation: str,
    key: str | None,
    arguments: dict[str, Any],
    perform: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """`once` for a mutation whose replay needs more than an id (its JSON result is stored)."""
    return await run_once(
        context.session,
        context.require_actor(),
        operation=operation,
        key=key,
        arguments=arguments,
        perform=perform,
    )
