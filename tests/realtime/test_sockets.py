"""Who may open a socket, and closing it when the token or account stops being good."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from api.realtime.connections import CloseCode
from tests.realtime.wsclient import STOCK_ALERTS, GqlSocket, LiveServer

NEEDS = 'connection_init needs {"authorization": "Bearer <token>"}'
SIGN_IN_AGAIN = "token unknown, revoked or expired: sign in again"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (None, NEEDS),
        ({}, NEEDS),
        ({"authorization": "Bearer nope"}, SIGN_IN_AGAIN),
        ({"authorization": 42}, NEEDS),
        ({"authorization": ""}, NEEDS),
        ({"authorization": "Token abc"}, NEEDS),
        ({"headers": {"authorization": "Bearer x"}}, NEEDS),
    ],
)
async def test_a_bad_connection_init_is_closed_with_4403_and_why(
    live: LiveServer, payload: object, reason: str
) -> None:
    async with GqlSocket.opened(live.port, None) as sock:
        message: dict[str, object] = {"type": "connection_init"}
        if payload is not None:
            message["payload"] = payload
        await sock.send(message)
        assert await sock.close_code() == (4403, reason)


async def test_a_null_payload_is_no_payload(live: LiveServer) -> None:
    async with GqlSocket.opened(live.port, None) as sock:
        await sock.send({"type": "connection_init", "payload": None})
        assert await sock.close_code() == (4403, NEEDS)


async def test_the_authorization_key_matches_in_any_case(live: LiveServer) -> None:
    token = await live.api.token_for("clerk.e1")
    async with GqlSocket.opened(live.port, None) as sock:
        await sock.send(
            {"type": "connection_init", "payload": {"AUTHORIZATION": f"Bearer {token}"}}
        )
        assert (await sock.receive())["type"] == "connection_ack"


async def test_a_refusal_never_echoes_the_token_or_a_name(live: LiveServer) -> None:
    api = live.api
    token = await api.token_for("clerk.e1")
    await api.data("mutation { logout { revoked } }", token=token)
    async with GqlSocket.opened(live.port, None) as sock:
        await sock.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        )
        code, reason = await sock.close_code()
    assert (code, reason) == (4403, SIGN_IN_AGAIN)
    assert token not in reason and "clerk" not in reason
    for why in (NEEDS, SIGN_IN_AGAIN, "account frozen"):
        assert len(why.encode()) <= 123  # the most a close frame carries


async def test_a_frozen_owners_or_expired_token_is_refused_at_init(live: LiveServer) -> None:
    api = live.api
    frozen = await api.token_for("sm.e1")
    async with api.engine.begin() as conn:
        await conn.execute(text("UPDATE staff SET status = 'FROZEN' WHERE username = 'sm.e1'"))
    async with GqlSocket.opened(live.port, None) as sock:
        await sock.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {frozen}"}}
        )
        assert await sock.close_code() == (4403, "account frozen")
    token = await api.token_for("clerk.e1")
    async with api.engine.begin() as conn:
        await conn.execute(text("UPDATE auth_token SET expires_at = now() - interval '1 second'"))
    async with GqlSocket.opened(live.port, None) as sock:
        await sock.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        )
        assert await sock.close_code() == (4403, SIGN_IN_AGAIN)


async def test_subscribing_before_connection_init_is_closed_with_4401(live: LiveServer) -> None:
    async with GqlSocket.opened(live.port, None) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"})
        assert (await sock.close_code())[0] == 4401
    assert live.services.live is None or live.services.live.hub.feed_count == 0


@pytest.mark.parametrize("subprotocols", [["graphql-ws"], None, ["graphql-sse", "mqtt"]])
async def test_the_legacy_or_no_subprotocol_is_refused_at_the_handshake(
    live: LiveServer, subprotocols: list[str] | None
) -> None:
    url = f"ws://127.0.0.1:{live.port}/graphql"
    offered = None if subprotocols is None else [Subprotocol(p) for p in subprotocols]
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, subprotocols=offered):
            pass
    response = refused.value.response
    assert response.status_code == 400  # no 101: nothing was upgraded
    assert b"Sec-WebSocket-Protocol: graphql-transport-ws" in response.body


async def test_graphql_transport_ws_is_chosen_among_others(live: LiveServer) -> None:
    url = f"ws://127.0.0.1:{live.port}/graphql"
    offered = [Subprotocol("graphql-ws"), Subprotocol("graphql-transport-ws")]
    async with connect(url, subprotocols=offered) as ws:
        assert ws.subprotocol == "graphql-transport-ws"


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
