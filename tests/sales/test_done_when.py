"""Issue 5's "done when", automated: the demo served on two workers takes 400 sales of one SKU
from 16 clients at once; the balance drops by exactly 400, replays change nothing, and the store
has exactly one LOW_STOCK alert for the SKU whose suggestions name other stores, nearest first."""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from db.embedded import to_libpq_uri
from tests.conftest import REPO
from tests.test_processes import CHAINSTORE, free_port, run_cli, stop, wait_ready

STORE, SKU, SALES, CLIENTS = "SH-001", "SKU-000001", 400, 16

RECORD = """mutation($input: RecordSaleInput!) {
  recordSale(input: $input) { replayed sale { id } } }"""
LEVEL = """query($store: String!, $sku: String!) {
  stockLevel(storeCode: $store, sku: $sku) { onHand safetyStock discrepancy } }"""
ALERTS = """query($store: String!) {
  stockAlerts(storeCode: $store, first: 100) { edges { node {
    kind status product { sku } store { code } onHand shortfall
    transferSuggestions { fromStore { code } quantity distanceKm } } } } }"""


@pytest.fixture
def demo(empty_db: str) -> Iterator[tuple[int, str]]:
    env = {**os.environ, "DATABASE_URL": empty_db}
    run_cli("seed", "--demo", env=env)
    port = free_port()
    process = subprocess.Popen(
        [*CHAINSTORE, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_ready(port, process)
        yield port, empty_db
    finally:
        if process.poll() is None:
            stop(process)


def post(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = client.post(
        "/graphql", json={"query": query, "variables": variables}
    ).json()
    assert "errors" not in body, body
    return body["data"]


def sale(i: int) -> dict[str, Any]:
    return {
        "input": {
            "storeCode": STORE,
            "receiptNo": f"DW-{i:04d}",
            "soldAt": "2026-11-25T09:00:00+08:00",
            "lines": [{"sku": SKU, "quantity": 1, "unitPriceCents": 300}],
        }
    }


def movements(url: str) -> int:
    with psycopg.connect(to_libpq_uri(url)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM stock_movement m JOIN store s ON s.id = m.store_id"
            " JOIN product p ON p.id = m.product_id WHERE s.code = %s AND p.sku = %s",
            (STORE, SKU),
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_400_concurrent_sales_on_two_workers(demo: tuple[int, str]) -> None:
    port, url = demo
    base = f"http://127.0.0.1:{port}"
    login = httpx.post(
        f"{base}/graphql",
        json={
            "query": 'mutation { login(username: "clerk.sh-001.1", password: "chainstore-demo")'
            " { token } }"
        },
    ).json()
    headers = {"authorization": f"Bearer {login['data']['login']['token']}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        before = post(client, LEVEL, {"store": STORE, "sku": SKU})["stockLevel"]
        moved_before = movements(url)

        def send_all() -> list[dict[str, Any]]:
            with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
                return list(pool.map(lambda i: post(client, RECORD, sale(i)), range(SALES)))

        first = send_all()
        assert not any(r["recordSale"]["replayed"] for r in first)
        assert len({r["recordSale"]["sale"]["id"] for r in first}) == SALES
        after = post(client, LEVEL, {"store": STORE, "sku": SKU})["stockLevel"]
        assert after["onHand"] == before["onHand"] - SALES
        assert after["discrepancy"] == (after["onHand"] < 0)
        assert movements(url) == moved_before + SALES

        replays = send_all()
        assert all(r["recordSale"]["replayed"] for r in replays)
        assert [r["recordSale"]["sale"]["id"] for r in replays] == [
            r["recordSale"]["sale"]["id"] for r in first
        ]
        assert post(client, LEVEL, {"store": STORE, "sku": SKU})["stockLevel"] == after
        assert movements(url) == moved_before + SALES

        edges = post(client, ALERTS, {"store": STORE})["stockAlerts"]["edges"]
    alerts = [e["node"] for e in edges if e["node"]["product"]["sku"] == SKU]
    assert len(alerts) == 1, alerts
    [alert] = alerts
    assert (alert["kind"], alert["status"], alert["store"]["code"]) == ("LOW_STOCK", "OPEN", STORE)
    suggestions = alert["transferSuggestions"]
    assert suggestions, alert
    assert all(s["fromStore"]["code"] != STORE and s["quantity"] > 0 for s in suggestions)
    distances = [s["distanceKm"] for s in suggestions]
    assert distances == sorted(distances)
    assert sum(s["quantity"] for s in suggestions) <= alert["shortfall"]
