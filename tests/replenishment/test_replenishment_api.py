"""Replenishment over the API: drafts from LOW_STOCK alerts (target - on hand - in transit),
idempotent regeneration, approval, receipt with batches and expiry dates, and bad input."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from api.domain import global_ids
from api.domain.stock.ledger import Change, apply_movements
from db.engine import create_session_factory
from db.models import MovementKind
from tests.conftest import Api

ORDER = """replenishmentOrder { id status store { code }
  lines { product { sku } quantity quantityReceived expiresOn difference } }"""
GENERATE = """mutation($store: String) { generateReplenishmentOrders(storeCode: $store) {
  replenishmentOrders { id status store { code } lines { product { sku } quantity } } } }"""
APPROVE = f"mutation($id: ID!) {{ approveReplenishmentOrder(id: $id) {{ {ORDER} }} }}"
CANCEL = f"mutation($id: ID!) {{ cancelReplenishmentOrder(id: $id) {{ {ORDER} }} }}"
RECEIVE = f"""mutation($id: ID!, $lines: [ReceiptLineInput!]!, $key: String) {{
  receiveReplenishmentOrder(
    input: {{replenishmentOrderId: $id, lines: $lines, idempotencyKey: $key}}
  ) {{ {ORDER} }} }}"""
ORDERS = """query($store: String, $status: ReplenishmentStatus, $first: Int, $after: String) {
  replenishmentOrders(storeCode: $store, status: $status, first: $first, after: $after) {
    edges { node { id status store { code } } } pageInfo { hasNextPage endCursor } } }"""

SOON = (date.today() + timedelta(days=30)).isoformat()
LATER = (date.today() + timedelta(days=60)).isoformat()


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def sql(api: Api, statement: str, **params: Any) -> list[Any]:
    async with api.engine.begin() as conn:
        result = await conn.execute(text(statement), params)
        return list(result.all()) if result.returns_rows else []


async def move(api: Api, store: str, sku: str, quantity: int, kind: MovementKind) -> None:
    async with create_session_factory(api.engine)() as s, s.begin():
        row = (
            await s.execute(
                text(
                    "SELECT s.id, s.region_id, p.id AS product_id FROM store s, product p "
                    "WHERE s.code = :store AND p.sku = :sku"
                ),
                {"store": store, "sku": sku},
            )
        ).one()
        await apply_movements(
            s,
            store_id=row.id,
            region_id=row.region_id,
            kind=kind,
            changes=[Change(row.product_id, quantity)],
        )


async def running_low(api: Api, store: str = "E1", on_hand: int = 7) -> None:
    """SKU-CORE-1: safety 10, target 40; the store receives 12 and sells down to `on_hand`."""
    await sql(
        api,
        "UPDATE product SET default_safety_stock = 10, default_reorder_target = 40 "
        "WHERE sku = 'SKU-CORE-1'",
    )
    await move(api, store, "SKU-CORE-1", 12, MovementKind.RECEIPT)
    await move(api, store, "SKU-CORE-1", on_hand - 12, MovementKind.SALE)


async def generate(api: Api, user: str = "sm.e1", store: str | None = "E1") -> list[Any]:
    data = await api.data(GENERATE, {"store": store}, token=await api.token_for(user))
    orders: list[Any] = data["generateReplenishmentOrders"]["replenishmentOrders"]
    return orders


async def approved_order(api: Api) -> str:
    await running_low(api)
    [order] = await generate(api)
    await api.data(APPROVE, {"id": order["id"]}, token=await api.token_for("sm.e1"))
    return str(order["id"])


async def test_drafts_order_target_minus_on_hand_minus_in_transit(api: Api) -> None:
    await running_low(api)  # 7 on hand
    [order] = await generate(api)
    assert order["status"] == "DRAFT" and order["store"] == {"code": "E1"}
    assert order["lines"] == [{"product": {"sku": "SKU-CORE-1"}, "quantity": 33}]

    # Regenerating keeps the one draft and follows the stock: 5 more sold, 4 in transit, and a
    # store override of the target.
    await move(api, "E1", "SKU-CORE-1", -5, MovementKind.SALE)
    await sql(
        api,
        "UPDATE stock_level SET in_transit = 4, reorder_target = 50 "
        "WHERE product_id = (SELECT id FROM product WHERE sku = 'SKU-CORE-1')",
    )
    [again] = await generate(api)
    assert again["id"] == order["id"]
    assert again["lines"] == [{"product": {"sku": "SKU-CORE-1"}, "quantity": 50 - 2 - 4}]
    assert await sql(api, "SELECT count(*) FROM replenishment_order") == [(1,)]

    # Once stock recovers (the alert clears), the draft is no longer needed: cancelled.
    await move(api, "E1", "SKU-CORE-1", 60, MovementKind.RECEIPT)
    assert await generate(api) == []
    assert await sql(api, "SELECT status FROM replenishment_order") == [("CANCELLED",)]


async def test_generating_for_every_store_in_scope(api: Api) -> None:
    await running_low(api, "E1", 7)
    await running_low(api, "E2", 3)
    await running_low(api, "W1", 0)
    east = await generate(api, "rm.east", None)
    assert [(o["store"]["code"], o["lines"][0]["quantity"]) for o in east] == [
        ("E1", 33),
        ("E2", 37),
    ]
    everywhere = await generate(api, "ops", None)
    assert [o["store"]["code"] for o in everywhere] == ["E1", "E2", "W1"]
    assert [o["id"] for o in everywhere[:2]] == [o["id"] for o in east]  # the same drafts
    assert await generate(api, "sm.w1", None) == everywhere[2:]
    for user, store, expected in [
        ("sm.e1", "E2", "FORBIDDEN"),
        ("clerk.e1", "E1", "FORBIDDEN"),  # clerks do not order
        ("ops", "ZZ", "NOT_FOUND"),
    ]:
        result = await api.gql(GENERATE, {"store": store}, token=await api.token_for(user))
        assert code_of(result) == expected, (user, result)


async def test_concurrent_generation_makes_one_draft(api: Api) -> None:
    await running_low(api)
    tokens = [await api.token_for(u) for u in ("sm.e1", "rm.east", "ops", "admin")]
    results = await asyncio.gather(*[api.gql(GENERATE, {"store": "E1"}, token=t) for t in tokens])
    assert all("errors" not in r for r in results), results
    assert await sql(api, "SELECT count(*), min(status) FROM replenishment_order") == [(1, "DRAFT")]


async def test_approval_and_what_is_already_on_order(api: Api) -> None:
    await running_low(api)
    [order] = await generate(api)
    # Another region's manager cannot see the order at all; the store's clerk lacks the role.
    for user, expected in [("sm.w1", "NOT_FOUND"), ("clerk.e1", "FORBIDDEN")]:
        result = await api.gql(APPROVE, {"id": order["id"]}, token=await api.token_for(user))
        assert code_of(result) == expected
    ok = await api.data(APPROVE, {"id": order["id"]}, token=await api.token_for("rm.east"))
    assert ok["approveReplenishmentOrder"]["replenishmentOrder"]["status"] == "APPROVED"
    again = await api.gql(APPROVE, {"id": order["id"]}, token=await api.token_for("sm.e1"))
    assert code_of(again) == "CONFLICT"
    # What is approved and on its way is not ordered twice.
    assert await generate(api) == []


async def test_receipt_books_stock_batches_and_differences(api: Api) -> None:
    order_id = await approved_order(api)  # 33 x SKU-CORE-1 ordered, 7 on hand
    data = await api.data(
        RECEIVE,
        {
            "id": order_id,
            "lines": [
                {"sku": "SKU-CORE-1", "quantity": 30, "expiresOn": LATER},
                {"sku": "SKU-CORE-1", "quantity": 2, "expiresOn": SOON},
            ],
            "key": "delivery-1",
        },
        token=await api.token_for("clerk.e1"),
    )
    order = data["receiveReplenishmentOrder"]["replenishmentOrder"]
    assert order["status"] == "RECEIVED"
    assert order["lines"] == [
        {
            "product": {"sku": "SKU-CORE-1"},
            "quantity": 33,
            "quantityReceived": 32,
            "expiresOn": SOON,
            "difference": -1,
        }
    ]
    assert await sql(
        api,
        "SELECT m.kind, m.quantity, m.balance_after FROM stock_movement m "
        "WHERE reference_type = 'replenishment'",
    ) == [("RECEIPT", 32, 39)]
    batches = await sql(
        api,
        "SELECT b.quantity, b.expires_on::text, b.movement_id = m.id FROM stock_batch b "
        "JOIN stock_movement m ON m.reference_type = 'replenishment' ORDER BY b.id",
    )
    assert batches == [(30, LATER, True), (2, SOON, True)]
    # 39 is above the safety level of 10: the LOW_STOCK alert cleared.
    assert await sql(api, "SELECT status FROM stock_alert") == [("CLEARED",)]
    replay = await api.data(
        RECEIVE,
        {
            "id": order_id,
            "lines": [
                {"sku": "SKU-CORE-1", "quantity": 30, "expiresOn": LATER},
                {"sku": "SKU-CORE-1", "quantity": 2, "expiresOn": SOON},
            ],
            "key": "delivery-1",
        },
        token=await api.token_for("clerk.e1"),
    )
    assert replay == data
    assert await sql(api, "SELECT count(*) FROM stock_batch") == [(2,)]


@pytest.mark.parametrize(
    ("user", "lines", "expected", "fragment"),
    [
        (
            "clerk.e1",
            [{"sku": "SKU-CORE-1", "quantity": -1, "expiresOn": SOON}],
            "BAD_USER_INPUT",
            "quantity",
        ),
        ("clerk.e1", [{"sku": "SKU-CORE-2", "quantity": 3}], "BAD_USER_INPUT", "not on order"),
        ("clerk.e1", [{"sku": "SKU-NOPE", "quantity": 3}], "BAD_USER_INPUT", "no product"),
        ("clerk.e1", [{"sku": "SKU-CORE-1", "quantity": 3}], "BAD_USER_INPUT", "perishable"),
        (
            "clerk.e1",
            [{"sku": "SKU-CORE-1", "quantity": 3, "expiresOn": "2020-01-01"}],
            "BAD_USER_INPUT",
            "has passed",
        ),
        (
            "clerk.e2",
            [{"sku": "SKU-CORE-1", "quantity": 3, "expiresOn": SOON}],
            "NOT_FOUND",
            "in your scope",
        ),
        ("rm.east", [{"sku": "SKU-CORE-1", "quantity": 3, "expiresOn": SOON}], "FORBIDDEN", ""),
    ],
)
async def test_bad_receipts_write_nothing(
    api: Api, user: str, lines: list[dict[str, Any]], expected: str, fragment: str
) -> None:
    order_id = await approved_order(api)
    before = await sql(
        api,
        "SELECT (SELECT count(*) FROM stock_movement), (SELECT count(*) FROM stock_batch), "
        "(SELECT status FROM replenishment_order)",
    )
    result = await api.gql(
        RECEIVE, {"id": order_id, "lines": lines}, token=await api.token_for(user)
    )
    assert code_of(result) == expected, result
    assert fragment in result["errors"][0]["message"]
    after = await sql(
        api,
        "SELECT (SELECT count(*) FROM stock_movement), (SELECT count(*) FROM stock_batch), "
        "(SELECT status FROM replenishment_order)",
    )
    assert after == before


async def test_state_rules_for_receipt_and_cancellation(api: Api) -> None:
    await running_low(api)
    [draft] = await generate(api)
    receipt = {
        "id": draft["id"],
        "lines": [{"sku": "SKU-CORE-1", "quantity": 1, "expiresOn": SOON}],
    }
    early = await api.gql(RECEIVE, receipt, token=await api.token_for("clerk.e1"))
    assert code_of(early) == "CONFLICT"  # not approved
    refused = await api.gql(CANCEL, {"id": draft["id"]}, token=await api.token_for("clerk.e1"))
    assert code_of(refused) == "FORBIDDEN"
    cancelled = await api.data(CANCEL, {"id": draft["id"]}, token=await api.token_for("sm.e1"))
    assert cancelled["cancelReplenishmentOrder"]["replenishmentOrder"]["status"] == "CANCELLED"
    for query, variables in [(APPROVE, {"id": draft["id"]}), (CANCEL, {"id": draft["id"]})]:
        result = await api.gql(query, variables, token=await api.token_for("sm.e1"))
        assert code_of(result) == "CONFLICT"
    unknown = global_ids.encode("ReplenishmentOrder", 987654)
    missing = await api.gql(APPROVE, {"id": unknown}, token=await api.token_for("ops"))
    assert code_of(missing) == "NOT_FOUND"
    bad_id = await api.gql(APPROVE, {"id": "-3"}, token=await api.token_for("ops"))
    assert code_of(bad_id) == "BAD_USER_INPUT"

    [fresh] = await generate(api)  # a new draft once the old one is cancelled
    assert fresh["id"] != draft["id"]
    await api.data(APPROVE, {"id": fresh["id"]}, token=await api.token_for("sm.e1"))
    receipt["id"] = fresh["id"]
    await api.data(RECEIVE, receipt, token=await api.token_for("clerk.e1"))
    for query in (RECEIVE, CANCEL):
        variables = receipt if query is RECEIVE else {"id": fresh["id"]}
        result = await api.gql(query, variables, token=await api.token_for("sm.e1"))
        assert code_of(result) == "CONFLICT"


async def test_listing_is_scoped(api: Api) -> None:
    await running_low(api, "E1")
    await running_low(api, "W1")
    await generate(api, "ops", None)

    def stores(data: dict[str, Any]) -> list[str]:
        return [e["node"]["store"]["code"] for e in data["replenishmentOrders"]["edges"]]

    assert stores(await api.data(ORDERS, token=await api.token_for("ops"))) == ["E1", "W1"]
    assert stores(await api.data(ORDERS, token=await api.token_for("clerk.e1"))) == ["E1"]
    assert stores(await api.data(ORDERS, token=await api.token_for("sm.w1"))) == ["W1"]
    assert (
        stores(await api.data(ORDERS, {"status": "APPROVED"}, token=await api.token_for("ops")))
        == []
    )
    page = await api.data(ORDERS, {"first": 1}, token=await api.token_for("ops"))
    assert page["replenishmentOrders"]["pageInfo"]["hasNextPage"] is True
    refused = await api.gql(ORDERS, {"store": "E1"}, token=await api.token_for("clerk.w1"))
    assert code_of(refused) == "FORBIDDEN"
