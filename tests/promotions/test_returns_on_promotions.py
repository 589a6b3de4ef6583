"""Return on a promotion against a baseline scaled by comparable stores outside it, per
promotion and per mechanism, from constructed day rollups (hand-computed)."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import text

from api.domain import global_ids
from tests.conftest import Api
from tests.promotions.helpers import TODAY, create, day

RETURNS = """query($ids: [ID!]!) {
  promotionReturns(promotionIds: $ids) {
    method
    promotions { promotionId mechanism days figures { units revenueCents baselineUnits
      baselineRevenueCents incrementalUnits incrementalRevenueCents discountCents
      incrementalMarginCents costPerIncrementalYuan } }
    mechanisms { mechanism figures { incrementalRevenueCents discountCents } }
  }
}"""

_DAY = """
INSERT INTO sales_daily (store_id, day, product_id, units, revenue_cents, transactions,
                         returned_units, refund_cents, stockouts)
SELECT s.id, CAST(:day AS date), p.id, :units, :revenue, 1, 0, 0, 0
  FROM store s, product p WHERE s.code = :store AND p.sku = 'SKU-CORE-1'
"""


async def test_incremental_revenue_against_a_scaled_baseline(api: Api) -> None:
    promotion = await create(
        api, window={"startDate": day(-2), "endDate": day(7)}, storeCodes=["E1"], regionCodes=[]
    )
    async with api.engine.begin() as conn:
        # E2 made a business district too: the comparable store outside the promotion.
        await conn.execute(text("UPDATE store SET type = 'BUSINESS_DISTRICT' WHERE code = 'E2'"))
        for offset in range(-5, 1):  # 3 days before (-5..-3), 3 days of it so far (-2..0)
            during = offset >= -2
            for store, units, revenue in (
                ("E1", 20 if during else 10, 3600 if during else 2000),
                ("E2", 12 if during else 10, 2400 if during else 2000),
            ):
                await conn.execute(
                    text(_DAY),
                    {
                        "day": TODAY + timedelta(days=offset),
                        "units": units,
                        "revenue": revenue,
                        "store": store,
                    },
                )
        await conn.execute(
            text(
                "INSERT INTO promotion_store_stats (promotion_id, store_id, eligible, redeemed,"
                " discount_cents) SELECT :p, id, 30, 30, 1200 FROM store WHERE code = 'E1'"
            ),
            {"p": global_ids.expect(promotion["id"], "Promotion", argument="id")},
        )
    data = await api.data(RETURNS, {"ids": [promotion["id"]]}, token=await api.token_for("ops"))
    found = data["promotionReturns"]
    [row] = found["promotions"]
    f = row["figures"]
    # E1 before: 30 units, 60.00; during: 60 units, 108.00. E2 grew 30 -> 36 units and
    # 60.00 -> 72.00 (x 1.2): baseline 36 units and 72.00; incremental 24 units and 36.00.
    assert (row["mechanism"], row["days"]) == ("PERCENT_OFF", 3)
    assert (f["units"], f["revenueCents"]) == (60, 10800)
    assert math.isclose(f["baselineUnits"], 36) and math.isclose(f["baselineRevenueCents"], 7200)
    assert math.isclose(f["incrementalUnits"], 24)
    assert math.isclose(f["incrementalRevenueCents"], 3600)
    assert math.isclose(f["incrementalMarginCents"], 3600)
    assert f["discountCents"] == 1200
    assert math.isclose(f["costPerIncrementalYuan"], 1200 / 3600)
    assert found["mechanisms"] == [
        {
            "mechanism": "PERCENT_OFF",
            "figures": {"incrementalRevenueCents": 3600.0, "discountCents": 1200},
        }
    ]
    assert "comparable stores outside it" in found["method"]
    refused = await api.gql(RETURNS, {"ids": [promotion["id"]]}, token=await api.token_for("sm.e1"))
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
