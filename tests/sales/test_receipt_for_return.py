"""receiptForReturn: the clerk scans or types a receipt and sees its lines and what is left to
return; any store's receipt, read only by someone who may take returns at their own store."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.conftest import Api
from tests.sales.helpers import RECORD_SALE, code_of, receive, sale_input

RECEIPT = """query($store: String!, $receipt: String!, $original: String) {
  receiptForReturn(storeCode: $store, receiptNo: $receipt, originalStoreCode: $original) {
    storeCode receiptNo soldAt returnableUntil
    lines { lineNo sku name quantity returnable lineTotalCents } } }"""
RETURN = """mutation($input: RecordReturnInput!) {
  recordReturn(input: $input) { saleReturn { refundCents } } }"""

LINES = [
    {"sku": "SKU-CORE-1", "quantity": 3, "unitPriceCents": 200, "discountCents": 0},
    {"sku": "SKU-CORE-2", "quantity": 1, "unitPriceCents": 500, "discountCents": 100},
]


async def test_a_receipt_shows_its_lines_and_what_is_left_to_return(api: Api) -> None:
    await receive(api, "E1", "SKU-CORE-1", 10)
    await receive(api, "E1", "SKU-CORE-2", 10)
    seller = await api.token_for("clerk.e1")
    await api.data(RECORD_SALE, {"input": sale_input("R-7", lines=LINES)}, token=seller)
    # One unit already brought back at E2.
    clerk = await api.token_for("clerk.e2")
    back = {
        "storeCode": "E2",
        "originalStoreCode": "E1",
        "receiptNo": "R-7",
        "lines": [{"sku": "SKU-CORE-1", "quantity": 1, "resaleable": True}],
    }
    assert (await api.data(RETURN, {"input": back}, token=clerk))["recordReturn"] == {
        "saleReturn": {"refundCents": 200}
    }
    found = await api.data(
        RECEIPT, {"store": "E2", "receipt": " R-7 ", "original": "E1"}, token=clerk
    )
    receipt = found["receiptForReturn"]
    assert receipt["storeCode"] == "E1"
    assert receipt["receiptNo"] == "R-7"
    sold = datetime.fromisoformat(receipt["soldAt"])
    assert datetime.fromisoformat(receipt["returnableUntil"]) - sold == timedelta(days=30)
    assert receipt["lines"] == [
        {
            "lineNo": 1,
            "sku": "SKU-CORE-1",
            "name": "农夫山泉 550ml",
            "quantity": 3,
            "returnable": 2,
            "lineTotalCents": 600,
        },
        {
            "lineNo": 2,
            "sku": "SKU-CORE-2",
            "name": "得力 中性笔",
            "quantity": 1,
            "returnable": 1,
            "lineTotalCents": 400,
        },
    ]
    # Without originalStoreCode the receipt is the returning store's own.
    own = await api.data(RECEIPT, {"store": "E1", "receipt": "R-7"}, token=seller)
    assert own["receiptForReturn"]["lines"][0]["returnable"] == 2


async def test_unknown_receipts_and_other_stores_are_refused(api: Api) -> None:
    clerk = await api.token_for("clerk.e2")
    missing = await api.gql(RECEIPT, {"store": "E2", "receipt": "R-404"}, token=clerk)
    assert code_of(missing) == "NOT_FOUND"
    # Returns are taken at one's own store only.
    elsewhere = await api.gql(RECEIPT, {"store": "E1", "receipt": "R-404"}, token=clerk)
    assert code_of(elsewhere) == "FORBIDDEN"
