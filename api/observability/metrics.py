"""Prometheus metrics, prefix `chainstore_` (prometheus-client).

Under `chainstore serve` the workers write their samples to files in PROMETHEUS_MULTIPROC_DIR
(set, emptied and removed by `serve`, before any worker imports prometheus_client), and the
`serve` process itself answers the scrape on CHAINSTORE_METRICS_PORT, summing every worker's
files. The port is separate from the API's, and bound to CHAINSTORE_METRICS_HOST (127.0.0.1 by
default): the metrics are never on the public listener. Without the variable (tests, one
process) the samples live in the process's default registry.

Labels stay few and server-made: `operation` is a trusted document's name (`client/Name`),
`adhoc` for any free-form document (never the document or its client-chosen name), `none`
when no document was read, `photos.get`/`photos.post`, and `other` for any other path; `code`
is `OK` or the first error's `extensions.code` (`HTTP_<status>` when no GraphQL answer).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import psycopg
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("chainstore.metrics")

ADHOC = "adhoc"
NO_DOCUMENT = "none"
OTHER_PATH = "other"  # a path that is neither /graphql nor /photos (a 404, mostly)

REQUESTS = Counter(
    "chainstore_requests",
    "GraphQL and photo requests answered, by operation and outcome code.",
    ["operation", "code"],
)
REQUEST_SECONDS = Histogram(
    "chainstore_request_duration_seconds",
    "Time from the request's first byte read to its last byte sent, by operation.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SQL_STATEMENTS = Histogram(
    "chainstore_sql_statements_per_request",
    "SQL statements one request ran, by operation.",
    ["operation"],
    buckets=(0, 1, 2, 4, 8, 16, 32, 64, 128, 256),
)
POOL_IN_USE = Gauge(
    "chainstore_db_pool_connections_in_use",
    "Database connections checked out of the pools (all workers).",
    multiprocess_mode="livesum",
)
POOL_CAPACITY = Gauge(
    "chainstore_db_pool_connections_max",
    "Pool size plus overflow, summed over the live workers.",
    multiprocess_mode="livesum",
)
SUBSCRIPTIONS_OPEN = Gauge(
    "chainstore_subscriptions_open",
    "Operations running on WebSockets (subscriptions, mostly), all workers.",
    multiprocess_mode="livesum",
)
EVENTS_DELIVERED = Counter(
    "chainstore_events_delivered",
    "Events handed to a live subscription.",
)
FEED_OVERFLOWS = Counter(
    "chainstore_feed_overflows",
    "Subscriptions that fell too far behind (closed; the client resumes with lastEventId).",
)
# Live feed delivery behind the newest event, per worker process (api/observability/
# events_lag.py): `liveall` keeps each live worker's value under its own `pid` label.
EVENTS_LAGGING = Gauge(
    "chainstore_events_lagging",
    "Events committed that this process's event listener has not read yet.",
    multiprocess_mode="liveall",
)
EVENTS_LAG_SECONDS = Gauge(
    "chainstore_events_lag_seconds",
    "Age of the oldest event this process's event listener has not read yet.",
    multiprocess_mode="liveall",
)
EVENTS_QUEUED = Gauge(
    "chainstore_events_queued",
    "Events read and waiting in this process's subscription inboxes.",
    multiprocess_mode="liveall",
)
JOB_RUNS = Counter(
    "chainstore_worker_job_runs",
    "Scheduled job runs of `chainstore worker`, by job and outcome (ok, skipped, failed).",
    ["job", "outcome"],
)
JOB_SECONDS = Histogram(
    "chainstore_worker_job_duration_seconds",
    "Duration of scheduled job runs, by job.",
    ["job"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)

# The read replica (api/read_replica.py), as each worker's monitor last saw it: the worst
# worker's lag, the least healthy worker's view of "up".
REPLICA_UP = Gauge(
    "chainstore_replica_up",
    "1 when the read replica answered the last check (DATABASE_READ_URL set).",
    multiprocess_mode="livemin",
)
REPLICA_LAG_SECONDS = Gauge(
    "chainstore_replica_lag_seconds",
    "How long the read replica has been behind the primary (0 when caught up).",
    multiprocess_mode="livemax",
)
REPLICA_LAG_BYTES = Gauge(
    "chainstore_replica_lag_bytes",
    "WAL bytes the read replica has yet to replay.",
    multiprocess_mode="livemax",
)
REPLICA_READS = Counter(
    "chainstore_replica_reads",
    "Lag-tolerant reads the replica served.",
)
REPLICA_FALLBACKS = Counter(
    "chainstore_replica_fallbacks",
    "Lag-tolerant reads sent to the primary instead, by reason (down, lagging, own_write).",
    ["reason"],
)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def watch_engine(engine: AsyncEngine, capacity: int) -> None:
    """Pool gauges and the per-request statement count, from the engine's own events."""
    from api.observability.requests import count_statement

    pool = engine.sync_engine.pool
    POOL_CAPACITY.inc(capacity)
    event.listen(pool, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(pool, "checkin", lambda *_: POOL_IN_USE.dec())
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *_: count_statement())


def unwatch_engine(capacity: int) -> None:
    POOL_CAPACITY.dec(capacity)


_BACKLOG = """
    SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)
      FROM complaint_message WHERE delivered_at IS NULL
"""


class DatabaseUp(Collector):
    """At scrape time, from a short connection of its own: `chainstore_database_up` (1 when a
    query answers within two seconds) and, when it does, the customer-message outbox's backlog
    (`chainstore_outbox_backlog`, `chainstore_outbox_oldest_seconds`; the partial index on
    undelivered messages keeps this cheap)."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up, backlog = 0.0, None
        try:
            with psycopg.connect(self.conninfo, connect_timeout=2, autocommit=True) as conn:
                conn.execute("SET statement_timeout = 2000")
                conn.execute("SELECT 1")
                up = 1.0
                backlog = conn.execute(_BACKLOG).fetchone()
        except psycopg.Error:
            if not up:
                log.warning("metrics: the database did not answer")
        family = GaugeMetricFamily("chainstore_database_up", "1 when the database answers.")
        family.add_metric([], up)
        yield family
        if backlog is not None:
            waiting = GaugeMetricFamily(
                "chainstore_outbox_backlog", "Customer messages waiting for delivery."
            )
            waiting.add_metric([], float(backlog[0]))
            yield waiting
            oldest = GaugeMetricFamily(
                "chainstore_outbox_oldest_seconds", "Age of the oldest undelivered message."
            )
            oldest.add_metric([], float(backlog[1]))
            yield oldest

    def describe(self) -> Iterable[Any]:
        return []


def scrape_registry(conninfo: str | None) -> CollectorRegistry:
    """What the metrics port serves: every worker's samples (or this process's), plus the
    database probe."""
    registry = CollectorRegistry()
    directory = multiprocess_dir()
    if directory:
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    if conninfo:
        registry.register(DatabaseUp(conninfo))
    return registry


def serve_metrics(host: str, port: int, conninfo: str | None) -> threading.Thread:
    """Answer scrapes on host:port from a daemon thread of this process."""
    _, thread = start_http_server(port, addr=host, registry=scrape_registry(conninfo))
    from api.log_redaction import LogSafe

    log.info("metrics on http://%s/metrics", LogSafe(f"{host}:{port}"))
    return thread
