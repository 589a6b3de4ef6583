"""Event ids follow commit order, and the hub recovers from a lost LISTEN connection."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events
from api.realtime.hub import Feed, FeedOverflow
from api.realtime.records import EventRecord
from db.engine import create_engine, create_session_factory
from tests.realtime.conftest import emit_stock_event
from tests.realtime.wsclient import STOCK_ALERTS, GqlSocket, LiveServer


async def _emit(session: AsyncSession, label: str) -> None:
    """An event told apart from the others by `label` (in its payload's storeCode)."""
    payload = events.MarkdownAcknowledged(markdown_id=0, store_code=label)
    await events.emit(session, payload, store_id=None, region_id=None)


async def _ids_by_kind(engine: Any) -> dict[str, int]:
    async with engine.connect() as reader:
        rows = await reader.execute(text("SELECT payload->>'storeCode', id FROM event"))
        return {label: event_id for label, event_id in rows}


async def test_event_ids_follow_commit_order_not_insert_order(org_db: str) -> None:
    engine = create_engine(org_db, pool_size=3, max_overflow=0)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as first, sessions() as second:
            await _emit(first, "INSERTED_FIRST")
            await _emit(second, "INSERTED_SECOND")
            # Neither waits for the other while working: only commits are ordered.
            await asyncio.wait_for(second.commit(), 2)
            async with engine.connect() as reader:
                seen = (await reader.execute(text("SELECT max(id) FROM event"))).scalar()
            await first.commit()
        assert seen is not None
        ids = await _ids_by_kind(engine)
        # A reader that saw the second commit resumes after its id and still gets the first.
        assert ids["INSERTED_SECOND"] == seen < ids["INSERTED_FIRST"]
    finally:
        await engine.dispose()


async def test_rolled_back_events_are_never_numbered_or_announced(org_db: str) -> None:
    engine = create_engine(org_db, pool_size=3, max_overflow=0)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as first:
            await _emit(first, "ROLLED_BACK")
            await first.rollback()
            await _emit(first, "AFTER_ROLLBACK")  # a new transaction on the same session
            await first.commit()
        async with sessions() as second, second.begin():
            await _emit(second, "KEPT")
            savepoint = await second.begin_nested()
            await _emit(second, "IN_ROLLED_BACK_SAVEPOINT")
            await savepoint.rollback()
        async with engine.connect() as reader:
            labels = await reader.execute(
                text("SELECT payload->>'storeCode' FROM event ORDER BY id")
            )
            assert list(labels.scalars()) == ["AFTER_ROLLBACK", "KEPT"]
    finally:
        await engine.dispose()


async def test_the_hub_catches_up_after_losing_its_listen_connection(live: LiveServer) -> None:
    api = live.api
    async with GqlSocket.opened(live.port, await api.token_for("clerk.e1")) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"})
        await live.until_feeds(1)
        async with api.engine.begin() as conn:
            killed = await conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = 'chainstore-listen'"
                    " AND datname = current_database()"
                )
            )
        assert killed == 1
        during = await emit_stock_event(api, "E1")  # announced while nobody listens
        after = await emit_stock_event(api, "E1")
        ids = [(await sock.next_data(within=10))["stockAlerts"]["id"] for _ in range(2)]
        assert ids == [str(during), str(after)]


async def test_the_hub_skips_an_event_of_a_kind_it_does_not_know(live: LiveServer) -> None:
    """A newer release, mid rolling deploy, may write a kind this one lacks: the hub passes
    over it and keeps delivering, instead of failing on it again and again."""
    api = live.api
    async with GqlSocket.opened(live.port, await api.token_for("clerk.e1")) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"})
        await live.until_feeds(1)
        async with api.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO event (kind, store_id, region_id, payload)"
                    " SELECT 'FROM_A_NEWER_RELEASE', id, region_id, '{}' FROM store"
                    " WHERE code = 'E1'"
                )
            )
        after = await emit_stock_event(api, "E1")
        assert (await sock.next_data(within=10))["stockAlerts"]["id"] == str(after)


async def test_a_feed_that_falls_too_far_behind_overflows_instead_of_growing() -> None:
    kind = events.EventKind.LOW_STOCK_RAISED
    feed = Feed(frozenset({kind}), limit=3, start_id=0)
    for i in range(1, 5):
        feed.push(EventRecord(i, kind, None, None, {}, None))  # type: ignore[arg-type]
    with pytest.raises(FeedOverflow):
        await feed.next()
