"""How far this process's live feeds are behind the newest event (`chainstore_events_lagging`).

Each worker process has one event hub (api/realtime/hub.py) that reads new `event` rows after
a notification and hands them to its subscriptions' inboxes. Delivery is behind in two
places, measured here every MEASURE_SECONDS from the worker itself (the hub lives there, not
in the `serve` process that answers the scrape):

- `chainstore_events_lagging`: events committed past the last one the hub has read (a lost
  notification, a listener reconnecting, a hub too slow for the event rate), and
  `chainstore_events_lag_seconds`, the age of the oldest of them;
- `chainstore_events_queued`: events read and waiting in this process's subscription inboxes
  (a slow client; past 1000 its socket is closed and it resumes with lastEventId).

All three are 0 in a process with no subscription yet (no hub, nothing to deliver). The count
is capped at LAG_CAP, so a hub far behind costs one bounded index range read. The reading uses
its own connection, outside the request pool and its statement counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import psycopg

from api.observability import metrics
from db.embedded import to_libpq_uri

if TYPE_CHECKING:
    from api.context import Services

log = logging.getLogger("chainstore.metrics")

MEASURE_SECONDS = 5.0
LAG_CAP = 100_000
_BEHIND = f"""
    SELECT count(*), coalesce(extract(epoch FROM now() - min(occurred_at)), 0)
      FROM (SELECT occurred_at FROM event WHERE id > %s ORDER BY id LIMIT {LAG_CAP}) AS behind
"""  # noqa: S608 (a constant)


class EventsLag:
    """The process's measurement of its feeds' delivery lag."""

    def __init__(self, services: Services, interval: float = MEASURE_SECONDS) -> None:
        self.services = services
        self.interval = interval
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="chainstore-events-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                await self._conn.close()
            self._conn = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.measure()
            except (psycopg.Error, OSError):
                self._conn = None  # reconnect next time; the gauges keep their last values
                log.warning("metrics: could not measure the event feeds' lag")

    async def measure(self) -> tuple[int, float, int]:
        """Set the gauges; (events the hub has not read, the oldest's age, events queued)."""
        live = self.services.live
        read_up_to = live.hub.last_id if live is not None else None
        behind, age, queued = 0, 0.0, 0
        if live is not None and read_up_to is not None:
            # Read only: the hub's inboxes, the events still waiting in each.
            queued = sum(len(feed._items) for feed in list(live.hub._feeds))
            if self._conn is None or self._conn.closed:
                self._conn = await psycopg.AsyncConnection.connect(
                    to_libpq_uri(str(self.services.engine.url.render_as_string(False))),
                    autocommit=True,
                    connect_timeout=2,
                    application_name="chainstore-events-lag",
                )
            cursor = await self._conn.execute(_BEHIND, (read_up_to,))
            row = await cursor.fetchone()
            if row is not None:
                behind, age = int(str(row[0])), float(str(row[1]))
        metrics.EVENTS_LAGGING.set(behind)
        metrics.EVENTS_LAG_SECONDS.set(age)
        metrics.EVENTS_QUEUED.set(queued)
        return behind, age, queued
