"""Transfers under concurrency, and the scoped, paged transfer queries."""

from __future__ import annotations

import asyncio
from typing import Any

from api.domain import global_ids
from tests.conftest import Api
from tests.transfers.helpers import (
    APPROVE,
    REQUEST,
    SHIP,
    approved,
    code_of,
    count,
    level,
    lines,
    request_input,
    requested,
    stock,
)


async def test_concurrent_state_changes_let_exactly_one_through(api: Api) -> None:
    transfer_id = await requested(api)
    tokens = [await api.token_for(u) for u in ("rm.east", "ops", "admin")] * 2
    results = await asyncio.gather(
        *[api.gql(APPROVE, {"id": transfer_id}, token=t) for t in tokens]
    )
    assert sorted(str(code_of(r)) for r in results) == ["CONFLICT"] * 5 + ["None"]

    await stock(api, "E2", "SKU-CORE-1", 20)
    clerk = await api.token_for("clerk.e2")
    ships = await asyncio.gather(
        *[
            api.gql(SHIP, {"id": transfer_id, "lines": lines(SKU_CORE_1=5)}, token=clerk)
            for _ in range(6)
        ]
    )
    assert sorted(str(code_of(r)) for r in ships) == ["CONFLICT"] * 5 + ["None"]
    assert await level(api, "E2", "SKU-CORE-1") == (15, 0)
    assert await level(api, "E1", "SKU-CORE-1") == (0, 5)
    assert await count(api, "SELECT count(*) FROM event WHERE kind = 'TRANSFER_SHIPPED'") == 2


TRANSFERS = """query($filter: TransferFilter, $first: Int, $after: String) {
  transfers(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id status fromStore { code } toStore { code } } }
    pageInfo { hasNextPage endCursor } } }"""


async def test_queries_are_scoped(api: Api) -> None:
    first = await requested(api)
    second = await approved(api)
    from_west = await api.data(
        REQUEST,
        {"input": request_input("E1", "W1", lines=lines(SKU_CORE_1=1))},
        token=await api.token_for("clerk.w1"),
    )
    west_id = from_west["requestTransfer"]["transfer"]["id"]

    def ids(data: dict[str, Any]) -> list[str]:
        return [e["node"]["id"] for e in data["transfers"]["edges"]]

    assert ids(await api.data(TRANSFERS, token=await api.token_for("clerk.e1"))) == [
        first,
        second,
        west_id,
    ]
    assert ids(await api.data(TRANSFERS, token=await api.token_for("clerk.e2"))) == [
        first,
        second,
    ]
    assert ids(await api.data(TRANSFERS, token=await api.token_for("sm.w1"))) == [west_id]
    approved_only = await api.data(
        TRANSFERS, {"filter": {"status": "APPROVED"}}, token=await api.token_for("ops")
    )
    assert ids(approved_only) == [second]
    page = await api.data(TRANSFERS, {"first": 2}, token=await api.token_for("ops"))
    assert page["transfers"]["pageInfo"]["hasNextPage"] is True
    rest = await api.data(
        TRANSFERS,
        {"after": page["transfers"]["pageInfo"]["endCursor"]},
        token=await api.token_for("ops"),
    )
    assert ids(rest) == [west_id]
    refused = await api.gql(
        TRANSFERS, {"filter": {"storeCode": "W1"}}, token=await api.token_for("clerk.e2")
    )
    assert code_of(refused) == "FORBIDDEN"
    too_many = await api.gql(TRANSFERS, {"first": 101}, token=await api.token_for("ops"))
    assert code_of(too_many) == "BAD_USER_INPUT"

    one = "query($id: ID!) { transfer(id: $id) { id status lines { product { sku } } } }"
    seen = await api.data(one, {"id": first}, token=await api.token_for("clerk.e2"))
    assert seen["transfer"]["status"] == "REQUESTED"
    # Outside the caller's scope it is not there for them, exactly like an id nothing has.
    hidden = await api.gql(one, {"id": first}, token=await api.token_for("clerk.w1"))
    assert code_of(hidden) == "NOT_FOUND" and hidden["data"] == {"transfer": None}
    unknown = global_ids.encode("Transfer", 424242)
    missing = await api.gql(one, {"id": unknown}, token=await api.token_for("ops"))
    assert code_of(missing) == "NOT_FOUND" and missing["data"] == {"transfer": None}
    assert missing["errors"][0]["extensions"]["argument"] == "id"


async def test_a_page_of_transfers_costs_a_fixed_number_of_statements(api: Api) -> None:
    for _ in range(3):
        await requested(api)
    token = await api.token_for("ops")
    query = """{ transfers(first: 50) { edges { node { id fromStore { code region { code } }
      toStore { code } lines { product { sku region { code } } quantityRequested } } } } }"""
    with api.count_sql() as few:
        await api.data(query, token=token)
    for _ in range(6):
        await requested(api)
    with api.count_sql() as many:
        data = await api.data(query, token=token)
    assert len(data["transfers"]["edges"]) == 9
    assert len(many) == len(few), many
