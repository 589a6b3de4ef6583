"""A points multiplier awards its points on recordSale through the points ledger; a budget
stops a promotion once the discount given reaches it."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import Api
from tests.promotions.helpers import create, enrol, errors_of, line, priced
from tests.promotions.test_redemption import RUNNING, redemption
from tests.promotions.test_sale_claims import claimed, record


async def balance(api: Api, card: str) -> int:
    async with api.engine.connect() as conn:
        found = await conn.scalar(
            text("SELECT points_balance FROM member WHERE card_number = :c"), {"c": card}
        )
        return int(found)


async def test_a_points_multiplier_earns_its_points_on_the_sale(api: Api) -> None:
    await create(
        api,
        window=RUNNING,
        mechanism="POINTS_MULTIPLIER",
        percentOff=None,
        pointsMultiplier=3,
        talkingPoints=["饮料三倍积分"],
    )
    card = await enrol(api)
    result = await record(
        api, memberCode=card, lines=[claimed(None, 0), line("SKU-CORE-2", 1, 150)]
    )
    assert "errors" not in result, result
    # BASIC earns 1 point a yuan: paid 4.00 + 1.50, and SKU-CORE-1's 4.00 twice more at 3x:
    # (400 + 150 + 2 x 400) x 10 // 1000 = 13 points, against 5 without the promotion.
    assert await balance(api, card) == 13
    plain = await enrol(api, "13800138002")
    await record(api, receipt="R-2", memberCode=plain, lines=[line("SKU-CORE-2", 1, 150)])
    assert await balance(api, plain) == 1  # no SKU of it: 150 x 10 // 1000


async def test_a_spent_budget_stops_the_promotion(api: Api) -> None:
    # 10 % off SKU-CORE-1 with a 70-cent budget: each receipt of 2 x 2.00 gives 40 cents.
    promotion = await create(api, window=RUNNING, budgetCents=70)
    for receipt in ("R-1", "R-2"):  # 40, then 80 >= 70: the second crosses it and keeps it
        result = await record(api, receipt=receipt, lines=[claimed(promotion["id"], 40)])
        assert "errors" not in result, result
    found = await redemption(api, promotion["id"])
    assert (found["discountCents"], found["budgetCents"]) == (80, 70)
    refused = await record(api, receipt="R-3", lines=[claimed(promotion["id"], 40)])
    assert errors_of(refused)[0] == "BAD_USER_INPUT"
    basket = await priced(api, "E1", [line("SKU-CORE-1", 2, 200)])  # now, in its window
    assert basket["discountCents"] == 0
