"""`chainstore_events_lagging`: events the process's listener has not read, then events read
but waiting in a subscription's inbox, measured against the real hub on a real database.
Events are inserted without their notification, so the hub stays behind until told."""

from __future__ import annotations

import asyncio
from pathlib import Path

from prometheus_client import REGISTRY
from sqlalchemy import text

from api.app import create_app
from api.domain.event_writing import EVENT_CHANNEL
from api.domain.events import EventKind
from api.observability.events_lag import EventsLag
from api.realtime.stream import live_feeds
from tests import conftest


def sample(name: str) -> float | None:
    return REGISTRY.get_sample_value(name)


async def test_the_gauges_follow_the_hub_and_the_inboxes(org_db: str, tmp_path: Path) -> None:
    app = create_app(conftest.test_settings(org_db, data_dir=tmp_path))
    async with app.router.lifespan_context(app):
        services = app.state.services
        lag = EventsLag(services)
        assert await lag.measure() == (0, 0.0, 0)  # no subscription yet: nothing to deliver
        live = live_feeds(services)
        await live.hub.start()
        feed = live.hub.attach(frozenset({EventKind.COMPLAINT_FILED}))
        try:
            async with services.engine.begin() as conn:
                for _ in range(3):
                    newest = await conn.scalar(
                        text(
                            "INSERT INTO event (kind, payload, occurred_at)"
                            " VALUES ('COMPLAINT_FILED', '{}', now() - interval '2 seconds')"
                            " RETURNING id"
                        )
                    )
            behind, age, queued = await lag.measure()
            assert (behind, queued) == (3, 0) and age >= 2
            assert sample("chainstore_events_lagging") == 3
            assert sample("chainstore_events_lag_seconds") == age

            async with services.engine.begin() as conn:  # the announcement the hub waits for
                await conn.execute(
                    text("SELECT pg_notify(:channel, :id)"),
                    {"channel": EVENT_CHANNEL, "id": str(newest)},
                )
            for _ in range(200):
                if live.hub.last_id == newest:
                    break
                await asyncio.sleep(0.02)
            assert await lag.measure() == (0, 0.0, 3)  # read, not yet taken by the subscriber
            assert sample("chainstore_events_queued") == 3
            for _ in range(3):
                await feed.next()
            assert await lag.measure() == (0, 0.0, 0)
            assert sample("chainstore_events_lagging") == 0
        finally:
            live.hub.detach(feed)
