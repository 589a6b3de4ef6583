"""Reads that tolerate lag on a streaming replica (DATABASE_READ_URL), and when to skip it.

Which reads: analytics, the board's queries and the lists whose resolvers ask for
`Context.read_session()`. Everything else (every write, authentication, anything on a socket)
uses the primary, and so does a lag-tolerant read when the replica is not fit for it; each
such read counts in `chainstore_replica_fallbacks_total` by reason, and a change of the
replica's state is logged once, not per request:
- `down`: the replica did not answer the last check, or a connection to it failed just now
  (the request goes on with the primary: no error reaches the caller);
- `lagging`: it is further behind than CHAINSTORE_REPLICA_MAX_LAG_SECONDS;
- `own_write`: the caller's token wrote something the replica has not replayed yet.

Read-your-writes, by LSN, in every worker process. When a request's primary transaction (over
HTTP, or an operation's on a socket) wrote and committed, one statement stores the primary's
`pg_current_wal_lsn()`, evaluated after the commit (so at or past its commit record, which the
commit flushed: synchronous_commit on, the default), on the request's token row
(`auth_token.last_write_lsn`), before the response leaves. Every request already reads that row
to authenticate (api/domain/auth.py, the compiled path's copy of the same statement), so the
next request by the token, whichever worker process or instance serves it, knows the position
at no extra statement: its lag-tolerant reads may use the replica only once the replica's
`pg_last_wal_replay_lsn()` is at or past it. The position compared is the one the monitor read
last (every CHAINSTORE_REPLICA_CHECK_SECONDS): replay only moves forward, so an old reading is
a lower bound and errs towards the primary, never towards an answer without the caller's
write; no read pays a round trip to ask. Within one request, a read after a write that has not
committed yet uses the primary session, the only one that sees it.

The cost, only with DATABASE_READ_URL set and only for requests that wrote: one UPDATE of the
token's row in a transaction of its own (autocommit), one more round trip before the response,
and its WAL for the replica to replay: 192 bytes a write request measured on an otherwise idle
PostgreSQL 18 (a HOT update: the column has no index), about 3 % of a sale's, plus a full-page
image of each token page at its first update after a checkpoint. Without a replica nothing is
stored, and reads never pay anything: the column rides on the authentication statement.
Concurrent writes by one token cannot store an older position over a newer one: their updates
of the row run one after the other (a waiting one re-evaluates its new value), and the WAL
position only grows, so the last to run stores the highest. A token shared by many clients
(one integrator token for every till) makes its row a hot spot: give each till its own.

Lag. Each check reads the primary's `pg_current_wal_lsn()` then the replica's replay position:
bytes behind is their difference; seconds behind is how long ago the monitor first saw the
primary past the replica's position (0 when caught up), accurate to one check interval. This
measures delay, unlike `now() - pg_last_xact_replay_timestamp()`, which grows on an idle
primary and jumps to the age of the last commit as soon as replay pauses. A read URL whose
server is not in recovery (the primary itself, as in development) counts as caught up. The
monitor keeps one connection to each server, apart from the request pools.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import deque
from dataclasses import dataclass

import psycopg
from sqlalchemy import TextClause, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from api.observability import metrics
from db.embedded import to_libpq_uri
from db.engine import create_session_factory

log = logging.getLogger("chainstore.replica")

_CHECK_TIMEOUT_SECONDS = 2


def parse_lsn(value: str) -> int:
    """`16/B374D848` → its byte position."""
    high, low = value.split("/")
    return (int(high, 16) << 32) | int(low, 16)


_REPLICA_POSITION = """
    SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                ELSE pg_current_wal_lsn() END::text
