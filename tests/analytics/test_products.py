"""productInsights by hand: best sellers, seasonal hits, regional demand with lead time,
repurchase by category, a strategy per store type; scoped; bad input refused.

The week 2026-10-05..11 (before it: 09-28..10-04). BEVERAGES SKU-CORE-1, STATIONERY
SKU-CORE-2, BAKERY SKU-EAST-1 (seasonal):
  E1 (BUSINESS_DISTRICT): CORE-1 10 u 1000 c (member A) Oct 6; CORE-2 2 u 400 c Oct 6;
     EAST-1 6 u 1200 c twice (member A) Oct 8; before: EAST-1 3 u 600 c Oct 1, 4 u in
     September, 1 u in August
  E2 (SCHOOL): CORE-2 8 u 1600 c, CORE-1 2 u 200 c Oct 7
  W1 (COMMUNITY, WEST): EAST-1 8 u 1600 c (member B) Oct 9
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from api.domain.analytics.products import _before
from api.domain.analytics.rebuild import rebuild_rollups
from db.engine import create_session_factory
from tests.analytics.ledgers import Ledgers
from tests.conftest import Api, running_api

CST = timezone(timedelta(hours=8))
INSIGHTS = """query($from: Date!, $to: Date!, $region: String, $store: String) {
  productInsights(from: $from, to: $to, regionCode: $region, storeCode: $store) {
    bestSellers { sku category units revenueCents unitsBefore }
    seasonalHits { sku units unitsBefore }
    regionalDemand { category regionCode onsetMonth unitsAtPeak leadDays suggestion }
    repurchaseByCategory { category buyers repeaters rate }
    strategies { storeType category share chainShare suggestion } } }"""
WEEK = {"from": "2026-10-05", "to": "2026-10-11"}


def on(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=CST)


@pytest.fixture
async def api(org_db: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(org_db, data_dir=tmp_path) as a:
        async with create_session_factory(a.engine)() as s, s.begin():
            led = await Ledgers(s).load()
            member_a = await led.member("6000000000000001", "E1", "clerk.e1", on(9, 1))
            member_b = await led.member("6000000000000002", "W1", "clerk.w1", on(9, 1))
            await led.sale("E1", "clerk.e1", on(10, 6), 1000, 10, member=member_a)
            await led.sale("E1", "clerk.e1", on(10, 6), 400, 2, sku="SKU-CORE-2")
            for _ in range(2):
                await led.sale(
                    "E1", "clerk.e1", on(10, 8), 1200, 6, member=member_a, sku="SKU-EAST-1"
                )
            await led.sale("E1", "clerk.e1", on(10, 1), 600, 3, sku="SKU-EAST-1")
            await led.sale("E1", "clerk.e1", on(9, 15), 800, 4, sku="SKU-EAST-1")
            await led.sale("E1", "clerk.e1", on(8, 20), 200, 1, sku="SKU-EAST-1")
            await led.sale("E2", "clerk.e2", on(10, 7), 1600, 8, sku="SKU-CORE-2")
            await led.sale("E2", "clerk.e2", on(10, 7), 200, 2)
            await led.sale("W1", "clerk.w1", on(10, 9), 1600, 8, member=member_b, sku="SKU-EAST-1")
            await rebuild_rollups(s)
        yield a


async def test_the_chain_s_week_by_hand(api: Api) -> None:
    got = (await api.data(INSIGHTS, WEEK, token=await api.token_for("ops")))["productInsights"]
    assert got["bestSellers"] == [
        {"sku": "SKU-EAST-1", "category": "BAKERY", "units": 20, "revenueCents": 4000,
         "unitsBefore": 3},
        {"sku": "SKU-CORE-1", "category": "BEVERAGES", "units": 12, "revenueCents": 1200,
         "unitsBefore": 0},
        {"sku": "SKU-CORE-2", "category": "STATIONERY", "units": 10, "revenueCents": 2000,
         "unitsBefore": 0},
    ]  # fmt: skip
    assert got["seasonalHits"] == [{"sku": "SKU-EAST-1", "units": 20, "unitsBefore": 3}]
    # EAST's BAKERY months: Aug 1, Sep 4, Oct 15 (peak; a quarter is 3.75): from September.
    # WEST's: Oct 8 only.
    assert got["regionalDemand"] == [
        {"category": "BAKERY", "regionCode": "EAST", "onsetMonth": "2026-09-01",
         "unitsAtPeak": 15, "leadDays": 0,
         "suggestion": "EAST sells BAKERY from 2026-09 (first of the regions)"},
        {"category": "BAKERY", "regionCode": "WEST", "onsetMonth": "2026-10-01",
         "unitsAtPeak": 8, "leadDays": 30,
         "suggestion": "EAST sells BAKERY from 2026-09, WEST from 2026-10, 30 days later: "
         "stock WEST when EAST's season starts"},
    ]  # fmt: skip
    assert got["repurchaseByCategory"] == [
        {"category": "BAKERY", "buyers": 2, "repeaters": 1, "rate": 0.5},  # A twice, B once
        {"category": "BEVERAGES", "buyers": 1, "repeaters": 0, "rate": 0.0},
    ]
    # Takings: BUSINESS 1000 BEV + 400 STAT + 2400 BAK = 3800; SCHOOL 1600 STAT + 200 BEV;
    # COMMUNITY 1600 BAK; all 1200 BEV, 2000 STAT, 4000 BAK = 7200.
    strategies = got["strategies"]
    assert [(s["storeType"], s["category"]) for s in strategies] == [
        ("BUSINESS_DISTRICT", "BEVERAGES"),  # 26.3 % against 16.7 %: the highest index
        ("COMMUNITY", "BAKERY"),
        ("SCHOOL", "STATIONERY"),
    ]
    assert strategies[0]["share"] == pytest.approx(1000 / 3800)
    assert strategies[0]["chainShare"] == pytest.approx(1200 / 7200)
    assert strategies[0]["suggestion"] == (
        "BUSINESS_DISTRICT: BEVERAGES is 26.3% of takings against 16.7% across these stores: "
        "give it more facings and the first promotions"
    )
    assert strategies[2]["suggestion"].startswith("SCHOOL: STATIONERY is 88.9% of takings")


async def test_a_region_sees_its_stores_only(api: Api) -> None:
    got = (await api.data(INSIGHTS, WEEK, token=await api.token_for("rm.east")))["productInsights"]
    assert [(s["sku"], s["units"]) for s in got["bestSellers"]] == [
        ("SKU-CORE-1", 12),
        ("SKU-EAST-1", 12),
        ("SKU-CORE-2", 10),
    ]
    assert [r["regionCode"] for r in got["regionalDemand"]] == ["EAST"]
    assert (
        got
        == (await api.data(INSIGHTS, WEEK | {"region": "EAST"}, token=await api.token_for("ops")))[
            "productInsights"
        ]
    )


async def test_bad_input_and_scope(api: Api) -> None:
    cases = [
        ({"from": "2026-10-11", "to": "2026-10-05"}, "ops", "BAD_USER_INPUT"),
        ({"store": "E1", "region": "EAST"}, "ops", "BAD_USER_INPUT"),
        ({"region": "NOPE"}, "ops", "NOT_FOUND"),
        ({"store": "NOPE"}, "ops", "NOT_FOUND"),
        ({"region": "EAST"}, "sm.e1", "FORBIDDEN"),
        ({"store": "W1"}, "rm.east", "FORBIDDEN"),
    ]
    for variables, user, code in cases:
        result = await api.gql(INSIGHTS, WEEK | variables, token=await api.token_for(user))
        assert result["errors"][0]["extensions"]["code"] == code, (variables, user)


async def test_repurchase_reads_the_months_the_period_touches(api: Api) -> None:
    """From the members' category months: a week with no sales of its own in October reports
    October's buyers, and the numbers come from the rollup, not the sale lines."""
    quiet = {"from": "2026-10-19", "to": "2026-10-25"}
    got = (await api.data(INSIGHTS, quiet, token=await api.token_for("ops")))["productInsights"]
    assert got["bestSellers"] == []
    assert got["repurchaseByCategory"] == [
        {"category": "BAKERY", "buyers": 2, "repeaters": 1, "rate": 0.5},
        {"category": "BEVERAGES", "buyers": 1, "repeaters": 0, "rate": 0.0},
    ]
    with api.count_sql() as statements:
        await api.data(INSIGHTS, WEEK, token=await api.token_for("ops"))
    assert not [s for s in statements if "sale_line" in s or "FROM sale " in s]
    assert any("member_category_monthly" in s for s in statements)
    november = {"from": "2026-11-01", "to": "2026-11-07"}
    got = (await api.data(INSIGHTS, november, token=await api.token_for("ops")))["productInsights"]
    assert got["repurchaseByCategory"] == []


