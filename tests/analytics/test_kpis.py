"""kpis: hand-computed monthly figures with baselines and trends on constructed ledgers, per
store, region and scope; bad input refused.

The ledgers (org fixture, go-live 2026-10-01, so the baseline is July to September):
  E1  Sep: 1000 c / 2 u, 3000 c / 4 u; a 4 h shift
      Oct: 1000/1 and 2000/2 (member A), 3000/3 (member B, empties the shelf); an 8 h shift;
           complaints resolved in 6 h and 24 h
      Nov: 5000/5
  E2  Oct: 4000/2 (member B)
  W1  Oct: 600/1 at 23:30 on Oct 31 Urumqi time (already Nov 1 in Shanghai)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from api.domain.analytics.rebuild import rebuild_rollups
from db.engine import create_session_factory
from tests.analytics.ledgers import Ledgers
from tests.conftest import Api, running_api

CST = timezone(timedelta(hours=8))  # Shanghai
XJT = timezone(timedelta(hours=6))  # Urumqi

KPIS = """query($from: Date!, $to: Date!, $region: String, $store: String) {
  kpis(from: $from, to: $to, regionCode: $region, storeCode: $store) {
    storeCount goLive baselineFrom baselineTo
    months { month receipts
      averageTicketCents { value baseline trend } itemsPerBasket { value baseline trend }
      customersPerStaffHour { value baseline trend } memberRepurchaseRate { value baseline trend }
      stockOuts { value baseline trend } complaintHandlingHours { value baseline trend } }
  }
}"""
OCT_NOV = {"from": "2026-10-01", "to": "2026-11-30"}


@pytest.fixture
async def api(org_db: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(org_db, data_dir=tmp_path, analytics_go_live=date(2026, 10, 1)) as a:
        async with create_session_factory(a.engine)() as s, s.begin():
            led = await Ledgers(s).load()
            a_id = await led.member("6000000000000001", "E1", "clerk.e1")
            b_id = await led.member("6000000000000002", "E1", "clerk.e1")
            await led.sale("E1", "clerk.e1", datetime(2026, 9, 10, 12, tzinfo=CST), 1000, 2)
            await led.sale("E1", "clerk.e1", datetime(2026, 9, 11, 12, tzinfo=CST), 3000, 4)
            await led.shift("E1", "clerk.e1", datetime(2026, 9, 10, 8, tzinfo=CST), 4)
            await led.sale(
                "E1", "clerk.e1", datetime(2026, 10, 5, 9, tzinfo=CST), 1000, 1, member=a_id
            )
            await led.sale(
                "E1", "clerk.e1", datetime(2026, 10, 6, 9, tzinfo=CST), 2000, 2, member=a_id
            )
            await led.sale(
                "E1", "clerk.e1", datetime(2026, 10, 7, 9, tzinfo=CST), 3000, 3,
                member=b_id, stock_out=True,
            )  # fmt: skip
            await led.shift("E1", "clerk.e1", datetime(2026, 10, 5, 8, tzinfo=CST), 8)
            await led.complaint("E1", datetime(2026, 10, 10, 10, tzinfo=CST), 6)
            await led.complaint("E1", datetime(2026, 10, 12, 10, tzinfo=CST), 24)
            await led.sale("E1", "clerk.e1", datetime(2026, 11, 3, 9, tzinfo=CST), 5000, 5)
            await led.sale(
                "E2", "clerk.e2", datetime(2026, 10, 8, 9, tzinfo=CST), 4000, 2, member=b_id
            )
            await led.sale("W1", "clerk.w1", datetime(2026, 10, 31, 23, 30, tzinfo=XJT), 600, 1)
            await rebuild_rollups(s)
        yield a


async def report(api: Api, user: str, **variables: Any) -> dict[str, Any]:
    data = await api.data(KPIS, OCT_NOV | variables, token=await api.token_for(user))
    result: dict[str, Any] = data["kpis"]
    return result


def fig(value: Any, baseline: Any = None, trend: Any = None) -> dict[str, Any]:
    return {"value": value, "baseline": baseline, "trend": trend}


async def test_a_store_s_months_with_baselines_and_trends(api: Api) -> None:
    got = await report(api, "sm.e1", store="E1")
    assert (got["storeCount"], got["goLive"]) == (1, "2026-10-01")
    assert (got["baselineFrom"], got["baselineTo"]) == ("2026-07-01", "2026-09-01")
    october, november = got["months"]
    assert october == {
        "month": "2026-10-01",
        "receipts": 3,
        "averageTicketCents": fig(2000.0, 2000.0, 0.0),  # 6000/3; Sep 4000/2
        "itemsPerBasket": fig(2.0, 3.0, -1.0),  # 6/3; Sep 6/2
        "customersPerStaffHour": fig(0.375, 0.5, -0.125),  # 3 per 8 h; Sep 2 per 4 h
        "memberRepurchaseRate": fig(0.5),  # A bought twice, B once; no members before
        "stockOuts": fig(1.0, 0.0, 1.0),
        "complaintHandlingHours": fig(15.0),  # (6 + 24) / 2
    }
    assert november == {
        "month": "2026-11-01",
        "receipts": 1,
        "averageTicketCents": fig(5000.0, 2000.0, 3000.0),
        "itemsPerBasket": fig(5.0, 3.0, 3.0),
        "customersPerStaffHour": fig(None, 0.5),  # nobody on duty on record
        "memberRepurchaseRate": fig(None),
        "stockOuts": fig(0.0, 0.0, -1.0),
        "complaintHandlingHours": fig(None),
    }


async def test_a_region_divides_its_totals_not_its_stores_averages(api: Api) -> None:
    got = await report(api, "rm.east")  # no code: the region manager's scope, EAST
    october = got["months"][0]
    assert got["storeCount"] == 2 and october["receipts"] == 4
    assert october["averageTicketCents"]["value"] == 2500.0  # 10000 / 4
    assert october["itemsPerBasket"]["value"] == 2.0  # 8 / 4
    # B bought once at E1 and once at E2: a repeat buyer of the region, not of either store.
    assert october["memberRepurchaseRate"]["value"] == 1.0
    assert got == await report(api, "ops", region="EAST")


async def test_the_chain_counts_a_store_s_months_in_its_own_time_zone(api: Api) -> None:
    got = await report(api, "ops")
    october, november = got["months"]
    assert got["storeCount"] == 3
    assert (october["receipts"], november["receipts"]) == (5, 1)  # W1's sale is October's
    assert october["averageTicketCents"]["value"] == 2120.0  # 10600 / 5
    assert october["itemsPerBasket"]["value"] == 1.8  # 9 / 5
    w1 = await report(api, "sm.w1", store="W1")
    assert [m["receipts"] for m in w1["months"]] == [1, 0]
    assert w1["months"][1]["averageTicketCents"] == fig(None)  # no receipts, no baseline


async def test_a_store_manager_sees_their_store_only(api: Api) -> None:
    assert (await report(api, "sm.e1"))["storeCount"] == 1
    for variables in ({"store": "W1"}, {"region": "EAST"}):
        result = await api.gql(KPIS, OCT_NOV | variables, token=await api.token_for("sm.e1"))
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", variables
    result = await api.gql(KPIS, OCT_NOV | {"store": "W1"}, token=await api.token_for("rm.east"))
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Complaint handlers hold no sales figures at all.
    result = await api.gql(KPIS, OCT_NOV, token=await api.token_for("handler.east"))
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


BAD_INPUT = [
    ({"from": "2026-11-01", "to": "2026-10-31"}, "BAD_USER_INPUT"),  # ends before it starts
    ({"from": "2025-01-01", "to": "2027-01-01"}, "BAD_USER_INPUT"),  # 25 months
    ({"store": "E1", "region": "EAST"}, "BAD_USER_INPUT"),
    ({"store": "NOPE"}, "NOT_FOUND"),
    ({"region": "NOPE"}, "NOT_FOUND"),
]


async def test_bad_input_is_refused(api: Api) -> None:
    token = await api.token_for("ops")
    for variables, code in BAD_INPUT:
        result = await api.gql(KPIS, OCT_NOV | variables, token=token)
        assert result["data"] is None, variables
        assert result["errors"][0]["extensions"]["code"] == code, variables
