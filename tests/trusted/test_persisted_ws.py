"""Persisted requests over WebSocket under the default rule: a `subscribe` payload names a
stored document by `documentId` (or Apollo's persistedQuery hash); store staff may send
nothing else, and a refusal is an `error` message that leaves the socket open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.domain.access import TRUSTED_DOCUMENT_REQUIRED
from tests.complaints.helpers import complaint_input
from tests.node_clients import json_lines, node_or_skip, run_node
from tests.realtime.conftest import emit_stock_event
from tests.realtime.wsclient import STOCK_ALERTS, GqlSocket, LiveServer, live_server
from tests.trusted.conftest import DEFAULT_RULE, DOCUMENT_IDS, integrator_token, persisted


@pytest.fixture
async def live(org_db: str) -> AsyncIterator[LiveServer]:
    async with live_server(org_db, trusted_only_roles=DEFAULT_RULE) as server:
        yield server


async def subscribe_by_id(
    sock: GqlSocket, name: str, variables: dict[str, Any] | None = None, op_id: str = "1"
) -> None:
    payload = {"documentId": DOCUMENT_IDS[name], "variables": variables or {}}
    await sock.send({"id": op_id, "type": "subscribe", "payload": payload})


async def test_a_clerks_ad_hoc_subscription_is_refused_and_the_stored_one_runs(
    live: LiveServer,
) -> None:
    async with GqlSocket.opened(live.port, await live.api.token_for("clerk.e1")) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"}, op_id="ad-hoc")
        refused = await sock.receive()
        assert refused["type"] == "error" and refused["id"] == "ad-hoc", refused
        [error] = refused["payload"]
        assert error["extensions"] == {"code": "FORBIDDEN", "reason": TRUSTED_DOCUMENT_REQUIRED}
        assert "documentId" in error["message"]
        # The socket lives on, and the same feed by documentId runs.
        await subscribe_by_id(sock, "StockAlerts", {"storeCode": "E1"}, op_id="stored")
        await live.until_feeds(1)
        event_id = await emit_stock_event(live.api, "E1")
        message = await sock.receive()
        assert message["id"] == "stored" and message["type"] == "next", message
        alert = message["payload"]["data"]["stockAlerts"]
        assert alert["id"] == str(event_id) and alert["product"]["sku"] == "SKU-CORE-1"


async def test_queries_and_mutations_run_by_id_over_the_socket_too(live: LiveServer) -> None:
    async with GqlSocket.opened(live.port, await live.api.token_for("sm.e1")) as sock:
        await subscribe_by_id(sock, "Me")
        assert (await sock.next_data())["me"]["username"] == "sm.e1"
        assert (await sock.receive())["type"] == "complete"
        digest = DOCUMENT_IDS["MyOpenShift"].removeprefix("sha256:")
        apollo = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
        await sock.send({"id": "2", "type": "subscribe", "payload": apollo})
        assert (await sock.next_data())["myOpenShift"] is None


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"documentId": "sha256:" + "0" * 64}, "PERSISTED_QUERY_NOT_FOUND"),
        (
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
            "PERSISTED_QUERY_NOT_FOUND",
        ),
        ({"documentId": DOCUMENT_IDS["Me"], "query": "{ me { role } }"}, "BAD_USER_INPUT"),
        ({"documentId": 7}, "BAD_USER_INPUT"),
    ],
)
async def test_an_unknown_or_contradicted_id_is_an_error_message(
    live: LiveServer, payload: dict[str, Any], code: str
) -> None:
    for username in ("clerk.e1", "ops"):
        async with GqlSocket.opened(live.port, await live.api.token_for(username)) as sock:
            await sock.send({"id": "1", "type": "subscribe", "payload": payload})
            message = await sock.receive()
            assert message["type"] == "error", message
            assert message["payload"][0]["extensions"]["code"] == code
            await subscribe_by_id(sock, "Me", op_id="2")  # the socket is still good
            assert (await sock.next_data())["me"]["username"] == username


async def test_hq_may_subscribe_with_its_own_document(live: LiveServer) -> None:
    async with GqlSocket.opened(live.port, await live.api.token_for("ops")) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"})
        await live.until_feeds(1)
        event_id = await emit_stock_event(live.api, "E1")
        assert (await sock.next_data())["stockAlerts"]["id"] == str(event_id)


async def test_the_reference_graphql_ws_client_sends_a_document_id(live: LiveServer) -> None:
    """The npm graphql-ws client, with `{documentId, variables}` as its subscribe payload: a
    store manager's complaint feed, fed by a clerk filing by documentId over HTTP."""
    node_or_skip()
    api = live.api
    url = f"ws://127.0.0.1:{live.port}/graphql"
    payload = f'{{"documentId": "{DOCUMENT_IDS["ComplaintEvents"]}", "variables": {{}}}}'
    token = await api.token_for("sm.e1")
    client = asyncio.create_task(
        run_node("persisted_subscribe.mjs", url, token, payload, "2", "300")
    )
    await live.until_feeds(1)
    filed = await persisted(
        api, "FileComplaint", {"input": complaint_input()}, token=await api.token_for("clerk.e1")
    )
    complaint = filed.json()["data"]["fileComplaint"]["complaint"]
    lines = json_lines(await client)
    assert lines[0] == {"connected": True}
    results = [line["next"] for line in lines if "next" in line]
    assert all("errors" not in r for r in results), results
    assert [r["data"]["complaintEvents"]["complaint"]["id"] for r in results] == [
        complaint["id"],
        complaint["id"],
    ]
    assert not [line for line in lines if "error" in line], lines


async def test_the_reference_graphql_ws_client_is_told_to_send_a_document_id(
    live: LiveServer,
) -> None:
    node_or_skip()
    url = f"ws://127.0.0.1:{live.port}/graphql"
    payload = '{"query": "{ me { username } }"}'
    token = await live.api.token_for("clerk.e1")
    lines = json_lines(await run_node("persisted_subscribe.mjs", url, token, payload, "1", "0"))
    [error] = [line["error"] for line in lines if "error" in line]
    assert error[0]["extensions"] == {"code": "FORBIDDEN", "reason": TRUSTED_DOCUMENT_REQUIRED}


async def test_a_till_token_is_held_to_trusted_documents_over_the_socket(live: LiveServer) -> None:
    till = await integrator_token(live.api, "till-e1", trusted_documents_only=True)
    feed = await integrator_token(live.api, "feed-e1", trusted_documents_only=False)
    async with GqlSocket.opened(live.port, till) as sock:
        await sock.subscribe(STOCK_ALERTS, {"store": "E1"})
        refused = await sock.receive()
        assert refused["type"] == "error", refused
        assert refused["payload"][0]["extensions"]["reason"] == TRUSTED_DOCUMENT_REQUIRED
        await subscribe_by_id(sock, "Me", op_id="2")
        assert (await sock.next_data())["me"]["username"] == "integrator.till-e1"
    async with GqlSocket.opened(live.port, feed) as sock:
        await sock.subscribe("{ me { username } }", op_id="3")
        assert (await sock.next_data())["me"]["username"] == "integrator.feed-e1"
