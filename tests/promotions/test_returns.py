"""recordReturn gives back what the rules say: a returned line refunds what was paid for it
(its promotion's and coupon's shares excluded); the coupon comes back only with the whole
receipt."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.conftest import Api
from tests.promotions.helpers import coupon, create, enrol
from tests.promotions.test_sale_claims import RUNNING, claimed, record
from tests.sales.test_returns import RETURN, return_input


async def give_back(api: Api, lines: list[dict[str, Any]]) -> dict[str, Any]:
    data = await api.data(
        RETURN, {"input": return_input(lines, store="E1")}, token=await api.token_for("clerk.e1")
    )
    found: dict[str, Any] = data["recordReturn"]["saleReturn"]
    return found


async def redeemed(api: Api) -> bool:
    async with api.engine.connect() as conn:
        return bool(await conn.scalar(text("SELECT redeemed_at IS NOT NULL FROM member_coupon")))


async def test_a_returned_line_refunds_its_discounted_amount_and_the_coupon_comes_back_whole(
    api: Api,
) -> None:
    promotion = await create(api, window=RUNNING)
    card = await enrol(api)
    coupon_id = await coupon(api, card, 100)
    # SKU-CORE-1 2 x 2.00: 10 % (40) then the coupon's 1.00 => paid 2.60.
    sale = await record(
        api, memberCode=card, couponIds=[coupon_id], lines=[claimed(promotion["id"], 140)]
    )
    assert sale["data"]["recordSale"]["sale"]["totalCents"] == 260, sale
    # One of SKU-CORE-1's two units: half of what was paid for the line, 1.30.
    first = await give_back(api, [{"sku": "SKU-CORE-1", "quantity": 1}])
    assert first["refundCents"] == 130
    assert await redeemed(api)  # the kept lines still use it
    second = await give_back(api, [{"sku": "SKU-CORE-1", "quantity": 1}])
    assert second["refundCents"] == 130
    assert not await redeemed(api)  # the whole receipt is back: so is the coupon
