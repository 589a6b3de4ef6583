"""Who may open a socket, and closing it when the token or account stops being good."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from api.realtime.connections import CloseCode
from tests.realtime.wsclient import STOCK_ALERTS, GqlSocket, LiveServer


@pytest.mark.parametrize(
    "payload",
    [None, {}, {"authorization": "Bearer nope"}, {"authorization": 42}, {"authorization": ""}],
)
async def test_a_bad_connection_init_is_closed_with_4403(live: LiveServer, payload: object) -> None:
    async with GqlSocket.opened(live.port, None) as sock:
        message: dict[str, object] = {"type": "connection_init"}
        if payload is not None:
            message["payload"] = payload
        await sock.send(message)
        assert (await sock.close_code())[0] == 4403


async def test_a_frozen_owners_or_expired_token_is_refused_at_init(live: LiveServer) -> None:
    api = live.api
    token = await api.token_for("clerk.e1")
    async with api.engine.begin() as conn:
        await conn.execute(text("UPDATE auth_token SET expires_at = now() - interval '1 second'"))
    async with GqlSocket.opened(live.port, None) as sock:
        await sock.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        )
        assert (await sock.close_code())[0] == 4403


async def test_subscribing_before_connection_init_is_closed_with_4401(live: LiveServer) -> None:
    async with GqlSocket.opened(live.port, None) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"})
        assert (await sock.close_code())[0] == 4401
    assert live.services.live is None or live.services.live.hub.feed_count == 0


async def test_the_legacy_subprotocol_is_refused(live: LiveServer) -> None:
    url = f"ws://127.0.0.1:{live.port}/graphql"
    async with connect(url, subprotocols=[Subprotocol("graphql-ws")]) as ws:
        with pytest.raises(ConnectionClosed) as refused:
            await ws.recv()
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 4406


async def test_freezing_closes_the_socket_and_ends_its_subscriptions(live: LiveServer) -> None:
    api = live.api
    clerk, manager = await api.token_for("clerk.e1"), await api.token_for("sm.e1")
    async with GqlSocket.opened(live.port, clerk) as sock, GqlSocket.opened(live.port, manager):
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"})
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"}, op_id="2")
        await live.until_feeds(2)
        frozen = await api.data(
            'mutation { freezeStaff(username: "clerk.e1") { staff { username } } }', token=manager
        )
        assert frozen["freezeStaff"]["staff"]["username"] == "clerk.e1"
        started = time.monotonic()
        code, reason = await sock.close_code(within=5)
        assert (code, reason) == (CloseCode.ACCOUNT_FROZEN, "account frozen")
        assert time.monotonic() - started < 3
        await live.until_feeds(0)  # both subscriptions ended with the socket
        assert live.services.live is not None and len(live.services.live.sockets) == 1


async def test_logging_out_closes_that_tokens_sockets_only(live: LiveServer) -> None:
    api = live.api
    first, second = await api.token_for("clerk.e1"), await api.token_for("clerk.e1")
    async with GqlSocket.opened(live.port, first) as a, GqlSocket.opened(live.port, second) as b:
        await api.data("mutation { logout { revoked } }", token=first)
        assert (await a.close_code())[0] == CloseCode.SIGNED_OUT
        assert await b.nothing_within(1.0)


async def test_a_socket_closes_when_its_token_expires(live: LiveServer) -> None:
    api = live.api
    token = await api.token_for("handler.east")
    async with api.engine.begin() as conn:
        await conn.execute(text("UPDATE auth_token SET expires_at = now() + interval '1 second'"))
    async with GqlSocket.opened(live.port, token) as sock:
        started = time.monotonic()
        code, reason = await sock.close_code(within=5)
        assert (code, reason) == (CloseCode.TOKEN_EXPIRED, "token expired: sign in again")
        assert time.monotonic() - started < 2.5


async def test_queries_run_over_the_socket(live: LiveServer) -> None:
    api = live.api
    async with GqlSocket.opened(live.port, await api.token_for("clerk.e1")) as sock:
        await sock.subscribe("{ me { username store { code region { code } } } }")
        data = await sock.next_data()
        assert data["me"] == {
            "username": "clerk.e1",
            "store": {"code": "E1", "region": {"code": "EAST"}},
        }
        assert (await sock.receive())["type"] == "complete"


async def test_a_syntax_error_is_answered_with_an_error_and_the_socket_lives_on(
    live: LiveServer,
) -> None:
    api = live.api
    async with GqlSocket.opened(live.port, await api.token_for("clerk.e1")) as sock:
        await sock.subscribe("subscription { stockAlerts(storeCode: ", op_id="broken")
        message = await sock.receive()
        assert message["type"] == "error" and message["id"] == "broken"
        [error] = message["payload"]
        assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        assert "Syntax Error" in error["message"]
        await sock.subscribe("{ me { username } }", op_id="after")
        assert (await sock.next_data())["me"] == {"username": "clerk.e1"}