async def test_a_whole_month_reads_the_sku_months(api: Api) -> None:
    """October and September are whole months: the SKU months answer (the same numbers as the
    days would): EAST-1 12 + 3 + 8 = 23 in October, 4 in September."""
    october = {"from": "2026-10-01", "to": "2026-10-31"}
    with api.count_sql() as statements:
        got = (await api.data(INSIGHTS, october, token=await api.token_for("ops")))[
            "productInsights"
        ]
    assert [
        (s["sku"], s["units"], s["revenueCents"], s["unitsBefore"]) for s in got["bestSellers"]
    ] == [
        ("SKU-EAST-1", 23, 4600, 4),
        ("SKU-CORE-1", 12, 1200, 0),
        ("SKU-CORE-2", 10, 2000, 0),
    ]
    assert any("sales_monthly" in s for s in statements)


def test_a_period_of_whole_months_is_compared_with_as_many_months_before() -> None:
    assert _before(date(2026, 11, 1), date(2026, 11, 30)) == date(2026, 10, 1)  # not Oct 2
    assert _before(date(2026, 2, 1), date(2026, 3, 31)) == date(2025, 12, 1)
    assert _before(date(2026, 10, 5), date(2026, 10, 11)) == date(2026, 9, 28)  # days
    assert _before(date(2026, 10, 1), date(2026, 10, 30)) == date(2026, 9, 1)  # 30 days
