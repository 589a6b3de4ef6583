"""Redemption per promotion and store, counted as sales arrive, and the under-redemption alert
on a constructed store whose tills never apply the promotion (hand-computed z)."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import text

from tests.conftest import Api
from tests.promotions.helpers import create, day, line
from tests.promotions.test_sale_claims import claimed, record

RUNNING = {"startDate": day(-2), "endDate": day(7)}  # the receipts are from yesterday
REDEMPTION = """query($id: ID!) {
  promotionRedemption(promotionId: $id) {
    eligibleTransactions redemptions rate method discountCents budgetCents
    stores { storeCode storeType eligibleTransactions redemptions discountCents rate chainRate
             storeTypeRate underRedeemedAt zScore }
  }
}"""


async def redemption(api: Api, promotion_id: str, username: str = "ops") -> dict[str, Any]:
    data = await api.data(REDEMPTION, {"id": promotion_id}, token=await api.token_for(username))
    found: dict[str, Any] = data["promotionRedemption"]
    return found


async def sell(api: Api, store: str, receipt: str, promotion_id: str | None) -> None:
    clerk = {"E1": "clerk.e1", "E2": "clerk.e2"}[store]
    discount = 40 if promotion_id else 0
    result = await record(
        api, clerk, receipt=receipt, store=store, lines=[claimed(promotion_id, discount)]
    )
    assert "errors" not in result, result


async def alerts(api: Api) -> list[dict[str, Any]]:
    async with api.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT e.payload, s.code, e.region_id = s.region_id AS in_region FROM event e "
                "JOIN store s ON s.id = e.store_id WHERE e.kind = 'PROMOTION_UNDER_REDEEMED'"
            )
        )
        return [{**r.payload, "store": r.code, "in_region": r.in_region} for r in rows]


async def test_counts_eligible_and_redeemed_sales_per_store(api: Api) -> None:
    promotion = await create(api, window=RUNNING)
    await sell(api, "E1", "A-1", promotion["id"])
    await sell(api, "E1", "A-2", None)
    # Not eligible: no SKU of the promotion on it.
    await record(api, receipt="A-3", lines=[line("SKU-CORE-2", 1, 150)])
    await sell(api, "E2", "B-1", None)
    found = await redemption(api, promotion["id"])
    assert (found["eligibleTransactions"], found["redemptions"]) == (3, 1)
    assert math.isclose(found["rate"], 1 / 3)
    by_store = {s["storeCode"]: s for s in found["stores"]}
    e1, e2 = by_store["E1"], by_store["E2"]
    assert (e1["eligibleTransactions"], e1["redemptions"], e1["discountCents"]) == (2, 1, 40)
    assert e1["rate"] == 0.5 and e1["storeTypeRate"] == 0.5  # E1 is the only business district
    assert (e2["eligibleTransactions"], e2["redemptions"], e2["rate"]) == (1, 0, 0.0)
    assert math.isclose(e2["chainRate"], 1 / 3)
    assert e1["underRedeemedAt"] is None
    assert "z <= -2.326" in found["method"]
    # Scoped like the promotion: E1's clerk sees E1 only.
    mine = await redemption(api, promotion["id"], "clerk.e1")
    assert [s["storeCode"] for s in mine["stores"]] == ["E1"]


async def half_redeemed_at_e1(api: Api) -> dict[str, Any]:
    """A promotion E1 redeems on 5 of 10 sales and E2 on none of 9."""
    promotion = await create(api, window=RUNNING)
    for i in range(10):
        await sell(api, "E1", f"A-{i}", promotion["id"] if i % 2 else None)
    for i in range(9):
        await sell(api, "E2", f"B-{i}", None)
    return promotion


async def test_a_store_that_never_applies_it_raises_one_alert(api: Api) -> None:
    promotion = await half_redeemed_at_e1(api)
    # 9 eligible at E2 x 0.5 = 4.5 redemptions expected: fewer than 5, not yet meaningful.
    assert await alerts(api) == []
    await sell(api, "E2", "B-9", None)
    # n=10, k=0 against 5 of 10: pooled 5/20 = 0.25, se = sqrt(0.25 x 0.75 x (1/10 + 1/10))
    # = 0.19365, z = (0 - 0.5) / 0.19365 = -2.582 <= -2.326.
    [alert] = await alerts(api)
    assert alert["store"] == "E2" and alert["in_region"]
    assert (alert["eligible"], alert["redeemed"]) == (10, 0)
    assert (alert["othersEligible"], alert["othersRedeemed"]) == (10, 5)
    assert alert["zScore"] == "-2.582"
    await sell(api, "E2", "B-10", None)
    assert len(await alerts(api)) == 1  # once per promotion and store
    found = await redemption(api, promotion["id"], "rm.east")
    e2 = {s["storeCode"]: s for s in found["stores"]}["E2"]
    assert e2["underRedeemedAt"] is not None
    assert math.isclose(e2["zScore"], -0.5 / math.sqrt(0.0375))
    assert (e2["eligibleTransactions"], e2["rate"]) == (11, 0.0)
    assert math.isclose(e2["chainRate"], 5 / 21)


async def test_a_store_redeeming_like_the_others_raises_nothing(api: Api) -> None:
    promotion = await create(api, window=RUNNING)
    for i in range(12):
        await sell(api, "E1", f"A-{i}", promotion["id"] if i % 2 else None)
        await sell(api, "E2", f"B-{i}", promotion["id"] if i % 3 == 0 else None)
    # E2: 4 of 12 against E1's 6 of 12: pooled 10/24, se = sqrt(10/24 x 14/24 x 2/12) = 0.2013,
    # z = (1/3 - 1/2) / 0.2013 = -0.83: no alert.
    assert await alerts(api) == []
