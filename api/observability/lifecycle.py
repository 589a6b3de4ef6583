"""What the app does at start and stop for metrics and the drain (kept out of api/app.py)."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.middleware import Middleware
from strawberry import Schema

from api.config import Settings
from api.context import Services
from api.observability import metrics
from api.observability.drain import Drain, DrainMiddleware
from api.observability.events_lag import EventsLag
from api.observability.requests import RequestMetricsMiddleware

__all__ = ["Drain", "middleware", "started", "stopping", "traced"]


def _capacity(services: Services) -> int:
    return services.settings.db_pool_size + services.settings.db_max_overflow


def traced(app: Starlette, schema: Schema, settings: Settings) -> None:
    if settings.tracing:
        from api.observability.tracing import enable_for_app

        enable_for_app(app, schema)


def started(services: Services, drain: Drain) -> EventsLag:
    """Metrics, traces and the drain for this worker; the feeds' lag measurement it starts is
    the caller's to stop."""
    metrics.watch_engine(services.engine, _capacity(services))
    if services.settings.tracing:
        from api.observability.tracing import enable_for_engine

        enable_for_engine(services.engine)

    async def close_sockets() -> None:
        if services.live is not None:
            await services.live.sockets.stop()

    drain.install(services.settings.drain_seconds, close_sockets)
    events_lag = EventsLag(services)
    events_lag.start()
    return events_lag


def stopping(services: Services) -> None:
    metrics.unwatch_engine(_capacity(services))
    directory = metrics.multiprocess_dir()
    if directory:  # this worker's live gauges leave the sums
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]


def middleware(drain: Drain) -> list[Middleware]:
    return [Middleware(DrainMiddleware, drain=drain), Middleware(RequestMetricsMiddleware)]
