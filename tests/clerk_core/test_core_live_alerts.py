"""The app's live stock alerts against the API on a real port: events as they happen, and
after a dropped connection the missed ones, once each, through `lastEventId`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from api.domain import events
from clerk_app.core import ClerkCore
from clerk_app.core.live import FeedEnded
from tests.org_fixture import PASSWORD
from tests.realtime.conftest import emit_stock_event
from tests.realtime.wsclient import LiveServer, live_server


@pytest.fixture
async def live(org_db: str):
    async with live_server(org_db, ws_auth_recheck_seconds=0.3) as server:
        yield server


async def until(condition: Any, within: float = 10.0) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_alerts_arrive_live_and_resume_after_a_drop(tmp_path: Path, live: LiveServer) -> None:
    clerk = ClerkCore(f"http://127.0.0.1:{live.port}", tmp_path / "phone")
    await clerk.sign_in("clerk.e1", PASSWORD)
    seen: list[dict[str, Any]] = []
    feed = clerk.alert_feed(seen.append)
    task = asyncio.create_task(feed.run())
    try:
        await asyncio.wait_for(feed.connected.wait(), 10)
        await live.until_feeds(1)
        first = await emit_stock_event(live.api, "E1")
        await emit_stock_event(live.api, "W1")  # another store's: not this clerk's feed
        await until(lambda: len(seen) == 1)
        assert seen[0]["id"] == str(first) and seen[0]["store"]["code"] == "E1"
        # The phone loses the network: the feed is gone while two more alerts happen.
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await live.until_feeds(0)
        missed = [
            await emit_stock_event(live.api, "E1", kind=events.LowStockCleared),
            await emit_stock_event(live.api, "E1", sku="SKU-CORE-2"),
        ]
        again = clerk.alert_feed(seen.append, last_event_id=feed.last_event_id)
        task = asyncio.create_task(again.run())
        await until(lambda: len(seen) == 3)
        assert [e["id"] for e in seen] == [str(first), *map(str, missed)]
        live_one = await emit_stock_event(live.api, "E1")
        await until(lambda: len(seen) == 4)
        assert seen[-1]["id"] == str(live_one)
        await asyncio.sleep(0.2)
        assert len(seen) == 4  # nothing twice
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await clerk.close()


async def test_a_refused_token_ends_the_feed(tmp_path: Path, live: LiveServer) -> None:
    clerk = ClerkCore(f"http://127.0.0.1:{live.port}", tmp_path / "phone")
    await clerk.sign_in("clerk.e1", PASSWORD)
    clerk.api.token = "not-a-token"
    with pytest.raises(FeedEnded):
        await asyncio.wait_for(clerk.alert_feed(lambda _e: None).run(), 10)
    await clerk.close()


async def test_help_answers_arrive_live_and_resume_after_a_drop(
    tmp_path: Path, live: LiveServer
) -> None:
    from tests.help.helpers import answered, asked

    clerk = ClerkCore(f"http://127.0.0.1:{live.port}", tmp_path / "phone")
    await clerk.sign_in("clerk.e1", PASSWORD)
    seen: list[dict[str, Any]] = []
    feed = clerk.help_feed(seen.append)
    task = asyncio.create_task(feed.run())
    try:
        await asyncio.wait_for(feed.connected.wait(), 10)
        await live.until_feeds(1)
        first = await asked(live.api, note="收银机卡住了")
        await answered(live.api, first["id"], answer="重启收银机即可")
        await until(lambda: len(seen) == 1)
        assert seen[0]["helpRequest"]["answer"] == "重启收银机即可"
        assert seen[0]["helpRequest"]["status"] == "ANSWERED"
        # Offline while HQ answers another: it comes on reconnect, once.
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await live.until_feeds(0)
        second = await asked(live.api, note="冷柜不制冷")
        await answered(live.api, second["id"], answer="已派维修")
        again = clerk.help_feed(seen.append, last_event_id=feed.last_event_id)
        task = asyncio.create_task(again.run())
        await until(lambda: len(seen) == 2)
        assert seen[1]["helpRequest"]["answer"] == "已派维修"
        await asyncio.sleep(0.2)
        assert len(seen) == 2
        # The alerts list carries the answers too.
        listed = await clerk.store_alerts()
        assert {a["helpRequest"]["answer"] for a in listed} == {"重启收银机即可", "已派维修"}
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await clerk.close()