"""


@dataclass
class ReplicaState:
    up: bool = False
    replay_lsn: int = 0  # the replica's replay position at the last check that answered
    lag_bytes: int = 0
    lag_seconds: float = 0.0
    # "down" (also until the first check answers), "lagging", or None when fit for reads.
    problem: str | None = "down"


class ReadReplica:
    """The replica's sessions and its state as last checked."""

    def __init__(
        self,
        *,
        primary_url: str,
        replica_url: str,
        engine: AsyncEngine,
        max_lag_seconds: float,
        check_seconds: float,
    ) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = create_session_factory(engine)
        self.max_lag_seconds = max_lag_seconds
        self.check_seconds = check_seconds
        self.state = ReplicaState()
        self._primary_conninfo = to_libpq_uri(primary_url)
        self._replica_conninfo = to_libpq_uri(replica_url)
        # (primary LSN, when first seen) of positions the replica had not replayed yet.
        self._ahead: deque[tuple[int, float]] = deque(maxlen=4096)
        self._task: asyncio.Task[None] | None = None
        self._connections: dict[str, psycopg.AsyncConnection[tuple[object, ...]]] = {}

    # The monitor.

    async def start(self) -> None:
        """Check once now (the first requests must not all fall back), then every interval."""
        await self.check()
        self._task = asyncio.create_task(self._watch(), name="chainstore-replica-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for conn in self._connections.values():
            with contextlib.suppress(Exception):
                await conn.close()
        self._connections.clear()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            await self.check()

    async def _position(self, conninfo: str, query: str) -> int:
        """One WAL position, on the monitor's own connection to that server, kept between
        checks. A kept connection that fails (the server restarted since) is replaced and
        asked once more, so a restart costs no check; a fresh one that fails is the answer."""
        kept = self._connections.pop(conninfo, None)
        if kept is not None and not kept.closed:
            try:
                position = await self._ask(kept, query)
            except psycopg.Error:
                with contextlib.suppress(Exception):
                    await kept.close()
            except BaseException:  # cancelled by the check's timeout: not kept either
                with contextlib.suppress(Exception):
                    await kept.close()
                raise
            else:
                self._connections[conninfo] = kept
                return position
        conn = await psycopg.AsyncConnection.connect(
            conninfo,
            autocommit=True,
            connect_timeout=_CHECK_TIMEOUT_SECONDS,
            application_name="chainstore-replica-check",
        )
        try:
            position = await self._ask(conn, query)
        except BaseException:
            with contextlib.suppress(Exception):
                await conn.close()
            raise
        self._connections[conninfo] = conn
        return position

    @staticmethod
    async def _ask(conn: psycopg.AsyncConnection[tuple[object, ...]], query: str) -> int:
        cursor = await conn.execute(query)
        row = await cursor.fetchone()
        if row is None or row[0] is None:
            raise psycopg.OperationalError("no WAL position")
        return parse_lsn(str(row[0]))

    async def check(self) -> None:
        """Read both positions; update the state and the gauges."""
        try:
            primary = await asyncio.wait_for(
                self._position(self._primary_conninfo, "SELECT pg_current_wal_lsn()::text"),
                _CHECK_TIMEOUT_SECONDS + 1,
            )
        except (psycopg.Error, OSError, TimeoutError):
            return  # the primary's trouble is not the replica's; the next check tells
        now = time.monotonic()
        try:
            replay = await asyncio.wait_for(
                self._position(self._replica_conninfo, _REPLICA_POSITION),
                _CHECK_TIMEOUT_SECONDS + 1,
            )
        except (psycopg.Error, OSError, TimeoutError) as exc:
            self._set_down(type(exc).__name__)
            return
        self._observe(primary, replay, now)

    def _observe(self, primary: int, replay: int, now: float) -> None:
        if not self._ahead or self._ahead[-1][0] < primary:
            self._ahead.append((primary, now))
        while self._ahead and self._ahead[0][0] <= replay:
            self._ahead.popleft()
        state = self.state
        state.replay_lsn = max(state.replay_lsn, replay) if state.up else replay
        state.lag_bytes = max(0, primary - replay)
        state.lag_seconds = now - self._ahead[0][1] if self._ahead else 0.0
        state.up = True
        problem = "lagging" if state.lag_seconds > self.max_lag_seconds else None
        self._change(problem, f"{state.lag_seconds:.1f} s behind")
        metrics.REPLICA_UP.set(1)
        metrics.REPLICA_LAG_SECONDS.set(state.lag_seconds)
        metrics.REPLICA_LAG_BYTES.set(state.lag_bytes)

    def _set_down(self, why: str) -> None:
        self.state.up = False
        metrics.REPLICA_UP.set(0)
        self._change("down", why)

    def _change(self, problem: str | None, detail: str) -> None:
        """Log a change of the replica's fitness once (not every check, not every request)."""
        before, self.state.problem = self.state.problem, problem
        if problem == before:
            return
        if problem is None:
            log.info("read replica in use (%s)", detail)
        else:
            log.warning("read replica %s (%s): lag-tolerant reads use the primary", problem, detail)

    # Requests.

    def reason_to_skip(self, last_write_lsn: int | None) -> str | None:
        """Why a lag-tolerant read by a token whose last write is at `last_write_lsn` (None:
        no write noted) must use the primary now, or None."""
        if self.state.problem is not None:
            return self.state.problem
        if last_write_lsn is not None and last_write_lsn > self.state.replay_lsn:
            return "own_write"
        return None

    def failed(self, exc: BaseException) -> None:
        """A connection to the replica failed during a request: down until a check answers."""
        self._set_down(type(exc).__name__)


# One statement, after the commit, in a transaction of its own (autocommit).
_NOTE_WRITE = text(
    "UPDATE auth_token SET last_write_lsn = pg_current_wal_lsn() - '0/0'::pg_lsn WHERE id = :id"
)


async def note_write(engine: AsyncEngine, token_id: int) -> None:
    """After a commit that wrote: the primary's position on the token's row, for its next
    reads in any worker process."""
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(_NOTE_WRITE, {"id": token_id})


class WriteTrackingSession(Session):
    """The primary's sessions when a replica is configured: `info["committed_write"]` says a
    committed transaction wrote (an ORM flush or an INSERT, UPDATE or DELETE through the
    session), so only those requests pay for noting the primary's WAL position."""


_DML = re.compile(r"^\s*(WITH\b.*\b)?(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE | re.DOTALL)


@event.listens_for(WriteTrackingSession, "after_flush")
def _flushed(session: Session, flush_context: object) -> None:
    session.info["wrote"] = True


@event.listens_for(WriteTrackingSession, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    statement = state.statement
    dml = state.is_insert or state.is_update or state.is_delete
    if dml or (isinstance(statement, TextClause) and _DML.match(statement.text)):
        state.session.info["wrote"] = True


@event.listens_for(WriteTrackingSession, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop("wrote", False):
        session.info["committed_write"] = True


@event.listens_for(WriteTrackingSession, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop("wrote", None)
