"""Live feeds through the clients complaint handlers would pick: Python `gql` and the reference
npm `graphql-ws` (tests/clients/complaint_events.mjs). Each gets the complaints filed over HTTP
in its scope, nothing outside it, and a refusal that says why."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from gql import Client, gql
from gql.transport.exceptions import TransportConnectionFailed
from gql.transport.websockets import WebsocketsTransport
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.complaints.helpers import add_staff, filed, sql
from tests.node_clients import json_lines, node_or_skip, run_node
from tests.realtime.wsclient import LiveServer

EVENTS = """subscription {
  complaintEvents { id kind complaint { id status store { code } assignee { username } } }
}"""


def transport(live: LiveServer, init_payload: dict[str, Any]) -> WebsocketsTransport:
    return WebsocketsTransport(
        url=f"ws://127.0.0.1:{live.port}/graphql",
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        init_payload=init_payload,
    )


@contextlib.asynccontextmanager
async def gql_feed(
    live: LiveServer, init_payload: dict[str, Any]
) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """complaintEvents through gql, its results arriving in a queue while the block runs."""
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    async with Client(transport=transport(live, init_payload)) as session:

        async def listen() -> None:
            async for result in session.subscribe(gql(EVENTS)):
                await received.put(result["complaintEvents"])

        task = asyncio.create_task(listen())
        try:
            await live.until_feeds(1)
            yield received
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def close_of(error: BaseException) -> tuple[int, str]:
    """The close code and reason behind a gql transport error."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, ConnectionClosed):
        cause = cause.__cause__ or cause.__context__
    assert cause is not None and cause.rcvd is not None, repr(error)
    return cause.rcvd.code, cause.rcvd.reason


async def test_gql_receives_the_complaints_of_its_scope_only(live: LiveServer) -> None:
    api = live.api
    token = await api.token_for("handler.east")
    authorization = {"Authorization": f"Bearer {token}"}  # the key matches in any case
    async with gql_feed(live, authorization) as received:
        await filed(api, "clerk.w1", storeCode="W1")  # WEST: not this handler's region
        mine = await filed(api)  # E1, EAST
        got = [await asyncio.wait_for(received.get(), 5) for _ in range(2)]
        assert [(e["kind"], e["complaint"]["id"]) for e in got] == [
            ("COMPLAINT_FILED", mine["id"]),
            ("COMPLAINT_ASSIGNED", mine["id"]),
        ]
        assert got[1]["complaint"]["store"] == {"code": "E1"}
        assert got[1]["complaint"]["assignee"] == {"username": "handler.east"}
        await asyncio.sleep(0.3)
        assert received.empty()  # the WEST complaint's events never came


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({}, 'connection_init needs {"authorization": "Bearer <token>"}'),
        ({"token": "x"}, 'connection_init needs {"authorization": "Bearer <token>"}'),
        (
            {"authorization": "Basic abc"},
            'connection_init needs {"authorization": "Bearer <token>"}',
        ),
        ({"authorization": "Bearer cs_nope"}, "token unknown, revoked or expired: sign in again"),
    ],
)
async def test_gql_is_told_why_it_was_refused(
    live: LiveServer, payload: dict[str, Any], reason: str
) -> None:
    with pytest.raises(TransportConnectionFailed) as refused:
        async with Client(transport=transport(live, payload)):
            pass
    assert close_of(refused.value) == (4403, reason)


async def test_gql_is_told_a_frozen_account(live: LiveServer) -> None:
    token = await live.api.token_for("handler.east")
    await sql(live.api, "UPDATE staff SET status = 'FROZEN' WHERE username = 'handler.east'")
    with pytest.raises(TransportConnectionFailed) as refused:
        async with Client(transport=transport(live, {"authorization": f"Bearer {token}"})):
            pass
    assert close_of(refused.value) == (4403, "account frozen")


async def test_gql_with_the_legacy_subprotocol_fails_at_the_handshake(live: LiveServer) -> None:
    legacy = WebsocketsTransport(
        url=f"ws://127.0.0.1:{live.port}/graphql",
        subprotocols=[WebsocketsTransport.APOLLO_SUBPROTOCOL],
        init_payload={"authorization": f"Bearer {await live.api.token_for('handler.east')}"},
    )
    with pytest.raises(TransportConnectionFailed) as refused:
        async with Client(transport=legacy):
            pass
    status = refused.value.__cause__
    assert isinstance(status, InvalidStatus), repr(refused.value)
    assert status.response.status_code == 400
    assert b"graphql-transport-ws" in status.response.body


async def test_graphql_ws_receives_the_complaints_of_its_scope_only(live: LiveServer) -> None:
    node_or_skip()  # now, not inside the task below while this test waits for its feed
    api = live.api
    await add_staff(api, "handler.west", "COMPLAINT_HANDLER", "WEST")
    token = await api.token_for("handler.west")
    url = f"ws://127.0.0.1:{live.port}/graphql"
    client = asyncio.create_task(run_node("complaint_events.mjs", url, token, "2", "400"))
    await live.until_feeds(1)
    await filed(api)  # E1, EAST: not this handler's region
    mine = await filed(api, "clerk.w1", storeCode="W1")
    lines = json_lines(await client)
    assert lines[0] == {"connected": True}
    results = [line["next"] for line in lines if "next" in line]
    assert all("errors" not in r for r in results), results
    got = [r["data"]["complaintEvents"] for r in results]
    assert [(e["kind"], e["complaint"]["id"]) for e in got] == [
        ("COMPLAINT_FILED", mine["id"]),
        ("COMPLAINT_ASSIGNED", mine["id"]),
    ]
    assert got[1]["complaint"]["store"] == {"code": "W1"}
    assert got[1]["complaint"]["assignee"] == {"username": "handler.west"}
    assert not [line for line in lines if "error" in line], lines


async def test_graphql_ws_is_told_why_it_was_refused(live: LiveServer) -> None:
    url = f"ws://127.0.0.1:{live.port}/graphql"
    lines = json_lines(await run_node("complaint_events.mjs", url, "cs_nope", "1", "0"))
    refusal = {"code": 4403, "reason": "token unknown, revoked or expired: sign in again"}
    assert {"error": refusal} in lines, lines
    assert not [line for line in lines if "next" in line or "connected" in line], lines
