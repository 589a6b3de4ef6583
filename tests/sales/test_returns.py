"""recordReturn: at any store, capped by what was bought, refunds of the price paid, the window."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from tests.conftest import Api, running_api
from tests.sales.helpers import RECORD_SALE, code_of, count, on_hand, receive, sale_input

RETURN = """mutation($input: RecordReturnInput!) {
  recordReturn(input: $input) {
    saleReturn { id receiptNo refundCents pointsReversed store { code } originalStore { code }
                 lines { lineNo sku quantity refundCents resaleable } }
  }
}"""

# 3 units at 100 with 100 off: 200 paid, so 66.67 a unit.
LINES = [
    {"sku": "SKU-CORE-1", "quantity": 3, "unitPriceCents": 100, "discountCents": 100},
    {"sku": "SKU-CORE-2", "quantity": 2, "unitPriceCents": 150},
]


def return_input(lines: list[dict], store: str = "E2", receipt: str = "R-1") -> dict:
    return {"storeCode": store, "originalStoreCode": "E1", "receiptNo": receipt, "lines": lines}


@pytest.fixture
async def sold(api: Api) -> Api:
    await api.data(
        RECORD_SALE, {"input": sale_input(lines=LINES)}, token=await api.token_for("clerk.e1")
    )
    return api


async def test_a_return_at_another_store_refunds_the_price_paid(sold: Api) -> None:
    api = sold
    token = await api.token_for("clerk.e2")
    refunds = []
    for _ in range(3):  # one unit at a time: 66 + 67 + 67 = the 200 paid, never more
        data = await api.data(
            RETURN,
            {"input": return_input([{"sku": "SKU-CORE-1", "quantity": 1}])},
            token=token,
        )
        refunds.append(data["recordReturn"]["saleReturn"]["refundCents"])
    assert refunds == [66, 67, 67]
    assert sum(refunds) == 200
    returned = data["recordReturn"]["saleReturn"]
    assert returned["store"] == {"code": "E2"} and returned["originalStore"] == {"code": "E1"}
    assert returned["pointsReversed"] == 0
    assert await on_hand(api, "E2", "SKU-CORE-1") == 3  # resaleable: back on E2's shelf
    more = await api.gql(
        RETURN, {"input": return_input([{"sku": "SKU-CORE-1", "quantity": 1}])}, token=token
    )
    assert code_of(more) == "BAD_USER_INPUT"


async def test_damaged_goods_are_taken_back_and_written_off(sold: Api) -> None:
    api = sold
    data = await api.data(
        RETURN,
        {"input": return_input([{"sku": "SKU-CORE-2", "quantity": 2, "resaleable": False}])},
        token=await api.token_for("clerk.e2"),
    )
    assert data["recordReturn"]["saleReturn"]["refundCents"] == 300
    assert await on_hand(api, "E2", "SKU-CORE-2") == 0
    async with api.engine.connect() as conn:
        kinds = (
            await conn.execute(
                text(
                    "SELECT m.kind, m.quantity FROM stock_movement m JOIN store s"
                    " ON s.id = m.store_id WHERE s.code = 'E2' ORDER BY m.id"
                )
            )
        ).all()
    assert [tuple(k) for k in kinds] == [("RETURN", 2), ("WRITE_OFF", -2)]


@pytest.mark.parametrize(
    ("username", "input", "expected"),
    [
        ("clerk.e2", return_input([{"sku": "SKU-CORE-1", "quantity": 4}]), "BAD_USER_INPUT"),
        ("clerk.e2", return_input([{"sku": "SKU-CORE-1", "quantity": 0}]), "BAD_USER_INPUT"),
        ("clerk.e2", return_input([{"sku": "SKU-CORE-1", "quantity": -1}]), "BAD_USER_INPUT"),
        ("clerk.e2", return_input([{"sku": "SKU-EAST-1", "quantity": 1}]), "BAD_USER_INPUT"),
        ("clerk.e2", return_input([]), "BAD_USER_INPUT"),
        (
            "clerk.e2",
            return_input([{"sku": "SKU-CORE-1", "quantity": 1}], receipt="R-404"),
            "NOT_FOUND",
        ),
        ("clerk.e2", return_input([{"sku": "SKU-CORE-1", "quantity": 1}], store="E1"), "FORBIDDEN"),
        ("compliance", return_input([{"sku": "SKU-CORE-1", "quantity": 1}]), "FORBIDDEN"),
    ],
)
async def test_bad_returns_write_nothing(
    sold: Api, username: str, input: dict, expected: str
) -> None:
    api = sold
    before = (await count(api, "sale_return"), await count(api, "stock_movement"))
    result = await api.gql(RETURN, {"input": input}, token=await api.token_for(username))
    assert code_of(result) == expected, result
    assert (await count(api, "sale_return"), await count(api, "stock_movement")) == before
    async with api.engine.connect() as conn:
        assert await conn.scalar(text("SELECT sum(returned_quantity) FROM sale_line")) == 0


async def test_concurrent_returns_cannot_over_return(sold: Api) -> None:
    api = sold
    token = await api.token_for("clerk.e2")
    results = await asyncio.gather(
        *(
            api.gql(
                RETURN, {"input": return_input([{"sku": "SKU-CORE-1", "quantity": 2}])}, token=token
            )
            for _ in range(4)
        )
    )
    assert sum(1 for r in results if "errors" not in r) == 1
    async with api.engine.connect() as conn:
        assert await conn.scalar(text("SELECT sum(returned_quantity) FROM sale_line")) == 2


async def test_a_retried_return_with_its_key_is_recorded_once(sold: Api) -> None:
    api = sold
    token = await api.token_for("clerk.e2")
    variables = {
        "input": {**return_input([{"sku": "SKU-CORE-2", "quantity": 1}]), "idempotencyKey": "k-1"}
    }
    first = await api.data(RETURN, variables, token=token)
    again = await api.data(RETURN, variables, token=token)
    assert again == first
    assert await count(api, "sale_return") == 1


async def test_returns_are_refused_after_the_window(org_db: str) -> None:
    async with running_api(org_db, return_window_days=0) as api:
        await receive(api, "E1", "SKU-CORE-1", 5)
        await api.data(
            RECORD_SALE, {"input": sale_input(lines=LINES)}, token=await api.token_for("clerk.e1")
        )
        result = await api.gql(
            RETURN,
            {"input": return_input([{"sku": "SKU-CORE-1", "quantity": 1}])},
            token=await api.token_for("clerk.e2"),
        )
        assert code_of(result) == "BAD_USER_INPUT"
        assert "return window" in result["errors"][0]["message"]
