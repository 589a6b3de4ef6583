"""One piece of work per process for an event, however many subscribers ask for it.

A complaint filed in a region reaches every handler's socket on every process. Reading the
complaint and rendering the subscriber's selection once per socket made the fan-out cost grow
with the subscribers (200 sockets: 200 reads and 200 executions per event). `SharedWork` lets
the first subscriber that needs a key do the work while the others wait for its answer.

Only the work is shared, never a decision: keys carry everything the answer depends on (the
event, the caller's scope and permissions, the document and its variables), so two callers
share an answer only when each would have computed the same one. A producer that fails or is
cancelled shares nothing: the waiters then do the work themselves.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

# Events are delivered within moments of each other on every socket; a key older than a few
# thousand newer ones is never asked for again.
DEFAULT_LIMIT = 4096


class _Abandoned(Exception):
    """The producer shared nothing (it failed, was cancelled, or chose not to share)."""


class SharedWork:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._entries: OrderedDict[Hashable, asyncio.Future[Any]] = OrderedDict()
        self.produced = 0  # how many times work was done (tests read these)
        self.shared = 0  # how many times an answer was reused

    async def get(
        self,
        key: Hashable,
        produce: Callable[[], Awaitable[T]],
        *,
        shareable: Callable[[T], bool] = lambda _: True,
    ) -> T:
        """`produce()`'s answer for `key`: done here if nobody did it yet, else reused.
        An answer `shareable` refuses is returned to its producer only."""
        existing = self._entries.get(key)
        if existing is not None:
            try:
                value: T = await asyncio.shield(existing)
            except _Abandoned:
                return await produce()
            self.shared += 1
            return value
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._entries[key] = future
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)
        self.produced += 1
        try:
            value = await produce()
        except BaseException:
            self._abandon(key, future)
            raise
        if not shareable(value):
            self._abandon(key, future)
            return value
        future.set_result(value)
        return value

    def _abandon(self, key: Hashable, future: asyncio.Future[Any]) -> None:
        if self._entries.get(key) is future:
            del self._entries[key]
        future.set_exception(_Abandoned())
        future.exception()  # retrieved: nobody waiting is not an error
