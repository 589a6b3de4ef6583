"""complaintEvents over real sockets: each event authorised for each subscriber, and the
subscriber's own filter (store, region, assigned to me)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.complaints.helpers import START, add_staff, code_of, filed, move
from tests.realtime.wsclient import GqlSocket, LiveServer, live_server

EVENTS = """subscription($filter: ComplaintEventFilter, $after: ID) {
  complaintEvents(filter: $filter, lastEventId: $after) {
    id kind occurredAt complaint { id status store { code } assignee { username } } } }"""


def refusal(message: dict[str, Any]) -> str | None:
    """The error code of a refused subscription (a `next` with errors, or an `error`)."""
    payload = message["payload"]
    return code_of({"errors": payload} if isinstance(payload, list) else payload)


@pytest.fixture
async def live(org_db: str) -> AsyncIterator[LiveServer]:
    async with live_server(org_db, ws_auth_recheck_seconds=0.3) as server:
        yield server


async def test_a_handler_gets_its_regions_events_and_never_anothers(live: LiveServer) -> None:
    api = live.api
    await add_staff(api, "handler.west", "COMPLAINT_HANDLER", "WEST")
    east, west = await api.token_for("handler.east"), await api.token_for("handler.west")
    async with (
        GqlSocket.opened(live.port, east) as east_sock,
        GqlSocket.opened(live.port, west) as west_sock,
        GqlSocket.opened(live.port, await api.token_for("ops")) as hq,
    ):
        await east_sock.subscribe(EVENTS)
        await west_sock.subscribe(EVENTS)
        await hq.subscribe(EVENTS, {"filter": {"storeCode": "W1"}})
        await live.until_feeds(3)
        w = await filed(api, "clerk.w1", storeCode="W1")
        e = await filed(api)
        got = [(await east_sock.next_data())["complaintEvents"] for _ in range(2)]
        assert [(x["kind"], x["complaint"]["id"]) for x in got] == [
            ("COMPLAINT_FILED", e["id"]),
            ("COMPLAINT_ASSIGNED", e["id"]),
        ]
        assert got[1]["complaint"]["store"] == {"code": "E1"}
        assert got[1]["complaint"]["assignee"] == {"username": "handler.east"}
        west_got = [(await west_sock.next_data())["complaintEvents"] for _ in range(2)]
        assert {x["complaint"]["id"] for x in west_got} == {w["id"]}
        hq_got = [(await hq.next_data())["complaintEvents"] for _ in range(2)]
        assert {x["complaint"]["store"]["code"] for x in hq_got} == {"W1"}
        assert await east_sock.nothing_within(0.3)
        assert await west_sock.nothing_within(0.1)
        assert await hq.nothing_within(0.1)


async def test_assigned_to_me_and_resuming_from_an_event(live: LiveServer) -> None:
    api = live.api
    await add_staff(api, "handler.east2", "COMPLAINT_HANDLER", "EAST")
    mine = await filed(api)  # to handler.east
    await filed(api)  # to handler.east2
    token = await api.token_for("handler.east")
    async with GqlSocket.opened(live.port, token) as sock:
        await sock.subscribe(EVENTS, {"filter": {"assignedToMe": True}, "after": "0"})
        got = (await sock.next_data())["complaintEvents"]
        # Catch-up: only the assignment to me (the filing event had no assignee yet).
        assert (got["kind"], got["complaint"]["id"]) == ("COMPLAINT_ASSIGNED", mine["id"])
        assert await sock.nothing_within(0.3)
        assert "errors" not in await move(api, START, "handler.east", mine["id"])
        got = (await sock.next_data())["complaintEvents"]
        assert (got["kind"], got["complaint"]["status"]) == (
            "COMPLAINT_STATUS_CHANGED",
            "IN_PROGRESS",
        )


async def test_a_clerk_or_an_outside_region_is_refused(live: LiveServer) -> None:
    api = live.api
    async with GqlSocket.opened(live.port, await api.token_for("clerk.e1")) as sock:
        await sock.subscribe(EVENTS)
        assert refusal(await sock.receive()) == "FORBIDDEN"
    async with GqlSocket.opened(live.port, await api.token_for("handler.east")) as sock:
        await sock.subscribe(EVENTS, {"filter": {"regionCode": "WEST"}})
        assert refusal(await sock.receive()) == "FORBIDDEN"
