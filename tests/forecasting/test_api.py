"""coverWarnings and demandForecast through GraphQL: scoped per role through the store scope,
paged by cursor, and bad input (unknown store, SKU or region, both or neither place, a period
that ends before it starts, an oversized page) refused with its code."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from api.config import Settings
from api.worker import JOBS, run_jobs
from db.engine import create_session_factory
from tests.conftest import Api
from tests.forecasting.scenario import build

WARNINGS = """
query($store: String, $region: String, $first: Int, $after: String) {
  coverWarnings(storeCode: $store, regionCode: $region, first: $first, after: $after) {
    edges { cursor node { store { code } product { sku } onHand daysOfCover neededDays
                          suggestedQuantity hotDays } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

FORECAST = """
query($sku: String!, $store: String, $region: String, $from: Date, $to: Date) {
  demandForecast(sku: $sku, storeCode: $store, regionCode: $region, from: $from, to: $to) {
    day units weatherFactor
  }
}
"""


async def seed_warnings(api: Api) -> None:
    """One warning per store (E1, E2 in EAST; W1 in WEST), written as the job would."""
    async with create_session_factory(api.engine)() as s, s.begin():
        await s.execute(
            text(
                "INSERT INTO cover_warning (store_id, product_id, on_hand, in_transit,"
                " daily_demand, days_of_cover, needed_days, suggested_quantity, target_units,"
                " hot_days, first_day)"
                " SELECT s.id, p.id, 5, 0, 5.0, 1.0, 3, 45, 50, 0, DATE '2026-07-01'"
                " FROM store s, product p WHERE p.sku = 'SKU-CORE-2'"
            )
        )


def codes(data: dict) -> list[str]:
    return [e["node"]["store"]["code"] for e in data["coverWarnings"]["edges"]]


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("ops", ["E1", "E2", "W1"]),
        ("admin", ["E1", "E2", "W1"]),
        ("rm.east", ["E1", "E2"]),
        ("sm.e1", ["E1"]),
        ("clerk.e2", ["E2"]),
        ("sm.w1", ["W1"]),
    ],
)
async def test_each_role_sees_the_warnings_of_its_scope(
    api: Api, username: str, expected: list[str]
) -> None:
    await seed_warnings(api)
    token = await api.token_for(username)
    assert codes(await api.data(WARNINGS, token=token)) == expected


async def test_a_store_or_region_outside_the_scope_is_forbidden(api: Api) -> None:
    await seed_warnings(api)
    sm = await api.token_for("sm.e1")
    rm = await api.token_for("rm.east")
    for token, variables in ((sm, {"store": "W1"}), (sm, {"region": "EAST"}),
                             (rm, {"region": "WEST"}), (rm, {"store": "W1"})):  # fmt: skip
        result = await api.gql(WARNINGS, variables, token=token)
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", variables
    assert codes(await api.data(WARNINGS, {"region": "EAST"}, token=rm)) == ["E1", "E2"]
    assert codes(await api.data(WARNINGS, {"store": "E2"}, token=rm)) == ["E2"]


async def test_pages_follow_the_cursor(api: Api) -> None:
    await seed_warnings(api)
    token = await api.token_for("ops")
    first = (await api.data(WARNINGS, {"first": 2}, token=token))["coverWarnings"]
    assert [e["node"]["store"]["code"] for e in first["edges"]] == ["E1", "E2"]
    assert first["pageInfo"]["hasNextPage"]
    rest = await api.data(WARNINGS, {"first": 2, "after": first["pageInfo"]["endCursor"]},
                          token=token)  # fmt: skip
    assert codes(rest) == ["W1"] and not rest["coverWarnings"]["pageInfo"]["hasNextPage"]


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (WARNINGS, {"store": "X9"}, "NOT_FOUND"),
        (WARNINGS, {"region": "NOWHERE"}, "NOT_FOUND"),
        (WARNINGS, {"store": "E1", "region": "EAST"}, "BAD_USER_INPUT"),
        (WARNINGS, {"first": 101}, "BAD_USER_INPUT"),
        (WARNINGS, {"after": "bm90IGEgY3Vyc29y"}, "BAD_USER_INPUT"),
        (FORECAST, {"sku": "SKU-CORE-1", "store": "X9"}, "NOT_FOUND"),
        (FORECAST, {"sku": "NO-SUCH-SKU", "store": "E1"}, "NOT_FOUND"),
        (FORECAST, {"sku": "SKU-CORE-1"}, "BAD_USER_INPUT"),
        (FORECAST, {"sku": "SKU-CORE-1", "store": "E1", "region": "EAST"}, "BAD_USER_INPUT"),
        (
            FORECAST,
            {"sku": "SKU-CORE-1", "store": "E1", "from": "2026-07-10", "to": "2026-07-01"},
            "BAD_USER_INPUT",
        ),
    ],
)
async def test_bad_input_is_refused(api: Api, query: str, variables: dict, code: str) -> None:
    token = await api.token_for("ops")
    result = await api.gql(query, variables, token=token)
    assert result["errors"][0]["extensions"]["code"] == code, result


async def test_signed_out_callers_get_nothing(api: Api) -> None:
    result = await api.gql(WARNINGS)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_worker_then_the_api_the_hot_stores_forecast_and_district(api: Api) -> None:
    sessions = create_session_factory(api.engine)
    async with sessions() as s, s.begin():
        c = await build(s)
    settings = Settings(database_url=api.url, forecast_history_days=28)
    job = next(j for j in JOBS if j.name == "demand_forecast")
    await run_jobs(sessions, settings, (job,))
    token = await api.token_for("rm.east")
    data = await api.data(WARNINGS, {"region": "EAST"}, token=token)
    [edge] = data["coverWarnings"]["edges"]
    assert (edge["node"]["store"]["code"], edge["node"]["product"]["sku"]) == ("E1", "SKU-CORE-1")
    assert edge["node"]["hotDays"] == 3
    days = (
        await api.data(
            FORECAST,
            {"sku": "SKU-CORE-1", "region": "EAST", "from": str(c.today),
             "to": str(c.today + timedelta(days=3))},
            token=token,
        )
    )["demandForecast"]  # fmt: skip
    # The district is E1 alone (E2 sold none): three hot days at 1.5, then a cool one.
    assert [d["weatherFactor"] for d in days] == [1.5, 1.5, 1.5, 1.0]
    assert [date.fromisoformat(d["day"]) for d in days] == [
        c.today + timedelta(days=h) for h in range(4)
    ]
    assert 14 < days[0]["units"] < 16.5 and 9 < days[3]["units"] < 11
