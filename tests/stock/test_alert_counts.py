"""openStockAlertCounts: every store in the caller's scope with its open alerts, in one
statement whatever the number of stores (the board's map)."""

from __future__ import annotations

from tests.conftest import Api

COUNTS = """query($region: String) {
  openStockAlertCounts(regionCode: $region) { store { code region { code } } openAlerts lowStock }
}"""
THRESHOLDS = """mutation($store: String!, $sku: String!) {
  setStockThresholds(storeCode: $store, sku: $sku, safetyStock: 5, reorderTarget: 10) {
    stockLevel { onHand } } }"""


def _table(data: dict[str, list[dict[str, object]]]) -> list[tuple[object, ...]]:
    return [
        (row["store"]["code"], row["openAlerts"], row["lowStock"])  # type: ignore[index]
        for row in data["openStockAlertCounts"]
    ]


async def test_counts_follow_the_callers_scope(api: Api) -> None:
    # Safety 5 over an empty shelf: one LOW_STOCK alert per SKU set, two at E1, one at W1.
    for store, manager in (("E1", "sm.e1"), ("W1", "sm.w1")):
        token = await api.token_for(manager)
        skus = ["SKU-CORE-1", "SKU-CORE-2"] if store == "E1" else ["SKU-CORE-1"]
        for sku in skus:
            await api.data(THRESHOLDS, {"store": store, "sku": sku}, token=token)

    ops = await api.token_for("ops")
    with api.count_sql() as statements:
        chain = await api.data(COUNTS, token=ops)
    assert _table(chain) == [("E1", 2, 2), ("E2", 0, 0), ("W1", 1, 1)]
    counting = [s for s in statements if "stock_alert" in s]
    assert len(counting) == 1, counting  # one grouped SELECT for every store

    east = await api.data(COUNTS, {"region": "EAST"}, token=ops)
    assert _table(east) == [("E1", 2, 2), ("E2", 0, 0)]

    region_manager = await api.token_for("rm.east")
    assert _table(await api.data(COUNTS, token=region_manager)) == [("E1", 2, 2), ("E2", 0, 0)]
    refused = await api.gql(COUNTS, {"region": "WEST"}, token=region_manager)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    store_manager = await api.token_for("sm.w1")
    assert _table(await api.data(COUNTS, token=store_manager)) == [("W1", 1, 1)]
    missing = await api.gql(COUNTS, {"region": "NOPE"}, token=ops)
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert missing["errors"][0]["extensions"]["argument"] == "regionCode"
