"""stockAlerts over real sockets: delivery, per-event scope, resuming with lastEventId."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from api.domain import events
from api.realtime.connections import CloseCode
from api.realtime.stream import live_feeds
from db.engine import create_session_factory
from tests.realtime.conftest import emit_stock_event
from tests.realtime.wsclient import STOCK_ALERTS, GqlSocket, LiveServer


async def test_a_store_feed_gets_its_store_alerts_and_nothing_else(live: LiveServer) -> None:
    api = live.api
    e1, e2 = await api.token_for("clerk.e1"), await api.token_for("clerk.e2")
    rm_east = await api.token_for("rm.east")
    async with (
        GqlSocket.opened(live.port, e1) as clerk_e1,
        GqlSocket.opened(live.port, e2) as clerk_e2,
        GqlSocket.opened(live.port, rm_east) as manager,
    ):
        await clerk_e1.subscribe(STOCK_ALERTS, {"store": "E1"})
        await clerk_e2.subscribe(STOCK_ALERTS, {"store": "E2"})
        await manager.subscribe(STOCK_ALERTS, {"store": "E1"}, op_id="e1")
        await manager.subscribe(STOCK_ALERTS, {"store": "E2"}, op_id="e2")
        await live.until_feeds(4)
        first = await emit_stock_event(api, "E1")
        second = await emit_stock_event(api, "W1")
        third = await emit_stock_event(api, "E1", kind=events.LowStockCleared)

        got = [(await clerk_e1.next_data())["stockAlerts"] for _ in range(2)]
        assert [(a["id"], a["kind"]) for a in got] == [
            (str(first), "LOW_STOCK_RAISED"),
            (str(third), "LOW_STOCK_CLEARED"),
        ]
        assert got[0]["store"] == {"code": "E1", "region": {"code": "EAST"}}
        assert got[0]["product"]["sku"] == "SKU-CORE-1"
        assert got[0]["occurredAt"]
        seen = [await manager.receive() for _ in range(2)]
        assert {(m["id"], m["payload"]["data"]["stockAlerts"]["id"]) for m in seen} == {
            ("e1", str(first)),
            ("e1", str(third)),
        }
        assert str(second)  # W1's event reached nobody here:
        assert await clerk_e2.nothing_within(0.5)
        assert await manager.nothing_within(0.1)


async def test_a_store_outside_scope_or_unknown_is_refused(live: LiveServer) -> None:
    api = live.api
    async with GqlSocket.opened(live.port, await api.token_for("clerk.e2")) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"})
        message = await sock.receive()
        assert message["type"] == "next", message
        [error] = message["payload"]["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert (await sock.receive())["type"] == "complete"
        await sock.subscribe(STOCK_ALERTS, {"store": "NOPE"}, op_id="2")
        message = await sock.receive()
        assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_resuming_with_last_event_id_misses_nothing_and_repeats_nothing(
    live: LiveServer,
) -> None:
    api = live.api
    token = await api.token_for("sm.e1")
    async with GqlSocket.opened(live.port, token) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"})
        await live.until_feeds(1)
        seen = [await emit_stock_event(api, "E1")]
        assert (await sock.next_data())["stockAlerts"]["id"] == str(seen[0])
    # Away: three events of E1 (and one of E2, not ours) while no socket is open.
    missed = [await emit_stock_event(api, "E1") for _ in range(2)]
    await emit_stock_event(api, "E2")
    missed.append(await emit_stock_event(api, "E1", kind=events.LowStockCleared))

    async with GqlSocket.opened(live.port, token) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1", "after": str(seen[0])})
        # Events emitted while the catch-up runs land either in it or in the live feed, once.
        racing = asyncio.gather(*(emit_stock_event(api, "E1") for _ in range(5)))
        during = await racing
        later = await emit_stock_event(api, "E1")
        ids = [int((await sock.next_data())["stockAlerts"]["id"]) for _ in range(9)]
        assert ids == sorted(missed + during + [later])
        assert await sock.nothing_within(0.5)


async def test_a_bad_or_too_old_last_event_id_is_bad_user_input(live: LiveServer) -> None:
    api = live.api
    newest = await emit_stock_event(api, "E1")
    async with GqlSocket.opened(live.port, await api.token_for("clerk.e1")) as sock:
        for op_id, after in [("1", "abc"), ("2", str(newest + 1000))]:
            await sock.subscribe(STOCK_ALERTS, {"store": "E1", "after": after}, op_id=op_id)
            message = await sock.receive()
            assert message["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
            assert (await sock.receive())["type"] == "complete"


async def test_completing_a_subscription_detaches_it(live: LiveServer) -> None:
    async with GqlSocket.opened(live.port, await live.api.token_for("clerk.e1")) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"})
        await live.until_feeds(1)
        await sock.send({"id": "1", "type": "complete"})
        await live.until_feeds(0)
        await emit_stock_event(live.api, "E1")
        assert await sock.nothing_within(0.3)


async def test_a_subscriber_too_far_behind_is_closed_with_4450(live: LiveServer) -> None:
    api = live.api
    live_feeds(live.services).hub.feed_limit = 3  # 1000 in production, made reachable
    async with GqlSocket.opened(live.port, await api.token_for("clerk.e1")) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"})
        await live.until_feeds(1)
        async with create_session_factory(api.engine)() as s, s.begin():
            store_id, region_id, product_id = (
                await s.execute(
                    text(
                        "SELECT s.id, s.region_id, (SELECT min(id) FROM product)"
                        " FROM store s WHERE s.code = 'E1'"
                    )
                )
            ).one()
            for _ in range(20):  # one commit: the hub hands all 20 over at once
                await events.emit(
                    s,
                    events.LowStockRaised(alert_id=1, product_id=product_id),
                    store_id=store_id,
                    region_id=region_id,
                )
        code, reason = await sock.close_code()
        assert (code, reason) == (CloseCode.TOO_SLOW, "too far behind: reconnect with lastEventId")
        await live.until_feeds(0)
