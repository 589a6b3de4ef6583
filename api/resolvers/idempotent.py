"""The resolvers' side of idempotency keys: the request's session and caller, then run_once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from api.context import Context
from api.domain.idempotency import run_once_for_id


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
