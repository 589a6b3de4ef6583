"""storeOperations: a store's week by hand (average ticket, items per basket, time on duty,
customers per duty hour, peaks with staffing suggestions, sign-ups against the chain), scoped,
bad periods refused.

E1, Monday 2026-10-05 to Sunday 2026-10-11, every receipt 1000 cents / 2 units by clerk.e1:
  Saturday 14:xx six receipts, Monday 09:xx two, Wednesday 18:xx one (9 in all)
  shifts: Monday 08:00-12:00, Saturday 14:00-16:00 (6 hours on duty)
  members enrolled: one at E1; two at E2, which served two receipts
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
OPS = """query($store: String!, $from: Date!, $to: Date!) {
  storeOperations(storeCode: $store, from: $from, to: $to) {
    receipts units revenueCents averageTicketCents itemsPerBasket hoursOnDuty
    customersPerDutyHour membersEnrolled signUpRate chainSignUpRate signUpSuggestion
    peaks { weekday hour receiptsPerDay clerksOnShiftPerDay receiptsPerClerkHour extraClerks
      suggestion } } }"""
WEEK = {"store": "E1", "from": "2026-10-05", "to": "2026-10-11"}


def on(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=CST)


@pytest.fixture
async def api(org_db: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(org_db, data_dir=tmp_path) as a:
        async with create_session_factory(a.engine)() as s, s.begin():
            led = await Ledgers(s).load()
            for minute in range(6):
                await led.sale("E1", "clerk.e1", on(10, 14, minute * 5), 1000, 2)
            await led.sale("E1", "clerk.e1", on(5, 9, 10), 1000, 2)
            await led.sale("E1", "clerk.e1", on(5, 9, 40), 1000, 2)
            await led.sale("E1", "clerk.e1", on(7, 18, 30), 1000, 2)
            await led.shift("E1", "clerk.e1", on(5, 8), 4)
            await led.shift("E1", "clerk.e1", on(10, 14), 2)
            await led.member("6000000000000001", "E1", "clerk.e1", on(6, 10))
            await led.member("6000000000000002", "E2", "clerk.e2", on(6, 11))
            await led.member("6000000000000003", "E2", "clerk.e2", on(6, 12))
            await led.sale("E2", "clerk.e2", on(6, 11), 500, 1)
            await led.sale("E2", "clerk.e2", on(6, 12), 500, 1)
            await rebuild_rollups(s)
        yield a


async def test_a_store_s_week_by_hand(api: Api) -> None:
    got = (await api.data(OPS, WEEK, token=await api.token_for("sm.e1")))["storeOperations"]
    peaks = got.pop("peaks")
    assert got == {
        "receipts": 9,
        "units": 18,
        "revenueCents": 9000,
        "averageTicketCents": 1000.0,
        "itemsPerBasket": 2.0,
        "hoursOnDuty": 6.0,
        "customersPerDutyHour": 1.5,
        "membersEnrolled": 1,
        "signUpRate": pytest.approx(1 / 9),
        "chainSignUpRate": pytest.approx(3 / 11),
        "signUpSuggestion": "E1: 11.1% of receipts signed up a member against the chain's "
        "27.3%: send a top clerk to coach",
    }
    assert peaks == [
        {
            "weekday": 6,
            "hour": 14,
            "receiptsPerDay": 6.0,
            "clerksOnShiftPerDay": 1.0,
            "receiptsPerClerkHour": 6.0,
            "extraClerks": 3,  # 6 a day at 1.5 per clerk-hour is 4 clerks: 3 more
            "suggestion": "Saturday 14:00-15:00: traffic up, 6.0 receipts a day with 1.0 "
            "clerk(s) on shift (6.0 per clerk-hour against 1.5 over the period): put 3 more "
            "clerk(s) on the tills",
        },
        {
            "weekday": 1,
            "hour": 9,
            "receiptsPerDay": 2.0,
            "clerksOnShiftPerDay": 1.0,
            "receiptsPerClerkHour": 2.0,
            "extraClerks": 0,  # 2.0 is within 1.5 x 1.5
            "suggestion": "Monday 09:00-10:00: 2.0 receipts a day with 1.0 clerk(s) on shift "
            "(2.0 per clerk-hour against 1.5 over the period): staffed",
        },
        {
            "weekday": 3,
            "hour": 18,
            "receiptsPerDay": 1.0,
            "clerksOnShiftPerDay": 0.0,
            "receiptsPerClerkHour": None,
            "extraClerks": 1,
            "suggestion": "Wednesday 18:00-19:00: 1.0 receipts a day and no clerk on shift on "
            "record: put 1 more clerk(s) on the tills",
        },
    ]


async def test_scope_and_bad_input(api: Api) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"from": "2026-10-11", "to": "2026-10-05"}, "ops", "BAD_USER_INPUT"),
        ({"from": "2025-01-01", "to": "2026-10-05"}, "ops", "BAD_USER_INPUT"),  # over 366 days
        ({"store": "NOPE"}, "ops", "NOT_FOUND"),
        ({}, "sm.w1", "FORBIDDEN"),
        ({}, "handler.east", "FORBIDDEN"),
    ]
    for variables, user, code in cases:
        result = await api.gql(OPS, WEEK | variables, token=await api.token_for(user))
        assert result["errors"][0]["extensions"]["code"] == code, (variables, user)
    region = await api.data(OPS, WEEK, token=await api.token_for("rm.east"))
    assert region["storeOperations"]["receipts"] == 9
