"""The KPIs of item 8 beyond the sales figures: promotion redemption, customers per staff,
inventory turnover days, replenishment on time and NPS, hand-computed per month with baseline
(go-live 2026-10-01: July to September) and trend, per store and region; NPS answers through
recordSurveyAnswer, refused when bad, outside scope or of an unknown receipt.

The ledgers, all SKU-CORE-1 at E1 unless said (each sale's `after` is the balance it left):
  Sep  clerk.e1 1000 c / 2 u (after 100); order approved Sep 1 09:00, received 23 h later;
       survey 10
  Oct  clerk.e1 1000/1 promoted (after 90) Oct 5, 2000/2 (after 80) Oct 6, 3000/3 (after 40)
       Oct 20; sm.e1 4000/4 promoted (after 60) Oct 10; orders received 24 h and 120 h after
       approval; surveys 10, 9, 7, 3, 0
  Nov  clerk.e1 5000/5 (after 20) Nov 3; surveys 10, 10, 6
  E2   Oct clerk.e2 1000/1 (after 10) Oct 8; survey 0
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from api.domain.analytics.kpis import kpis as domain_kpis
from api.domain.analytics.rebuild import rebuild_rollups
from db.engine import create_session_factory
from tests.analytics.helpers import hq_operations
from tests.analytics.ledgers import Ledgers
from tests.conftest import Api, running_api
from tests.sales.helpers import RECORD_SALE, sale_input

CST = timezone(timedelta(hours=8))

KPIS = """query($from: Date!, $to: Date!, $region: String, $store: String) {
  kpis(from: $from, to: $to, regionCode: $region, storeCode: $store) {
    months { month surveyAnswers
      promotionRedemptionRate { value baseline trend } customersPerStaff { value baseline trend }
      inventoryTurnoverDays { value baseline trend }
      replenishmentOnTimeRate { value baseline trend } nps { value baseline trend } }
  }
}"""
OCT_NOV = {"from": "2026-10-01", "to": "2026-11-30"}
ANSWER = """mutation($i: RecordSurveyAnswerInput!) {
  recordSurveyAnswer(input: $i) { surveyAnswer { score receiptNo comment channel
    store { code } clerk { username } } }
}"""


def on(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CST)


@pytest.fixture
async def api(org_db: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(org_db, data_dir=tmp_path, analytics_go_live=date(2026, 10, 1)) as a:
        async with create_session_factory(a.engine)() as s, s.begin():
            led = await Ledgers(s).load()
            promo = await led.promotion()
            await led.sale("E1", "clerk.e1", on(9, 10), 1000, 2, after=100)
            await led.replenished("E1", on(9, 1, 9), 23)
            await led.answer("E1", 10, on(9, 12))
            await led.sale("E1", "clerk.e1", on(10, 5), 1000, 1, after=90, promotion=promo)
            await led.sale("E1", "clerk.e1", on(10, 6), 2000, 2, after=80)
            await led.sale("E1", "sm.e1", on(10, 10), 4000, 4, after=60, promotion=promo)
            await led.sale("E1", "clerk.e1", on(10, 20), 3000, 3, after=40)
            await led.replenished("E1", on(10, 1, 10), 24)
            await led.replenished("E1", on(10, 3, 10), 120)
            for score in (10, 9, 7, 3, 0):
                await led.answer("E1", score, on(10, 15))
            await led.sale("E1", "clerk.e1", on(11, 3), 5000, 5, after=20)
            for score in (10, 10, 6):
                await led.answer("E1", score, on(11, 4))
            await led.sale("E2", "clerk.e2", on(10, 8), 1000, 1, after=10)
            await led.answer("E2", 0, on(10, 9))
            await rebuild_rollups(s)
        yield a


def fig(value: Any, baseline: Any = None, trend: Any = None) -> dict[str, Any]:
    return {"value": value, "baseline": baseline, "trend": trend}


def close(got: dict[str, Any], want: dict[str, Any]) -> None:
    for key in ("value", "baseline", "trend"):
        if want[key] is None:
            assert got[key] is None, (key, got)
        else:
            assert got[key] == pytest.approx(want[key]), (key, got, want)


async def kpis(api: Api, user: str, **variables: Any) -> list[dict[str, Any]]:
    data = await api.data(KPIS, OCT_NOV | variables, token=await api.token_for(user))
    months: list[dict[str, Any]] = data["kpis"]["months"]
    return months


async def test_a_store_s_new_kpis_by_hand(api: Api) -> None:
    october, november = await kpis(api, "sm.e1", store="E1")
    assert (october["surveyAnswers"], november["surveyAnswers"]) == (5, 3)
    # 2 of 4 receipts promoted; baseline 0 of 1; September 0
    close(october["promotionRedemptionRate"], fig(0.5, 0.0, 0.5))
    close(november["promotionRedemptionRate"], fig(0.0, 0.0, -0.5))
    # 4 receipts by 2 clerks; baseline 1 receipt by 1 clerk-month
    close(october["customersPerStaff"], fig(2.0, 1.0, 1.0))
    close(november["customersPerStaff"], fig(1.0, 1.0, -1.0))
    # Closing stock over units a day: Oct 40 / (10 / 31) = 124; Nov 20 / (5 / 30) = 120;
    # Sep 100 / (2 / 30) = 1500; baseline (100 / 3) / (2 / 92) = 4600 / 3
    close(october["inventoryTurnoverDays"], fig(124.0, 4600 / 3, 124.0 - 1500.0))
    close(november["inventoryTurnoverDays"], fig(120.0, 4600 / 3, -4.0))
    # Oct: 24 h on time, 120 h late; Sep 23 h on time; Nov none received
    close(october["replenishmentOnTimeRate"], fig(0.5, 1.0, -0.5))
    close(november["replenishmentOnTimeRate"], fig(None, 1.0))
    # Oct 2 promoters, 2 detractors of 5: 0; Nov 2 and 1 of 3: 33.3; Sep one 10: 100
    close(october["nps"], fig(0.0, 100.0, -100.0))
    close(november["nps"], fig(100 / 3, 100.0, 100 / 3))


async def test_a_region_sums_its_stores(api: Api) -> None:
    october = (await kpis(api, "rm.east"))[0]
    # E1 and E2: 2 promoted of 5 receipts, by 3 clerks; closing 40 + 10 over 11 units / 31 days
    close(october["promotionRedemptionRate"], fig(0.4, 0.0, 0.4))
    close(october["customersPerStaff"], fig(5 / 3, 1.0, 5 / 3 - 1.0))
    close(october["inventoryTurnoverDays"], fig(50 / (11 / 31), 4600 / 3, 50 / (11 / 31) - 1500))
    close(october["nps"], fig(-100 / 6, 100.0, -100 / 6 - 100.0))  # 2 - 3 of 6


async def test_survey_answers_through_the_api_rate_the_receipt_s_clerk(api: Api) -> None:
    clerk = await api.token_for("clerk.e1")
    await api.data(RECORD_SALE, {"input": sale_input(receipt="R-S1")}, token=clerk)
    i = {"storeCode": "E1", "score": 9, "receiptNo": "R-S1", "comment": "  Fast  "}
    got = (await api.data(ANSWER, {"i": i}, token=clerk))["recordSurveyAnswer"]["surveyAnswer"]
    assert got == {
        "score": 9,
        "receiptNo": "R-S1",
        "comment": "Fast",
        "channel": "API",
        "store": {"code": "E1"},
        "clerk": {"username": "clerk.e1"},
    }
    bad = [
        ({**i, "score": 11}, "BAD_USER_INPUT"),
        ({**i, "score": -1}, "BAD_USER_INPUT"),
        ({**i, "comment": "x" * 501}, "BAD_USER_INPUT"),
        ({**i, "storeCode": "NOPE"}, "NOT_FOUND"),
        ({**i, "storeCode": "W1"}, "FORBIDDEN"),  # outside the clerk's scope
        ({**i, "receiptNo": "R-NONE"}, "NOT_FOUND"),
        ({**i, "memberCode": "6000000000000009"}, "BAD_USER_INPUT"),  # fails its check digit
    ]
    for variables, code in bad:
        result = await api.gql(ANSWER, {"i": variables}, token=clerk)
        assert result["errors"][0]["extensions"]["code"] == code, variables
    result = await api.gql(ANSWER, {"i": i}, token=await api.token_for("handler.east"))
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with api.engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM survey_answer WHERE score = 9"))
    assert count == 2  # the fixture's October 9 and this one: nothing else written


async def test_bad_periods_are_refused(api: Api) -> None:
    token = await api.token_for("ops")
    result = await api.gql(KPIS, {"from": "2026-11-01", "to": "2026-10-01"}, token=token)
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    result = await api.gql(KPIS, OCT_NOV | {"store": "NOPE"}, token=token)
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_the_running_month_turns_its_stock_over_the_days_so_far(api: Api) -> None:
    ops = hq_operations()
    async with create_session_factory(api.engine)() as s:
        report = await domain_kpis(
            s, ops, first_day=date(2026, 11, 1), last_day=date(2026, 11, 30), store_code="E1",
            today=date(2026, 11, 10),
        )  # fmt: skip
    # November so far: closing 20 over 5 units in 10 days = 40 (the whole month gave 120);
    # October, a month gone by, keeps its 31 days: 124.
    [november] = report.months
    assert november.figures["inventory_turnover_days"].value == pytest.approx(40.0)
    assert november.figures["inventory_turnover_days"].trend == pytest.approx(40.0 - 124.0)
