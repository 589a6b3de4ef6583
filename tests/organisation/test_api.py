"""Regions, stores and products over GraphQL: connections, filters, cursors, statement counts."""

from __future__ import annotations

from tests.conftest import Api

STORES = """query($first: Int, $after: String, $filter: StoreFilter) {
  stores(first: $first, after: $after, filter: $filter) {
    edges { cursor node { code name type city latitude longitude timeZone region { code name }
            openingHours { day opens closes } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

PRODUCTS = """query($first: Int, $after: String, $filter: ProductFilter) {
  products(first: $first, after: $after, filter: $filter) {
    edges { node { sku barcode name category unit priceCents core seasonal shelfLifeDays
                   region { code } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def codes(connection: dict) -> list[str]:
    return [e["node"].get("code") or e["node"].get("sku") for e in connection["edges"]]


async def test_regions_and_their_stores(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    data = await api.data(
        "{ regions { code name stores(first: 10) { edges { node { code } } } } }", token=token
    )
    assert [(r["code"], codes(r["stores"])) for r in data["regions"]] == [
        ("EAST", ["E1", "E2"]),
        ("WEST", ["W1"]),
    ]


async def test_store_pages_follow_cursors_to_the_end(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    first = (await api.data(STORES, {"first": 2}, token=token))["stores"]
    assert codes(first) == ["E1", "E2"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    second = (
        await api.data(STORES, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=token)
    )["stores"]
    assert codes(second) == ["W1"]
    assert second["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": second["edges"][0]["cursor"],
        "endCursor": second["edges"][0]["cursor"],
    }
    w1 = second["edges"][0]["node"]
    assert w1["timeZone"] == "Asia/Urumqi"
    assert w1["type"] == "COMMUNITY"
    assert abs(w1["latitude"] - 43.825) < 1e-9
    assert w1["openingHours"][0] == {"day": "MONDAY", "opens": "07:00", "closes": "23:00"}


async def test_page_size_is_capped_and_bad_cursors_are_refused(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    for first in (101, -1):
        result = await api.gql(STORES, {"first": first}, token=token)
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert result["data"] is None
    ok = await api.data(STORES, {"first": 100}, token=token)
    assert len(ok["stores"]["edges"]) == 3
    for cursor in [
        "not-base64!",
        "eyJ4Ijox",
        "WyJwcm9kdWN0IiwiU0tVLTEiXQ",
    ]:  # junk; a product cursor
        result = await api.gql(STORES, {"after": cursor}, token=token)
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", cursor


async def test_store_filters(api: Api) -> None:
    token = await api.token_for("ops")

    async def matching(filter: dict) -> list[str]:
        return codes((await api.data(STORES, {"filter": filter}, token=token))["stores"])

    assert await matching({"regionCode": "EAST"}) == ["E1", "E2"]
    assert await matching({"type": "SCHOOL"}) == ["E2"]
    assert await matching({"city": "乌鲁木齐"}) == ["W1"]
    assert await matching({"search": "复旦"}) == ["E2"]
    assert await matching({"search": "%"}) == []  # LIKE wildcards are literal
    bad = await api.gql(STORES, {"filter": {"type": "MALL"}}, token=token)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_store_by_code(api: Api) -> None:
    token = await api.token_for("clerk.w1")
    result = await api.gql(
        '{ store(code: "E2") { name region { code } } missing: store(code: "NOPE") { code } }',
        token=token,
    )
    assert result["data"] == {
        "store": {"name": "上海复旦店", "region": {"code": "EAST"}},
        "missing": None,
    }
    [error] = result["errors"]  # an unknown code is said, not a silent null
    assert error["path"] == ["missing"]
    assert error["extensions"] == {"code": "NOT_FOUND", "argument": "code"}


async def test_products_core_regional_seasonal_and_search(api: Api) -> None:
    token = await api.token_for("clerk.e1")

    async def skus(filter: dict | None = None) -> list[str]:
        return codes((await api.data(PRODUCTS, {"filter": filter}, token=token))["products"])

    assert await skus() == ["SKU-CORE-1", "SKU-CORE-2", "SKU-EAST-1"]
    assert await skus({"core": True}) == ["SKU-CORE-1", "SKU-CORE-2"]
    assert await skus({"core": False}) == ["SKU-EAST-1"]
    assert await skus({"seasonal": True}) == ["SKU-EAST-1"]
    assert await skus({"soldInRegion": "WEST"}) == ["SKU-CORE-1", "SKU-CORE-2"]
    assert await skus({"soldInRegion": "EAST"}) == ["SKU-CORE-1", "SKU-CORE-2", "SKU-EAST-1"]
    assert await skus({"search": "6900000000035"}) == ["SKU-CORE-2"]
    assert await skus({"search": "青团"}) == ["SKU-EAST-1"]
    assert await skus({"category": "BEVERAGES"}) == ["SKU-CORE-1"]
    unknown = await api.gql(PRODUCTS, {"filter": {"soldInRegion": "MARS"}}, token=token)
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_product_by_sku(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    data = await api.data(
        '{ product(sku: "SKU-EAST-1") { name priceCents core seasonal shelfLifeDays region { code } } }',
        token=token,
    )
    assert data["product"] == {
        "name": "杏花楼 青团",
        "priceCents": 2800,
        "core": False,
        "seasonal": True,
        "shelfLifeDays": 3,
        "region": {"code": "EAST"},
    }


async def test_lists_cost_a_fixed_number_of_statements(api: Api) -> None:
    """No N+1: a page of stores with their regions is token + page + one batched region load."""
    token = await api.token_for("ops")
    with api.count_sql() as statements:
        await api.data(STORES, {"first": 100}, token=token)
    assert len(statements) == 3, statements
    with api.count_sql() as statements:
        await api.data(PRODUCTS, {"first": 100}, token=token)
    assert len(statements) == 3, statements


async def test_anonymous_callers_see_nothing(api: Api) -> None:
    result = await api.gql("{ regions { code } }")
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert result["data"] is None
