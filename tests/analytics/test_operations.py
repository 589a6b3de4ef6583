"""trafficHeatmap and staffRanking: hand-counted cells and clerk months, paging, scope, bad
input.

The ledgers (November 2026, Shanghai time):
  E1  Mon 2 Nov 12:10 and 12:40 by clerk.e1 (1000 and 1000), Mon 9 Nov 12:20 (2000),
      Sat 7 Nov 15:00 (3000); Mon 2 Nov 09:00 by sm.e1 (500); clerk.e1 enrolled a member and
      worked 8 hours
  E2  Tue 3 Nov 10:00 by clerk.e2 (9000)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from api.domain.analytics.rebuild import rebuild_rollups
from db.engine import create_session_factory
from tests.analytics.ledgers import Ledgers
from tests.conftest import Api, running_api

CST = timezone(timedelta(hours=8))
HEATMAP = """query($store: String!, $from: Date!, $to: Date!) {
  trafficHeatmap(storeCode: $store, from: $from, to: $to) {
    weekday hour receipts receiptsPerDay units revenueCents } }"""
RANKING = """query($month: Date!, $store: String, $region: String, $first: Int, $after: String) {
  staffRanking(month: $month, storeCode: $store, regionCode: $region, first: $first,
               after: $after) {
    edges { cursor node { staff { username } store { code } receipts revenueCents
      averageTicketCents membersEnrolled enrolmentRate shifts hoursOnDuty receiptsPerHour } }
    pageInfo { hasNextPage } } }"""
TWO_WEEKS = {"store": "E1", "from": "2026-11-02", "to": "2026-11-15"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CST)


@pytest.fixture
async def api(org_db: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(org_db, data_dir=tmp_path) as a:
        async with create_session_factory(a.engine)() as s, s.begin():
            led = await Ledgers(s).load()
            await led.sale("E1", "clerk.e1", at(2, 12, 10), 1000, 1)
            await led.sale("E1", "clerk.e1", at(2, 12, 40), 1000, 2)
            await led.sale("E1", "clerk.e1", at(9, 12, 20), 2000, 1)
            await led.sale("E1", "clerk.e1", at(7, 15), 3000, 3)
            await led.sale("E1", "sm.e1", at(2, 9), 500, 1)
            await led.sale("E2", "clerk.e2", at(3, 10), 9000, 1)
            await led.member("6000000000000009", "E1", "clerk.e1", at(4, 11))
            await led.shift("E1", "clerk.e1", at(2, 8), 8)
            await rebuild_rollups(s)
        yield a


async def test_the_heatmap_counts_each_weekday_and_hour(api: Api) -> None:
    data = await api.data(HEATMAP, TWO_WEEKS, token=await api.token_for("sm.e1"))
    cells = data["trafficHeatmap"]
    assert len(cells) == 7 * 24 and (cells[0]["weekday"], cells[0]["hour"]) == (1, 0)
    busy = {(c["weekday"], c["hour"]): c for c in cells if c["receipts"]}
    assert {k: (c["receipts"], c["receiptsPerDay"], c["units"]) for k, c in busy.items()} == {
        (1, 12): (3, 1.5, 4),  # two Mondays in the period
        (1, 9): (1, 0.5, 1),
        (6, 15): (1, 0.5, 3),
    }
    assert busy[(1, 12)]["revenueCents"] == 4000


async def test_the_ranking_puts_the_highest_takings_first_and_pages(api: Api) -> None:
    token = await api.token_for("sm.e1")
    first = (
        await api.data(RANKING, {"month": "2026-11-15", "store": "E1", "first": 1}, token=token)
    )["staffRanking"]
    [edge] = first["edges"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert edge["node"] == {
        "staff": {"username": "clerk.e1"},
        "store": {"code": "E1"},
        "receipts": 4,
        "revenueCents": 7000,
        "averageTicketCents": 1750.0,
        "membersEnrolled": 1,
        "enrolmentRate": 0.25,
        "shifts": 1,
        "hoursOnDuty": 8.0,
        "receiptsPerHour": 0.5,
    }
    rest = (
        await api.data(
            RANKING,
            {"month": "2026-11-01", "store": "E1", "first": 5, "after": edge["cursor"]},
            token=token,
        )
    )["staffRanking"]
    assert [(e["node"]["staff"]["username"], e["node"]["revenueCents"]) for e in rest["edges"]] == [
        ("sm.e1", 500)
    ]
    assert rest["pageInfo"]["hasNextPage"] is False
    region = await api.data(RANKING, {"month": "2026-11-01"}, token=await api.token_for("rm.east"))
    ranked = [e["node"]["staff"]["username"] for e in region["staffRanking"]["edges"]]
    assert ranked == ["clerk.e2", "clerk.e1", "sm.e1"]
    mine = await api.data(RANKING, {"month": "2026-11-01"}, token=token)  # scope: E1 only
    assert len(mine["staffRanking"]["edges"]) == 2


async def code(api: Api, query: str, variables: dict[str, Any], user: str) -> str:
    result = await api.gql(query, variables, token=await api.token_for(user))
    assert result["data"] is None, result
    value: str = result["errors"][0]["extensions"]["code"]
    return value


async def test_scope_and_bad_input_are_refused(api: Api) -> None:
    assert await code(api, HEATMAP, TWO_WEEKS | {"store": "E2"}, "sm.e1") == "FORBIDDEN"
    assert await code(api, HEATMAP, TWO_WEEKS | {"store": "NOPE"}, "ops") == "NOT_FOUND"
    assert await code(api, HEATMAP, TWO_WEEKS | {"to": "2026-11-01"}, "ops") == "BAD_USER_INPUT"
    assert await code(api, RANKING, {"month": "2026-11-01", "region": "WEST"}, "rm.east") == (
        "FORBIDDEN"
    )
    assert await code(api, RANKING, {"month": "2026-11-01", "store": "W1"}, "clerk.e1") == (
        "FORBIDDEN"
    )
    both = {"month": "2026-11-01", "store": "E1", "region": "EAST"}
    assert await code(api, RANKING, both, "ops") == "BAD_USER_INPUT"
    assert await code(api, RANKING, {"month": "2026-11-01", "first": 101}, "ops") == (
        "BAD_USER_INPUT"
    )
