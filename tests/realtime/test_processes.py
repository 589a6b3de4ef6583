"""Two `chainstore serve` processes on one database: what one produces, the other delivers.

The issue's "done when", automated: a complaint filed through process A reaches an EAST
handler subscribed on process B within 2 seconds, a WEST handler receives nothing, and
freezing the EAST handler closes their socket; likewise a stock alert from a sale on A.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from api.realtime.connections import CloseCode
from db.engine import create_engine
from tests.conftest import Api
from tests.org_fixture import PASSWORD
from tests.realtime.wsclient import STOCK_ALERTS, GqlSocket
from tests.sales.helpers import RECORD_SALE, receive, sale_input
from tests.test_processes import free_port, run_cli, start_serve, stop, wait_ready

COMPLAINT_EVENTS = """subscription($filter: ComplaintEventFilter, $after: ID) {
  complaintEvents(filter: $filter, lastEventId: $after) {
    id kind complaint { id status store { code } }
  }
}"""

FILE_COMPLAINT = """mutation($input: FileComplaintInput!) {
  fileComplaint(input: $input) { complaint { id } }
}"""


class Processes:
    def __init__(self, url: str, env: dict[str, str], ports: tuple[int, int]) -> None:
        self.url = url
        self.env = env
        self.a, self.b = ports


@pytest.fixture
def two_servers(org_db: str) -> Iterator[Processes]:
    env = {**os.environ, "DATABASE_URL": org_db, "CHAINSTORE_WS_AUTH_RECHECK_SECONDS": "0.5"}
    password = PASSWORD + "\n"
    run_cli(
        "staff", "create", "--username", "handler.west", "--role", "COMPLAINT_HANDLER",
        "--region", "WEST", "--password-stdin", env=env, stdin=password,
    )  # fmt: skip
    ports = (free_port(), free_port())
    servers = [start_serve("--port", str(p), "--no-migrate", env=env) for p in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_ready(port, server)
        yield Processes(org_db, env, ports)
    finally:
        for server in servers:
            if server.poll() is None:
                stop(server)


async def _client_of(port: int, url: str) -> tuple[httpx.AsyncClient, Api]:
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10)
    return client, Api(client, create_engine(url, pool_size=2, max_overflow=0), url)


async def test_a_complaint_filed_on_one_process_reaches_its_region_on_the_other(
    two_servers: Processes,
) -> None:
    client, api = await _client_of(two_servers.a, two_servers.url)
    try:
        east, west = await api.login("handler.east"), await api.login("handler.west")
        clerk = await api.token_for("clerk.e1")
        async with (
            GqlSocket.opened(two_servers.b, east) as east_sock,
            GqlSocket.opened(two_servers.b, west) as west_sock,
        ):
            await east_sock.subscribe(COMPLAINT_EVENTS, {"filter": {"regionCode": "EAST"}})
            await west_sock.subscribe(COMPLAINT_EVENTS)
            await asyncio.sleep(1.0)  # both subscriptions attached on B (no hook into B)
            started = time.monotonic()
            filed = await api.data(
                FILE_COMPLAINT,
                {"input": {"storeCode": "E1", "category": "SERVICE", "description": "rude"}},
                token=clerk,
            )
            event = (await east_sock.next_data(within=2))["complaintEvents"]
            assert time.monotonic() - started < 2
            assert event["kind"] == "COMPLAINT_FILED"
            assert event["complaint"]["id"] == filed["fileComplaint"]["complaint"]["id"]
            assert event["complaint"]["store"]["code"] == "E1"
            assert await west_sock.nothing_within(1.0)

            run_cli("staff", "freeze", "handler.east", env=two_servers.env)
            code, _ = await east_sock.close_code(within=5)
            assert code == CloseCode.ACCOUNT_FROZEN
            assert await west_sock.nothing_within(0.2)
    finally:
        await client.aclose()
        await api.engine.dispose()


async def test_a_sale_on_one_process_alerts_the_store_on_the_other_and_resumes_there(
    two_servers: Processes,
) -> None:
    client, api = await _client_of(two_servers.a, two_servers.url)
    try:
        await receive(api, "E1", "SKU-CORE-1", 10)
        async with api.engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE stock_level SET safety_stock = 5, reorder_target = 20"
                    " WHERE store_id = (SELECT id FROM store WHERE code = 'E1')"
                )
            )
        seller, e1, e2 = [await api.token_for(u) for u in ("clerk.e1", "sm.e1", "clerk.e2")]
        async with (
            GqlSocket.opened(two_servers.b, e1) as e1_sock,
            GqlSocket.opened(two_servers.b, e2) as e2_sock,
        ):
            await e1_sock.subscribe(STOCK_ALERTS, {"store": "E1"})
            await e2_sock.subscribe(STOCK_ALERTS, {"store": "E2"})
            await asyncio.sleep(1.0)
            line = {"sku": "SKU-CORE-1", "quantity": 6, "unitPriceCents": 200}
            await api.data(RECORD_SALE, {"input": sale_input(lines=[line])}, token=seller)
            alert = (await e1_sock.next_data(within=2))["stockAlerts"]
            assert (alert["kind"], alert["product"]["sku"], alert["onHand"]) == (
                "LOW_STOCK_RAISED",
                "SKU-CORE-1",
                4,
            )
            assert await e2_sock.nothing_within(0.5)
        # Away: back above the safety level (a receipt), then below it again (a sale on A).
        await receive(api, "E1", "SKU-CORE-1", 10)
        line["quantity"] = 10
        sale = sale_input(receipt="R-2", lines=[line])
        await api.data(RECORD_SALE, {"input": sale}, token=seller)
        async with GqlSocket.opened(two_servers.b, e1) as again:
            await again.subscribe(STOCK_ALERTS, {"store": "E1", "after": alert["id"]})
            kinds = [(await again.next_data())["stockAlerts"]["kind"] for _ in range(2)]
            assert kinds == ["LOW_STOCK_CLEARED", "LOW_STOCK_RAISED"]
            assert await again.nothing_within(0.5)
    finally:
        await client.aclose()
        await api.engine.dispose()
