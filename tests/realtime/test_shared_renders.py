"""A live event is read and rendered once per process for subscribers who would get the same
answer, and for each subscriber otherwise (api/schema/shared_renders.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

from api.realtime.stream import live_feeds
from tests.complaints.helpers import filed
from tests.realtime.wsclient import GqlSocket, LiveServer

EVENTS = """subscription { complaintEvents {
  id kind complaint { id status store { code } assignee { username } } } }"""
# Handlers lack VIEW_STAFF: `staff` is null for them and listed in extensions.hiddenFields.
WITH_HIDDEN = """subscription { complaintEvents {
  id complaint { id store { code staff(first: 1) { edges { node { username } } } } } } }"""
# `member` counts toward each caller's look-up ceiling: never rendered for another caller.
WITH_MEMBER = """subscription { complaintEvents { id complaint { id member { tier } } } }"""


async def sockets(
    stack: AsyncExitStack, live: LiveServer, users: list[str]
) -> AsyncIterator[GqlSocket]:
    for user in users:
        yield await stack.enter_async_context(
            GqlSocket.opened(live.port, await live.api.token_for(user))
        )


async def payloads(sock: GqlSocket, count: int) -> list[dict[str, Any]]:
    got = []
    for _ in range(count):
        message = await sock.receive()
        assert message["type"] == "next", message
        got.append(message["payload"])
    return got


async def test_subscribers_alike_share_one_read_and_one_rendering(live: LiveServer) -> None:
    shared = live_feeds(live.services)
    async with AsyncExitStack() as stack:
        east = [s async for s in sockets(stack, live, ["handler.east"] * 4)]
        (hq,) = [s async for s in sockets(stack, live, ["ops"])]
        for sock in [*east, hq]:
            await sock.subscribe(EVENTS)
        await live.until_feeds(5)
        reads, renders = shared.reads.produced, shared.renders.produced
        complaint = await filed(live.api)
        got = [await payloads(sock, 2) for sock in east]
        assert all(g == got[0] for g in got)  # identical answers, byte for byte once encoded
        events = [p["data"]["complaintEvents"] for p in got[0]]
        assert [(e["kind"], e["complaint"]["id"]) for e in events] == [
            ("COMPLAINT_FILED", complaint["id"]),
            ("COMPLAINT_ASSIGNED", complaint["id"]),
        ]
        hq_got = await payloads(hq, 2)
        assert [p["data"] for p in hq_got] == [p["data"] for p in got[0]]
        # Two events, two kinds of subscriber (the region's handler, HQ): four of each.
        assert shared.reads.produced - reads == 4
        assert shared.renders.produced - renders == 4


async def test_hidden_fields_are_reported_to_every_subscriber_sharing_a_render(
    live: LiveServer,
) -> None:
    shared = live_feeds(live.services)
    async with AsyncExitStack() as stack:
        east = [s async for s in sockets(stack, live, ["handler.east"] * 3)]
        for sock in east:
            await sock.subscribe(WITH_HIDDEN)
        await live.until_feeds(3)
        renders = shared.renders.produced
        await filed(live.api)
        for sock in east:
            for payload in await payloads(sock, 2):
                store = payload["data"]["complaintEvents"]["complaint"]["store"]
                assert store["staff"] is None
                hidden = payload["extensions"]["hiddenFields"]
                assert [h["path"][-1] for h in hidden] == ["staff"], hidden
        assert shared.renders.produced - renders == 2


async def test_a_document_with_per_caller_effects_renders_for_each_subscriber(
    live: LiveServer,
) -> None:
    shared = live_feeds(live.services)
    async with AsyncExitStack() as stack:
        east = [s async for s in sockets(stack, live, ["handler.east"] * 3)]
        for sock in east:
            await sock.subscribe(WITH_MEMBER)
        await live.until_feeds(3)
        reads, renders = shared.reads.produced, shared.renders.produced
        await filed(live.api)
        for sock in east:
            assert len(await payloads(sock, 2)) == 2
        assert shared.reads.produced - reads == 2  # the complaint: still read once per event
        assert shared.renders.produced - renders == 0  # never through the shared renders
