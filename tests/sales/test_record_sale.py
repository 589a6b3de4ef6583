"""recordSale and recordSales over HTTP: the sale, its stock, replays, bad input, scope, cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Api
from tests.sales.helpers import (
    RECORD_SALE,
    SOLD_AT,
    code_of,
    count,
    on_hand,
    receive,
    sale_input,
    written,
)

RECORD_SALES = """mutation($inputs: [RecordSaleInput!]!) {
  recordSales(inputs: $inputs) {
    results { receiptNo replayed sale { id totalCents } stock { sku onHand }
              error { code message problems } }
  }
}"""


async def test_a_sale_is_recorded_and_lowers_the_balance(api: Api) -> None:
    await receive(api, "E1", "SKU-CORE-1", 10)
    lines = [
        {"sku": "SKU-CORE-1", "quantity": 2, "unitPriceCents": 200, "discountCents": 50},
        {"sku": "SKU-EAST-1", "quantity": 1, "unitPriceCents": 2800},
        {"sku": "SKU-CORE-1", "quantity": 1, "unitPriceCents": 200},
    ]
    data = await api.data(
        RECORD_SALE,
        {"input": sale_input(lines=lines)},
        token=await api.token_for("clerk.e1"),
    )
    result = data["recordSale"]
    sale = result["sale"]
    assert (sale["subtotalCents"], sale["discountCents"], sale["totalCents"]) == (3400, 50, 3350)
    assert sale["pointsRedeemed"] == 0
    assert [(x["lineNo"], x["sku"], x["lineTotalCents"]) for x in sale["lines"]] == [
        (1, "SKU-CORE-1", 350),
        (2, "SKU-EAST-1", 2800),
        (3, "SKU-CORE-1", 200),
    ]
    assert datetime.fromisoformat(sale["soldAt"]) == datetime.fromisoformat(SOLD_AT)
    assert result["replayed"] is False
    stock = {s["sku"]: (s["onHand"], s["discrepancy"]) for s in result["stock"]}
    assert stock == {"SKU-CORE-1": (7, False), "SKU-EAST-1": (-1, True)}
    assert await on_hand(api, "E1", "SKU-CORE-1") == 7
    assert await count(api, "stock_movement") == 3  # the receipt, then one SALE per SKU


async def test_record_sale_costs_one_statement_beyond_authentication(api: Api) -> None:
    await receive(api, "E1", "SKU-CORE-1", 100)
    token = await api.token_for("clerk.e1")
    await api.data(RECORD_SALE, {"input": sale_input("warm")}, token=token)
    with api.count_sql() as statements:
        await api.data(RECORD_SALE, {"input": sale_input("R-2")}, token=token)
    # the token, then one CTE: the sale, the ledger, the promotions' counts, the rollups
    # (a member sale too: tests/sales/test_one_statement.py)
    assert len(statements) == 1 + 1, statements
    with api.count_sql() as statements:
        await api.data(RECORD_SALE, {"input": sale_input("R-2")}, token=token)
    assert len(statements) == 1 + 2, statements  # a replay reads the first sale instead


async def test_a_replay_returns_the_first_sale_and_changes_nothing(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    first = (await api.data(RECORD_SALE, {"input": sale_input()}, token=token))["recordSale"]
    before = await written(api)
    again = (await api.data(RECORD_SALE, {"input": sale_input()}, token=token))["recordSale"]
    assert again["replayed"] is True and again["stock"] == []
    assert again["sale"]["id"] == first["sale"]["id"]
    assert again["sale"]["lines"] == first["sale"]["lines"]
    assert await written(api) == before
    # Another clerk of the same store replaying the receipt changes nothing either.
    other = await api.token_for("sm.e1")
    assert (await api.data(RECORD_SALE, {"input": sale_input()}, token=other))["recordSale"][
        "replayed"
    ]
    # The same receipt number at another store is another sale.
    elsewhere = await api.data(
        RECORD_SALE, {"input": sale_input(store="E2")}, token=await api.token_for("clerk.e2")
    )
    assert elsewhere["recordSale"]["replayed"] is False


async def test_a_replay_with_other_content_is_a_conflict(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    await api.data(RECORD_SALE, {"input": sale_input()}, token=token)
    before = await written(api)
    changed = sale_input(
        lines=[{"sku": "SKU-CORE-1", "quantity": 3, "unitPriceCents": 200, "discountCents": 50}]
    )
    result = await api.gql(RECORD_SALE, {"input": changed}, token=token)
    assert code_of(result) == "CONFLICT"
    assert await written(api) == before


def _line(**overrides: object) -> dict[str, object]:
    return {"sku": "SKU-CORE-1", "quantity": 1, "unitPriceCents": 200, **overrides}


FUTURE = (datetime.now(UTC) + timedelta(hours=1)).isoformat()


@pytest.mark.parametrize(
    ("username", "input", "expected"),
    [
        ("clerk.e1", sale_input(lines=[_line(quantity=0)]), "BAD_USER_INPUT"),
        ("clerk.e1", sale_input(lines=[_line(quantity=-2)]), "BAD_USER_INPUT"),
        ("clerk.e1", sale_input(lines=[_line(unitPriceCents=-1)]), "BAD_USER_INPUT"),
        ("clerk.e1", sale_input(lines=[_line(discountCents=-1)]), "BAD_USER_INPUT"),
        ("clerk.e1", sale_input(lines=[_line(discountCents=201)]), "BAD_USER_INPUT"),
        # Past 32-bit cents: the CHECK's int4 product overflowed (INTERNAL) before the cap.
        (
            "clerk.e1",
            sale_input(lines=[_line(quantity=100_000, unitPriceCents=2**31 - 1)]),
            "BAD_USER_INPUT",
        ),
        (
            "clerk.e1",
            sale_input(lines=[_line(quantity=30_000, unitPriceCents=100_000)]),
            "BAD_USER_INPUT",
        ),
        ("clerk.e1", sale_input(lines=[]), "BAD_USER_INPUT"),
        ("clerk.e1", sale_input(lines=[_line(sku="SKU-NOPE")]), "BAD_USER_INPUT"),
        ("clerk.e1", sale_input(receipt=""), "BAD_USER_INPUT"),
        ("clerk.e1", {**sale_input(), "soldAt": FUTURE}, "BAD_USER_INPUT"),
        ("clerk.e1", sale_input(memberCode="M-1"), "BAD_USER_INPUT"),
        ("clerk.e1", sale_input(pointsRedeemed=-1), "BAD_USER_INPUT"),
        # A regional SKU outside its region: nothing written, not even the core line.
        (
            "clerk.w1",
            sale_input(store="W1", lines=[_line(), _line(sku="SKU-EAST-1")]),
            "BAD_USER_INPUT",
        ),
        ("clerk.e1", sale_input(store="E2"), "FORBIDDEN"),  # another store's till
        ("rm.east", sale_input(store="W1"), "FORBIDDEN"),  # outside the region
        ("compliance", sale_input(), "FORBIDDEN"),  # no RECORD_SALES
        ("handler.east", sale_input(), "FORBIDDEN"),
        ("clerk.e1", sale_input(store="ZZ"), "NOT_FOUND"),
    ],
)
async def test_bad_or_unauthorised_sales_write_nothing(
    api: Api, username: str, input: dict, expected: str
) -> None:
    before = await written(api)
    result = await api.gql(RECORD_SALE, {"input": input}, token=await api.token_for(username))
    assert code_of(result) == expected, result
    assert result["data"] is None
    assert await written(api) == before


async def test_every_problem_is_named_at_once(api: Api) -> None:
    bad = sale_input(
        lines=[_line(quantity=0), _line(sku="SKU-NOPE", discountCents=500)], pointsRedeemed=5
    )
    result = await api.gql(RECORD_SALE, {"input": bad}, token=await api.token_for("clerk.e1"))
    problems = result["errors"][0]["extensions"]["problems"]
    assert any(p.startswith("lines[0].quantity") for p in problems)
    assert any(p.startswith("lines[1].discountCents") for p in problems)
    assert any(p.startswith("pointsRedeemed") for p in problems)  # points need a member
    unknown = sale_input(lines=[_line(sku="SKU-NOPE"), _line(sku="SKU-GONE")])
    result = await api.gql(RECORD_SALE, {"input": unknown}, token=await api.token_for("clerk.e1"))
    assert result["errors"][0]["extensions"]["problems"] == [
        "lines: unknown SKU SKU-NOPE",
        "lines: unknown SKU SKU-GONE",
    ]


async def test_managers_above_the_store_record_within_scope(api: Api) -> None:
    for username, store in [("rm.east", "E2"), ("ops", "W1"), ("sm.e1", "E1")]:
        result = await api.data(
            RECORD_SALE,
            {"input": sale_input(receipt=f"by-{username}", store=store)},
            token=await api.token_for(username),
        )
        assert result["recordSale"]["replayed"] is False


async def test_an_integrator_token_needs_the_grant_and_the_store(api: Api) -> None:
    admin = await api.token_for("admin")
    issue = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }"""

    async def token(name: str, grants: list[str]) -> str:
        data = await api.data(
            issue,
            {"input": {"name": name, "expiresInDays": 30, "storeCode": "E1", "grants": grants}},
            token=admin,
        )
        return str(data["createApiToken"]["token"])

    pos = await token("pos-e1", ["RECORD_SALES"])
    assert (await api.data(RECORD_SALE, {"input": sale_input()}, token=pos))["recordSale"]
    other_store = await api.gql(RECORD_SALE, {"input": sale_input(store="E2")}, token=pos)
    assert code_of(other_store) == "FORBIDDEN"
    read_only = await token("bi-e1", [])
    assert code_of(await api.gql(RECORD_SALE, {"input": sale_input("R-9")}, token=read_only)) == (
        "FORBIDDEN"
    )


