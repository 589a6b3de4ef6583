"""Stock-take over HTTP: a count sets the balance through COUNT movements, the variance is
against the book balance it replaced, keyed replays write nothing, and bad counts write nothing."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import Api
from tests.sales.helpers import code_of, on_hand, receive

COUNT = """mutation($input: RecordStockCountInput!) {
  recordStockCount(input: $input) { lines { sku name book counted variance } } }"""


def count_input(lines: list[dict[str, object]], key: str | None = None) -> dict[str, object]:
    found: dict[str, object] = {"storeCode": "E1", "lines": lines, "note": "shelf A1"}
    if key:
        found["idempotencyKey"] = key
    return {"input": found}


async def count_movements(api: Api) -> list[tuple[str, int, int]]:
    async with api.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT p.sku, m.quantity, m.balance_after FROM stock_movement m"
                " JOIN product p ON p.id = m.product_id WHERE m.kind = 'COUNT' ORDER BY p.sku, m.id"
            )
        )
        return [(r.sku, r.quantity, r.balance_after) for r in rows]


async def test_a_count_sets_the_balance_and_reports_the_variance(api: Api) -> None:
    await receive(api, "E1", "SKU-CORE-1", 10)
    clerk = await api.token_for("clerk.e1")
    lines = [{"sku": "SKU-CORE-1", "counted": 7}, {"sku": "SKU-CORE-2", "counted": 3}]
    result = await api.data(COUNT, count_input(lines, "count-1"), token=clerk)
    assert result["recordStockCount"]["lines"] == [
        {"sku": "SKU-CORE-1", "name": "农夫山泉 550ml", "book": 10, "counted": 7, "variance": -3},
        {"sku": "SKU-CORE-2", "name": "得力 中性笔", "book": 0, "counted": 3, "variance": 3},
    ]
    assert await on_hand(api, "E1", "SKU-CORE-1") == 7
    assert await on_hand(api, "E1", "SKU-CORE-2") == 3
    assert await count_movements(api) == [("SKU-CORE-1", -3, 7), ("SKU-CORE-2", 3, 3)]

    # The same key again (a lost answer, the app retrying): the first answer, nothing written.
    again = await api.data(COUNT, count_input(lines, "count-1"), token=clerk)
    assert again == result
    assert await count_movements(api) == [("SKU-CORE-1", -3, 7), ("SKU-CORE-2", 3, 3)]

    # A second count later is against the new book: equal counts still leave a COUNT of zero.
    later = await api.data(COUNT, count_input([{"sku": "SKU-CORE-1", "counted": 7}]), token=clerk)
    assert later["recordStockCount"]["lines"][0] | {"name": ""} == {
        "sku": "SKU-CORE-1",
        "name": "",
        "book": 7,
        "counted": 7,
        "variance": 0,
    }
    assert (await count_movements(api))[:2] == [("SKU-CORE-1", -3, 7), ("SKU-CORE-1", 0, 7)]


async def test_bad_counts_write_nothing(api: Api) -> None:
    clerk = await api.token_for("clerk.e1")
    bad = [
        [{"sku": "SKU-CORE-1", "counted": -1}],
        [{"sku": "SKU-CORE-1", "counted": 1}, {"sku": "SKU-CORE-1", "counted": 2}],
        [{"sku": "NO-SUCH", "counted": 1}],
        [{"sku": "SKU-CORE-1", "counted": 1}, {"sku": "SKU-WEST-0", "counted": 1}],
        [],
    ]
    for lines in bad:
        result = await api.gql(COUNT, count_input(lines), token=clerk)
        assert code_of(result) == "BAD_USER_INPUT", (lines, result)
    # A region's own SKU is not a product of another region's store.
    west = await api.token_for("clerk.w1")
    east_only = {"input": {"storeCode": "W1", "lines": [{"sku": "SKU-EAST-1", "counted": 1}]}}
    assert code_of(await api.gql(COUNT, east_only, token=west)) == "BAD_USER_INPUT"
    assert await count_movements(api) == []


async def test_a_clerk_counts_only_their_own_store(api: Api) -> None:
    clerk = await api.token_for("clerk.e1")
    other = {"input": {"storeCode": "E2", "lines": [{"sku": "SKU-CORE-1", "counted": 1}]}}
    assert code_of(await api.gql(COUNT, other, token=clerk)) == "FORBIDDEN"
    assert await count_movements(api) == []
