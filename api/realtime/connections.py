"""The process's open sockets, and closing those whose token or account is no longer good.

A socket is authenticated once, by `connection_init`; afterwards its token may expire, be
revoked (logout) or its owner frozen. Every `ws_auth_recheck_seconds` one statement checks the
tokens of all this process's sockets and closes the bad ones with a code saying why; a token
about to expire before the next check gets a timer that closes its socket on the second.

A token holds at most `ws_max_sockets_per_token` sockets across all worker processes: each
open socket holds a claim row (`live_socket_claim`), taken under a per-token advisory lock,
refreshed by the same re-check statement and deleted when the socket closes. A claim not
refreshed for `STALE_CLAIM_SECONDS` (its process died) no longer counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import StaffStatus

log = logging.getLogger("chainstore.realtime")


class CloseCode(enum.IntEnum):
    """WebSocket close codes of live feeds, besides graphql-transport-ws's own (4400 bad
    message, 4401 subscribe before connection_ack, 4403 refused connection_init, with a reason
    saying why, 4408 init timeout, 4409 duplicate id, 4429 repeated init). Another subprotocol
    is refused with HTTP 400 before any socket opens (api/graphql_view.py)."""

    TOKEN_EXPIRED = 4440  # sign in again and reconnect
    SIGNED_OUT = 4441  # the token was revoked (logout, an admin) or no longer exists
    ACCOUNT_FROZEN = 4442  # the staff member was frozen
    TOO_MANY_SOCKETS = 4429  # graphql-transport-ws's "too many" code, with this reason
    TOO_SLOW = 4450  # the client read too slowly; reconnect with lastEventId
    GOING_AWAY = 1001  # the server is shutting down; reconnect with lastEventId


REASONS = {
    CloseCode.TOO_MANY_SOCKETS: "too many open sockets for this token: close one first",
    CloseCode.TOKEN_EXPIRED: "token expired: sign in again",
    CloseCode.SIGNED_OUT: "token revoked: sign in again",
    CloseCode.ACCOUNT_FROZEN: "account frozen",
    CloseCode.TOO_SLOW: "too far behind: reconnect with lastEventId",
    CloseCode.GOING_AWAY: "server shutting down: reconnect with lastEventId",
}


@dataclass(eq=False)
class LiveSocket:
    """One authenticated socket; `close` ends its subscriptions and closes it."""

    token_id: int
    staff_id: int
    claim_id: int
    close: Callable[[CloseCode, str], Coroutine[Any, Any, None]]
    _closing: asyncio.Task[None] | None = field(default=None, repr=False)

    def close_soon(self, code: CloseCode) -> None:
        """Close from inside one of the socket's own subscriptions (which the close cancels)."""
        if self._closing is None:
            self._closing = asyncio.create_task(self.close(code, REASONS[code]))


_CHECK_SQL = text(
    """
    WITH seen AS (UPDATE live_socket_claim SET seen_at = now() WHERE id = ANY(:claims))
    SELECT t.id AS token_id, t.revoked_at IS NOT NULL AS revoked,
           extract(epoch FROM t.expires_at - now())::float8 AS seconds_left, s.status
      FROM auth_token t JOIN staff s ON s.id = t.staff_id
     WHERE t.id = ANY(:ids)
    """
)


_CLAIM_LOCK_NAMESPACE = 0x5753  # "WS": pg_advisory_xact_lock(namespace, token id)
# Longer than a few re-checks (they refresh claims), so only a dead process's claims lapse.
STALE_CLAIM_SECONDS = 30.0

_LOCK_TOKEN = text("SELECT pg_advisory_xact_lock(:ns, :token)")
_CLAIM = text(
    """
    WITH lapsed AS (
        DELETE FROM live_socket_claim
         WHERE token_id = :token AND seen_at < now() - make_interval(secs => :stale)
     RETURNING id)
    INSERT INTO live_socket_claim (token_id)
    SELECT :token
     WHERE (SELECT count(*) FROM live_socket_claim
             WHERE token_id = :token AND id NOT IN (SELECT id FROM lapsed)) < :cap
    RETURNING id
    """
)
_RELEASE = text("DELETE FROM live_socket_claim WHERE id = :id")


