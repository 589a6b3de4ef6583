"""Stock over HTTP: balances, pages without N+1, nearby stock by distance, thresholds, alerts."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import text

from tests.conftest import Api
from tests.sales.helpers import RECORD_SALE, code_of, receive, sale_input

LEVEL = """query($store: String!, $sku: String!) {
  stockLevel(storeCode: $store, sku: $sku) {
    onHand safetyStock reorderTarget inTransit discrepancy product { sku } store { code } } }"""
LEVELS = """query($first: Int, $after: String, $filter: StockLevelFilter) {
  stockLevels(storeCode: "E1", first: $first, after: $after, filter: $filter) {
    edges { cursor node { onHand safetyStock discrepancy store { code }
                          product { sku name barcode category core region { code } } } }
    pageInfo { hasNextPage endCursor } } }"""
NEARBY = """query($sku: String!, $store: String!) {
  nearbyStock(sku: $sku, storeCode: $store, first: 10) {
    store { code latitude longitude } onHand distanceKm } }"""
THRESHOLDS = """mutation($sku: String!, $safety: Int!, $target: Int!) {
  setStockThresholds(storeCode: "E1", sku: $sku, safetyStock: $safety, reorderTarget: $target) {
    stockLevel { onHand safetyStock reorderTarget } } }"""
ALERTS = """query($store: String!, $status: StockAlertStatus) {
  stockAlerts(storeCode: $store, status: $status, first: 50) { edges { node {
    id kind status product { sku } store { code } onHand safetyStock shortfall
    transferSuggestions { fromStore { code name } quantity distanceKm } } } } }"""


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


async def test_a_stock_level_uses_product_defaults_and_store_overrides(api: Api) -> None:
    clerk = await api.token_for("clerk.e1")
    variables = {"store": "E1", "sku": "SKU-CORE-1"}
    assert (await api.data(LEVEL, variables, token=clerk))["stockLevel"] == {
        "onHand": 0,
        "safetyStock": 0,
        "reorderTarget": 0,
        "inTransit": 0,
        "discrepancy": False,
        "product": {"sku": "SKU-CORE-1"},
        "store": {"code": "E1"},
    }
    async with api.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE product SET default_safety_stock = 5, default_reorder_target = 20"
                " WHERE sku = 'SKU-CORE-1'"
            )
        )
    await receive(api, "E1", "SKU-CORE-1", 8)
    level = (await api.data(LEVEL, variables, token=clerk))["stockLevel"]
    assert (level["onHand"], level["safetyStock"], level["reorderTarget"]) == (8, 5, 20)
    manager = await api.token_for("sm.e1")
    changed = await api.data(
        THRESHOLDS, {"sku": "SKU-CORE-1", "safety": 10, "target": 30}, token=manager
    )
    assert changed["setStockThresholds"]["stockLevel"] == {
        "onHand": 8,
        "safetyStock": 10,
        "reorderTarget": 30,
    }
    # The override put the balance below safety: the alert is there at once, and goes again.
    alerts = (await api.data(ALERTS, {"store": "E1"}, token=clerk))["stockAlerts"]["edges"]
    assert [a["node"]["kind"] for a in alerts] == ["LOW_STOCK"]
    await api.data(THRESHOLDS, {"sku": "SKU-CORE-1", "safety": 2, "target": 30}, token=manager)
    assert (await api.data(ALERTS, {"store": "E1"}, token=clerk))["stockAlerts"]["edges"] == []
    cleared = await api.data(ALERTS, {"store": "E1", "status": "CLEARED"}, token=clerk)
    assert len(cleared["stockAlerts"]["edges"]) == 1


@pytest.mark.parametrize(
    ("username", "variables", "expected"),
    [
        ("clerk.e1", {"sku": "SKU-CORE-1", "safety": 1, "target": 2}, "FORBIDDEN"),
        ("sm.w1", {"sku": "SKU-CORE-1", "safety": 1, "target": 2}, "FORBIDDEN"),
        ("sm.e1", {"sku": "SKU-CORE-1", "safety": -1, "target": 2}, "BAD_USER_INPUT"),
        ("sm.e1", {"sku": "SKU-CORE-1", "safety": 5, "target": 4}, "BAD_USER_INPUT"),
        ("sm.e1", {"sku": "SKU-NOPE", "safety": 1, "target": 2}, "NOT_FOUND"),
    ],
)
async def test_bad_thresholds_change_nothing(
    api: Api, username: str, variables: dict, expected: str
) -> None:
    result = await api.gql(THRESHOLDS, variables, token=await api.token_for(username))
    assert code_of(result) == expected, result
    async with api.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM stock_level")) == 0


async def test_stock_levels_are_scoped(api: Api) -> None:
    result = await api.gql(
        LEVEL, {"store": "W1", "sku": "SKU-CORE-1"}, token=await api.token_for("clerk.e1")
    )
    assert code_of(result) == "FORBIDDEN"
    unknown = await api.gql(
        LEVEL, {"store": "E1", "sku": "SKU-NOPE"}, token=await api.token_for("clerk.e1")
    )
    assert code_of(unknown) == "NOT_FOUND"


async def _many_products(api: Api, n: int) -> None:
    """n more products stocked at E1 (half of them regional EAST), for page-sized lists."""
    async with api.engine.begin() as conn:
        await conn.execute(
            text(
                """
                WITH p AS (
                  INSERT INTO product (sku, barcode, name, category, unit, price_cents, region_id,
                                       seasonal, default_safety_stock, default_reorder_target)
                  SELECT 'SKU-P-' || lpad(i::text, 4, '0'), (69100000000 + i)::text,
                         'Product ' || i, CASE WHEN i % 2 = 0 THEN 'SNACKS' ELSE 'DRINKS' END,
                         'x', 100, CASE WHEN i % 2 = 0 THEN NULL
                                        ELSE (SELECT id FROM region WHERE code = 'EAST') END,
                         false, 10, 20
                    FROM generate_series(1, :n) i
                  RETURNING id, sku
                )
                INSERT INTO stock_level (store_id, product_id, on_hand, in_transit)
                SELECT (SELECT id FROM store WHERE code = 'E1'), p.id,
                       substr(p.sku, 7)::int % 20, 0 FROM p
                """
            ),
            {"n": n},
        )


async def test_a_page_of_100_costs_a_fixed_number_of_statements(api: Api) -> None:
    await _many_products(api, 150)
    token = await api.token_for("clerk.e1")
    with api.count_sql() as small:
        await api.data(LEVELS, {"first": 5}, token=token)
    with api.count_sql() as full:
        page = (await api.data(LEVELS, {"first": 100}, token=token))["stockLevels"]
    assert len(page["edges"]) == 100 and page["pageInfo"]["hasNextPage"]
    # the token, the store, the page with its products, regions, stores: whatever the size
    assert len(full) == len(small) == 5, full
    rest = await api.data(
        LEVELS, {"first": 100, "after": page["pageInfo"]["endCursor"]}, token=token
    )
    skus = [e["node"]["product"]["sku"] for e in page["edges"] + rest["stockLevels"]["edges"]]
    assert skus == sorted(skus) and len(set(skus)) == 150
    node = page["edges"][0]["node"]  # SKU-P-0001: odd, so regional
    assert node["product"]["region"] == {"code": "EAST"} and node["store"] == {"code": "E1"}


async def test_stock_levels_filter(api: Api) -> None:
    await _many_products(api, 30)
    token = await api.token_for("clerk.e1")

    async def skus(f: dict) -> list[str]:
        data = await api.data(LEVELS, {"first": 100, "filter": f}, token=token)
        return [e["node"]["product"]["sku"] for e in data["stockLevels"]["edges"]]

    below = await skus({"belowSafety": True})
    assert below and all(int(s[6:]) % 20 < 10 for s in below)
    assert len(below) + len(await skus({"belowSafety": False})) == 30
    assert all(int(s[6:]) % 2 == 0 for s in await skus({"category": "SNACKS"}))
    assert await skus({"search": "69100000007"}) == ["SKU-P-0007"]
    assert await skus({"search": "duct 12"}) == ["SKU-P-0012"]


async def test_nearby_stock_is_sorted_by_great_circle_distance(api: Api) -> None:
    for store, quantity in [("E2", 5), ("W1", 7)]:
        await receive(api, store, "SKU-CORE-1", quantity)
    await receive(api, "E1", "SKU-CORE-1", 3)
    data = await api.data(
        NEARBY, {"sku": "SKU-CORE-1", "store": "E1"}, token=await api.token_for("clerk.e1")
    )
    rows = data["nearbyStock"]
    assert [(r["store"]["code"], r["onHand"]) for r in rows] == [("E2", 5), ("W1", 7)]
    e1 = (31.229, 121.455)
    for r in rows:
        expected = haversine_km(*e1, r["store"]["latitude"], r["store"]["longitude"])
        assert r["distanceKm"] == pytest.approx(expected, abs=0.01)
    assert 8 < rows[0]["distanceKm"] < 10 and rows[1]["distanceKm"] > 3000
    none = await api.data(
        NEARBY, {"sku": "SKU-CORE-2", "store": "E1"}, token=await api.token_for("clerk.e1")
    )
    assert none["nearbyStock"] == []  # nobody holds it
    unknown = await api.gql(
        NEARBY, {"sku": "SKU-NOPE", "store": "E1"}, token=await api.token_for("clerk.e1")
    )
    assert code_of(unknown) == "NOT_FOUND"


async def test_low_stock_alerts_suggest_the_nearest_stores_with_surplus(api: Api) -> None:
    async with api.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE product SET default_safety_stock = 10, default_reorder_target = 30"
                " WHERE sku IN ('SKU-CORE-1', 'SKU-CORE-2')"
            )
        )
    await receive(api, "E1", "SKU-CORE-1", 12)
    await receive(api, "E2", "SKU-CORE-1", 25)  # 15 above its safety level, ~8 km away
    await receive(api, "W1", "SKU-CORE-1", 40)  # 30 above, ~3,300 km away
    await receive(api, "E1", "SKU-CORE-2", 11)
    clerk = await api.token_for("clerk.e1")
    lines = [
        {"sku": "SKU-CORE-1", "quantity": 7, "unitPriceCents": 200},
        {"sku": "SKU-CORE-2", "quantity": 2, "unitPriceCents": 150},
    ]
    await api.data(RECORD_SALE, {"input": sale_input("A-1", lines=lines)}, token=clerk)
    for i in range(3):  # still below: no second alert
        await api.data(RECORD_SALE, {"input": sale_input(f"A-{i + 2}")}, token=clerk)
    with api.count_sql() as statements:
        edges = (await api.data(ALERTS, {"store": "E1"}, token=clerk))["stockAlerts"]["edges"]
    # the token, the store, the page, every suggestion of the page, then the stores named
    assert len(statements) == 5, statements
    alerts = {e["node"]["product"]["sku"]: e["node"] for e in edges}
    assert set(alerts) == {"SKU-CORE-1", "SKU-CORE-2"}
    core1 = alerts["SKU-CORE-1"]
    assert (core1["onHand"], core1["safetyStock"], core1["shortfall"]) == (-1, 10, 30)
    assert [(s["fromStore"]["code"], s["quantity"]) for s in core1["transferSuggestions"]] == [
        ("E2", 15),
        ("W1", 15),
    ]  # nearest first, until the shortfall is covered
    distances = [s["distanceKm"] for s in core1["transferSuggestions"]]
    assert distances == sorted(distances)
    assert alerts["SKU-CORE-2"]["transferSuggestions"] == []  # nobody has any to spare
    other = await api.gql(ALERTS, {"store": "E1"}, token=await api.token_for("clerk.w1"))
    assert code_of(other) == "FORBIDDEN"
