"""The process's one LISTEN connection and the feeds it fills.

Every process (each uvicorn worker) keeps ONE psycopg connection in autocommit mode that
LISTENs on EVENT_CHANNEL. A notification only wakes the hub: it then reads every row of
`event` past the last id it has seen, in id order, and hands each to the feeds that asked for
its kind (it also reads after a quiet spell, in case a notification was lost). Because
`emit()` makes event ids follow commit order (see api/domain/events.py), "past the last id
seen" never skips a row, and the same read after a reconnect recovers whatever was announced
while the connection was down.

A feed is bounded: a subscriber that stops reading is not allowed to grow memory. Once its
backlog passes `feed_limit` the feed drops everything and reports the overflow; the stream
then closes that socket with CloseCode.TOO_SLOW and the client resumes with lastEventId.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

import psycopg

from api.domain.events import EVENT_CHANNEL, EventKind
from api.observability import metrics
from api.realtime.records import EVENT_COLUMNS, EventRecord

log = logging.getLogger("chainstore.realtime")

READ_BATCH = 500
IDLE_READ_SECONDS = 30.0
_READ_NEW = f"SELECT {EVENT_COLUMNS} FROM event WHERE id > %s ORDER BY id LIMIT {READ_BATCH}"  # noqa: S608


class FeedOverflow(Exception):
    """The subscriber fell more than the feed's limit behind; its backlog was dropped."""


class HubStopped(Exception):
    """The process is shutting down; no more events will come."""


class Feed:
    """One subscription's inbox: the events of its kinds, in id order, at most `limit`."""

    def __init__(self, kinds: frozenset[EventKind], limit: int, start_id: int) -> None:
        self.kinds = kinds
        self.start_id = start_id  # the hub had read up to here when the feed was attached
        self._limit = limit
        self._items: deque[EventRecord] = deque()
        self._wake = asyncio.Event()
        self.overflowed = False
        self.stopped = False

    def push(self, record: EventRecord) -> None:
        if self.overflowed:
            return
        if len(self._items) >= self._limit:
            self.overflowed = True
            self._items.clear()
        else:
            self._items.append(record)
        self._wake.set()

    def stop(self) -> None:
        self.stopped = True
        self._wake.set()

    async def next(self) -> EventRecord:
        while True:
            if self.overflowed:
                metrics.FEED_OVERFLOWS.inc()
                raise FeedOverflow
            if self._items:
                metrics.EVENTS_DELIVERED.inc()
                return self._items.popleft()
            if self.stopped:
                raise HubStopped
            self._wake.clear()
            await self._wake.wait()


class EventHub:
    def __init__(self, conninfo: str, *, feed_limit: int = 1000) -> None:
        self._conninfo = conninfo
        self.feed_limit = feed_limit  # per feed; applies to feeds attached afterwards
        self._feeds: set[Feed] = set()
        self._last_id: int | None = None
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def last_id(self) -> int | None:
        return self._last_id

    @property
    def feed_count(self) -> int:
        return len(self._feeds)

    async def start(self) -> None:
        """Start listening (once per process) and wait until the hub knows where it stands:
        a feed attached after this misses nothing committed after its catch-up read."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="chainstore-event-hub")
        async with asyncio.timeout(10):
            await self._listening.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for feed in self._feeds:
            feed.stop()
        self._feeds.clear()

    def attach(self, kinds: frozenset[EventKind]) -> Feed:
        assert self._last_id is not None, "start() the hub before attaching feeds"
        feed = Feed(kinds, self.feed_limit, self._last_id)
        self._feeds.add(feed)
        return feed

    def detach(self, feed: Feed) -> None:
        self._feeds.discard(feed)

    async def _run(self) -> None:
        delay = 0.2
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True, application_name="chainstore-listen"
                )
                async with conn:
                    await conn.execute(f"LISTEN {EVENT_CHANNEL}")
                    if self._last_id is None:
                        cursor = await conn.execute("SELECT coalesce(max(id), 0) FROM event")
                        row = await cursor.fetchone()
                        self._last_id = int(row[0]) if row else 0
                    else:
                        await self._read_new(conn)  # whatever came while we were away
                    self._listening.set()
                    delay = 0.2
                    while True:
                        # One notification at a time: the connection cannot run the read
                        # while notifies() holds it. Silence for IDLE_READ_SECONDS reads
                        # anyway, which also proves the connection is still alive.
                        announced: int | None = None
                        async for notify in conn.notifies(timeout=IDLE_READ_SECONDS, stop_after=1):
                            announced = int(notify.payload) if notify.payload.isdigit() else 0
                        if announced is None or announced > self._last_id:
                            await self._read_new(conn)
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError):
                log.warning("event listener lost its connection; retrying in %.1fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
            except Exception:  # a bad row must not silence every feed of the process for good
                log.exception("event listener failed; restarting in %.1fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _read_new(self, conn: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
        assert self._last_id is not None
        while True:
            cursor = await conn.execute(_READ_NEW, (self._last_id,))
            rows = await cursor.fetchall()
            for row in rows:
                assert isinstance(row[0], int)
                self._last_id = row[0]
                try:
                    record = EventRecord.from_row(row)
                except ValueError:  # a kind added by a newer release, mid rolling deploy
                    log.warning("skipping event %s of unknown kind %.48s", row[0], row[1])
                    continue
                for feed in self._feeds:
                    if record.kind in feed.kinds:
                        feed.push(record)
            if len(rows) < READ_BATCH:
                return
