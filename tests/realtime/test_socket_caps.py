"""Caps on what one token holds open: sockets across worker processes, operations per socket,
and a socket that never sends connection_init."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import text

from tests.realtime.wsclient import STOCK_ALERTS, GqlSocket, live_server

TOO_MANY = "too many open sockets for this token: close one first"


async def _claims(engine: object, token_owner: str) -> int:
    async with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(
            await conn.scalar(
                text(
                    "SELECT count(*) FROM live_socket_claim c JOIN auth_token t ON t.id = "
                    "c.token_id JOIN staff s ON s.id = t.staff_id WHERE s.username = :u"
                ),
                {"u": token_owner},
            )
        )


async def test_a_token_holds_at_most_the_cap_of_sockets_across_processes(org_db: str) -> None:
    """Two app instances on one database stand for two worker processes: the cap counts the
    token's sockets in both, and a closed socket frees its place at once."""
    caps = {"ws_max_sockets_per_token": 2, "ws_auth_recheck_seconds": 0.2}
    async with live_server(org_db, **caps) as one, live_server(org_db, **caps) as two:
        token = await one.api.token_for("clerk.e1")
        other = await one.api.token_for("sm.e1")
        async with contextlib.AsyncExitStack() as held:
            await held.enter_async_context(GqlSocket.opened(one.port, token))
            second = await held.enter_async_context(GqlSocket.opened(two.port, token))
            async with GqlSocket.opened(one.port, None) as third:
                await third.send(
                    {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
                )
                assert await third.close_code() == (4429, TOO_MANY)
            # Another token is not affected by this one's sockets.
            async with GqlSocket.opened(two.port, other):
                pass
            assert await _claims(one.api.engine, "clerk.e1") == 2
            await second.ws.close()
            async with asyncio.timeout(5):
                while await _claims(one.api.engine, "clerk.e1") != 1:  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
            async with GqlSocket.opened(one.port, token) as again:
                await again.subscribe(STOCK_ALERTS, {"store": "E1"})
                assert await again.nothing_within(0.3)
        async with asyncio.timeout(5):
            while await _claims(one.api.engine, "clerk.e1") != 0:  # noqa: ASYNC110
                await asyncio.sleep(0.02)


async def test_a_dead_processs_claims_lapse_and_live_ones_are_kept_fresh(org_db: str) -> None:
    caps = {"ws_max_sockets_per_token": 1, "ws_auth_recheck_seconds": 0.2}
    async with live_server(org_db, **caps) as live:
        token = await live.api.token_for("clerk.e1")
        async with live.api.engine.begin() as conn:
            # A claim left by a process that died a minute ago: it must not count.
            await conn.execute(
                text(
                    "INSERT INTO live_socket_claim (token_id, opened_at, seen_at) "
                    "SELECT t.id, now() - interval '2 minutes', now() - interval '1 minute' "
                    "FROM auth_token t JOIN staff s ON s.id = t.staff_id "
                    "WHERE s.username = 'clerk.e1'"
                )
            )
        async with GqlSocket.opened(live.port, token):
            assert await _claims(live.api.engine, "clerk.e1") == 1  # the lapsed one is gone
            async with live.api.engine.connect() as conn:
                first = await conn.scalar(text("SELECT seen_at FROM live_socket_claim"))
            await asyncio.sleep(0.5)  # two re-checks refresh the live claim
            async with live.api.engine.connect() as conn:
                later = await conn.scalar(text("SELECT seen_at FROM live_socket_claim"))
            assert later > first


async def test_a_socket_runs_at_most_the_cap_of_operations(org_db: str) -> None:
    async with live_server(org_db, ws_max_subscriptions_per_socket=2) as live:
        token = await live.api.token_for("clerk.e1")
        async with GqlSocket.opened(live.port, token) as sock:
            await sock.subscribe(STOCK_ALERTS, {"store": "E1"}, op_id="1")
            await sock.subscribe(STOCK_ALERTS, {"store": "E1"}, op_id="2")
            await live.until_feeds(2)
            await sock.subscribe(STOCK_ALERTS, {"store": "E1"}, op_id="3")
            refused = await sock.receive()
            assert refused["type"] == "error" and refused["id"] == "3"
            assert refused["payload"][0]["extensions"] == {
                "code": "RATE_LIMITED",
                "reason": "OPERATIONS_PER_SOCKET",
                "limit": 2,
            }
            # The socket and its operations live on; completing one frees a place.
            await sock.send({"id": "1", "type": "complete"})
            await live.until_feeds(1)
            await sock.subscribe(STOCK_ALERTS, {"store": "E1"}, op_id="3")
            await live.until_feeds(2)


async def test_a_socket_without_connection_init_is_closed_after_the_wait(org_db: str) -> None:
    async with (
        live_server(org_db, ws_init_timeout_seconds=0.5) as live,
        GqlSocket.opened(live.port, None) as sock,
    ):
        assert await sock.close_code(within=5) == (4408, "Connection initialisation timeout")