class SocketRegistry:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        interval: float,
        max_sockets_per_token: int,
    ) -> None:
        self._sessions = sessions
        self._interval = interval
        self._stale_seconds = max(STALE_CLAIM_SECONDS, 5 * interval)
        self._max_sockets_per_token = max_sockets_per_token
        self._sockets: set[LiveSocket] = set()
        self._task: asyncio.Task[None] | None = None
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._sockets)

    async def claim(self, token_id: int) -> int | None:
        """A claim on one of the token's socket places, or None when all are taken."""
        async with self._sessions() as session, session.begin():
            await session.execute(_LOCK_TOKEN, {"ns": _CLAIM_LOCK_NAMESPACE, "token": token_id})
            claimed = await session.execute(
                _CLAIM,
                {
                    "token": token_id,
                    "stale": self._stale_seconds,
                    "cap": self._max_sockets_per_token,
                },
            )
            return claimed.scalar_one_or_none()

    async def release(self, claim_id: int) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(_RELEASE, {"id": claim_id})

    def add(self, socket: LiveSocket) -> None:
        self._sockets.add(socket)
        if self._task is None:
            self._task = asyncio.create_task(self._recheck_forever(), name="chainstore-ws-auth")

    def discard(self, socket: LiveSocket) -> None:
        self._sockets.discard(socket)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        await self._close_all(list(self._sockets), CloseCode.GOING_AWAY)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    async def _recheck_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.recheck()
            except Exception:  # a database hiccup must not end the checks for good
                log.warning("socket token re-check failed", exc_info=True)

    async def recheck(self) -> None:
        """One statement for every socket of this process; close the ones no longer good."""
        if not self._sockets:
            return
        ids = sorted({s.token_id for s in self._sockets})
        claims = sorted(s.claim_id for s in self._sockets)
        async with self._sessions() as session, session.begin():
            rows = (await session.execute(_CHECK_SQL, {"ids": ids, "claims": claims})).all()
        verdicts: dict[int, CloseCode | None] = dict.fromkeys(ids, CloseCode.SIGNED_OUT)
        for row in rows:
            verdicts[row.token_id] = _verdict(row.revoked, row.seconds_left, row.status)
            if verdicts[row.token_id] is None and row.seconds_left < self._interval:
                self._close_at_expiry(row.token_id, row.seconds_left)
        for code in CloseCode:
            doomed = [s for s in self._sockets if verdicts.get(s.token_id) is code]
            await self._close_all(doomed, code)

    def _close_at_expiry(self, token_id: int, seconds_left: float) -> None:
        if token_id in self._timers:
            return
        loop = asyncio.get_running_loop()

        def expire() -> None:
            self._timers.pop(token_id, None)
            doomed = [s for s in self._sockets if s.token_id == token_id]
            task = asyncio.create_task(self._close_all(doomed, CloseCode.TOKEN_EXPIRED))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

        self._timers[token_id] = loop.call_later(max(seconds_left, 0.0), expire)

    async def _close_all(self, sockets: list[LiveSocket], code: CloseCode) -> None:
        for socket in sockets:
            self._sockets.discard(socket)
        results = await asyncio.gather(
            *(s.close(code, REASONS[code]) for s in sockets), return_exceptions=True
        )
        for socket, result in zip(sockets, results, strict=True):
            if isinstance(result, Exception):
                log.info("closing socket of staff %s failed: %s", socket.staff_id, result)


def _verdict(revoked: bool, seconds_left: float, status: str) -> CloseCode | None:
    if status == StaffStatus.FROZEN.value:
        return CloseCode.ACCOUNT_FROZEN
    if revoked:
        return CloseCode.SIGNED_OUT
    if seconds_left <= 0:
        return CloseCode.TOKEN_EXPIRED
    return None