async def test_an_idempotency_key_replays_like_the_receipt(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    variables = {"input": {**sale_input(), "idempotencyKey": "till-7-42"}}
    first = (await api.data(RECORD_SALE, variables, token=token))["recordSale"]
    again = (await api.data(RECORD_SALE, variables, token=token))["recordSale"]
    assert again["sale"]["id"] == first["sale"]["id"] and again["replayed"]
    other = await api.gql(
        RECORD_SALE, {"input": {**sale_input("R-2"), "idempotencyKey": "till-7-42"}}, token=token
    )
    assert code_of(other) == "CONFLICT"


async def test_a_batch_records_each_receipt_alone(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    await api.data(RECORD_SALE, {"input": sale_input("B-0")}, token=token)
    inputs = [
        sale_input("B-1"),
        sale_input("B-2", lines=[_line(quantity=0)]),
        sale_input("B-0"),  # a replay
        sale_input("B-3", lines=[_line(sku="SKU-NOPE")]),
        sale_input("B-4", lines=[_line(quantity=5)]),
    ]
    before = await count(api, "sale")
    results = (await api.data(RECORD_SALES, {"inputs": inputs}, token=token))["recordSales"][
        "results"
    ]
    assert [r["receiptNo"] for r in results] == ["B-1", "B-2", "B-0", "B-3", "B-4"]
    assert [r["error"]["code"] if r["error"] else None for r in results] == [
        None,
        "BAD_USER_INPUT",
        None,
        "BAD_USER_INPUT",
        None,
    ]
    assert [r["replayed"] for r in results] == [False, False, True, False, False]
    assert await count(api, "sale") == before + 2
    assert await on_hand(api, "E1", "SKU-CORE-1") == -2 - 2 - 5


async def test_a_batch_refuses_idempotency_keys(api: Api) -> None:
    """Each receipt of a batch is idempotent by its number; a key there would mean nothing."""
    token = await api.token_for("clerk.e1")
    inputs = [sale_input("K-1"), {**sale_input("K-2"), "idempotencyKey": "k"}]
    result = await api.gql(RECORD_SALES, {"inputs": inputs}, token=token)
    assert code_of(result) == "BAD_USER_INPUT"
    assert result["errors"][0]["extensions"]["argument"] == "inputs"
    assert await count(api, "sale") == 0


async def test_a_batch_is_capped_at_500(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    inputs = [sale_input(f"C-{i}", lines=[_line()]) for i in range(501)]
    result = await api.gql(RECORD_SALES, {"inputs": inputs}, token=token)
    assert code_of(result) == "BAD_USER_INPUT"
    assert await count(api, "sale") == 0


async def test_sales_summary_separates_core_and_regional(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    lines = [_line(quantity=3), {"sku": "SKU-EAST-1", "quantity": 1, "unitPriceCents": 2800}]
    await api.data(RECORD_SALE, {"input": sale_input("S-1", lines=lines)}, token=token)
    await api.data(RECORD_SALE, {"input": sale_input("S-2")}, token=token)
    query = """query($from: DateTime!, $to: DateTime!) {
      salesSummary(storeCode: "E1", from: $from, to: $to) {
        receipts totalCents coreCents regionalCents coreUnits regionalUnits } }"""
    sold_at = datetime.fromisoformat(SOLD_AT)
    window = {
        "from": (sold_at - timedelta(hours=1)).isoformat(),
        "to": (sold_at + timedelta(hours=1)).isoformat(),
    }
    summary = (await api.data(query, window, token=await api.token_for("sm.e1")))["salesSummary"]
    assert summary == {
        "receipts": 2,
        "totalCents": 600 + 2800 + 350,
        "coreCents": 950,
        "regionalCents": 2800,
        "coreUnits": 5,
        "regionalUnits": 1,
    }
    empty = {"from": window["to"], "to": (sold_at + timedelta(days=1)).isoformat()}
    assert (await api.data(query, empty, token=token))["salesSummary"]["receipts"] == 0
    backwards = {"from": window["to"], "to": window["from"]}
    assert code_of(await api.gql(query, backwards, token=token)) == "BAD_USER_INPUT"
    assert code_of(await api.gql(query, window, token=await api.token_for("clerk.w1"))) == (
        "FORBIDDEN"
    )
