"""helpAnswers over a real socket: a store's answers arrive live, only its own, with the same
ids as its alerts list, and a reconnect with lastEventId gets each missed answer once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.help.helpers import ALERTS, HELP_ANSWERS, answered, asked
from tests.realtime.wsclient import GqlSocket, LiveServer, live_server


@pytest.fixture
async def live(org_db: str) -> AsyncIterator[LiveServer]:
    async with live_server(org_db, ws_auth_recheck_seconds=0.3) as server:
        yield server


async def test_answers_reach_their_store_live_and_resume_after_a_reconnect(
    live: LiveServer,
) -> None:
    api = live.api
    mine = [await asked(api, "clerk.e1", "E1", f"问题{i}") for i in range(3)]
    other = await asked(api, "clerk.e2", "E2", "别的店")
    token = await api.token_for("clerk.e1")
    async with GqlSocket.opened(live.port, token) as sock:
        await sock.subscribe(HELP_ANSWERS, {"store": "E1"})
        await live.until_feeds(1)
        await answered(api, other["id"], answer="not for E1")
        await answered(api, mine[0]["id"], answer="第一个答复")
        got = (await sock.next_data())["helpAnswers"]
        assert got["helpRequest"]["id"] == mine[0]["id"]
        assert got["helpRequest"]["answer"] == "第一个答复"
        assert got["helpRequest"]["status"] == "ANSWERED"
        assert got["helpRequest"]["store"] == {"code": "E1"}
        assert got["helpRequest"]["answeredBy"] == {"username": "ops"}
        assert await sock.nothing_within(0.3)  # E2's answer went elsewhere
    # Away: two answers while no socket is open.
    await answered(api, mine[1]["id"], answer="第二个")
    await answered(api, mine[2]["id"], answer="第三个")
    async with GqlSocket.opened(live.port, token) as sock:
        await sock.subscribe(HELP_ANSWERS, {"store": "E1", "after": got["id"]})
        missed = [(await sock.next_data())["helpAnswers"] for _ in range(2)]
        assert [m["helpRequest"]["answer"] for m in missed] == ["第二个", "第三个"]
        assert await sock.nothing_within(0.3)
    alerts = await api.data(ALERTS, {"store": "E1"}, token=token)
    listed = [e["node"]["id"] for e in alerts["storeAlerts"]["edges"]]
    assert listed == [missed[1]["id"], missed[0]["id"], got["id"]]  # the same ids, newest first


async def test_a_store_outside_scope_is_refused(live: LiveServer) -> None:
    async with GqlSocket.opened(live.port, await live.api.token_for("clerk.e2")) as sock:
        await sock.subscribe(HELP_ANSWERS, {"store": "E1"})
        message = await sock.receive()
        assert message["type"] == "next", message
        assert message["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
