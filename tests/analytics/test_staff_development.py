"""Staff performance per clerk month (ratings, attendance), training alerts at the bottom of a
store type three months running with the manager's plan task, and the case library.

Ledgers: at E1 (BUSINESS_DISTRICT, the type's only store) clerk.e1 takes 100, 200 and 300
cents in August, September and October 2026, sm.e1 1000 each month: clerk.e1 is the type's
bottom three months running. In October clerk.e1's receipts are rated 8 and 10, and they start
two shifts on two days, one 30 minutes after its window opened. clerk.e2 is alone in SCHOOL:
nobody's bottom.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from api.domain.analytics.rebuild import rebuild_rollups
from db.engine import create_session_factory
from tests.analytics.ledgers import Ledgers
from tests.conftest import Api, running_api

CST = timezone(timedelta(hours=8))
REVIEW = """mutation($m: Date!) { reviewTraining(month: $m) {
  trainingTasks { id month reason status store { code } clerk { username } } } }"""
TASKS = """query($store: String, $open: Boolean) { trainingTasks(storeCode: $store, openOnly: $open) {
  edges { node { id status note doneBy { username } clerk { username } } } } }"""
COMPLETE = """mutation($i: CompleteTrainingTaskInput!) { completeTrainingTask(input: $i) {
  trainingTask { status note doneBy { username } } } }"""
RANKING = """query($m: Date!, $store: String) { staffRanking(month: $m, storeCode: $store) {
  edges { node { staff { username } receipts revenueCents ratings averageRating daysOnDuty
    lateStarts shifts } } } }"""
PUBLISH = """mutation($i: PublishGoodPracticeInput!) { publishGoodPractice(input: $i) {
  goodPractice { id title body store { code } clerk { username } publishedBy { username } } } }"""
LIBRARY = """query($first: Int, $after: String) { goodPractices(first: $first, after: $after) {
  edges { cursor node { title } } pageInfo { hasNextPage } } }"""


def on(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CST)


@pytest.fixture
async def api(org_db: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(org_db, data_dir=tmp_path) as a:
        async with create_session_factory(a.engine)() as s, s.begin():
            led = await Ledgers(s).load()
            for month, cents in ((8, 100), (9, 200), (10, 300)):
                await led.sale("E1", "clerk.e1", on(month, 5), cents, 1)
                await led.sale("E1", "sm.e1", on(month, 6), 1000, 1)
                await led.sale("E2", "clerk.e2", on(month, 7), 50, 1)
            await led.answer("E1", 8, on(10, 5, 13), clerk="clerk.e1")
            await led.answer("E1", 10, on(10, 5, 14), clerk="clerk.e1")
            await led.answer("E1", 2, on(10, 6, 14), clerk="sm.e1")
            await led.shift("E1", "clerk.e1", on(10, 5, 8), 8)
            await led.shift("E1", "clerk.e1", on(10, 6, 8), 4)
            await s.execute(
                text(
                    "UPDATE shift SET window_start = started_at - interval '30 minutes'"
                    " WHERE started_at = :at"
                ),
                {"at": on(10, 6, 8)},
            )
            await rebuild_rollups(s)
        yield a


def code_of(result: dict[str, Any]) -> str:
    code: str = result["errors"][0]["extensions"]["code"]
    return code


async def test_a_clerk_month_has_ratings_and_attendance(api: Api) -> None:
    data = await api.data(
        RANKING, {"m": "2026-10-01", "store": "E1"}, token=await api.token_for("sm.e1")
    )
    rows = [e["node"] for e in data["staffRanking"]["edges"]]
    assert rows == [
        {
            "staff": {"username": "sm.e1"},
            "receipts": 1,
            "revenueCents": 1000,
            "ratings": 1,
            "averageRating": 2.0,
            "daysOnDuty": 0,
            "lateStarts": 0,
            "shifts": 0,
        },
        {
            "staff": {"username": "clerk.e1"},
            "receipts": 1,
            "revenueCents": 300,
            "ratings": 2,
            "averageRating": 9.0,  # (8 + 10) / 2
            "daysOnDuty": 2,
            "lateStarts": 1,
            "shifts": 2,
        },
    ]


async def test_bottom_three_months_raises_one_alert_and_a_task_the_manager_closes(
    api: Api,
) -> None:
    ops = await api.token_for("ops")
    assert (
        code_of(await api.gql(REVIEW, {"m": "2026-10-01"}, token=await api.token_for("sm.e1")))
        == "FORBIDDEN"
    )
    assert (await api.data(REVIEW, {"m": "2026-09-01"}, token=ops))["reviewTraining"] == {
        "trainingTasks": []  # July had no sales: not three months yet
    }
    raised = (await api.data(REVIEW, {"m": "2026-10-20"}, token=ops))["reviewTraining"]
    [task] = raised["trainingTasks"]
    assert task["month"] == "2026-10-01" and task["status"] == "OPEN"
    assert (task["store"], task["clerk"]) == ({"code": "E1"}, {"username": "clerk.e1"})
    assert task["reason"] == (
        "Lowest takings of every BUSINESS_DISTRICT clerk 3 months running "
        "(2026-08 to 2026-10: 1.00, 2.00, 3.00 yuan)"
    )
    again = await api.data(REVIEW, {"m": "2026-10-01"}, token=ops)
    assert again["reviewTraining"]["trainingTasks"] == []  # once per clerk and month
    async with api.engine.connect() as conn:
        events = (await conn.execute(text("SELECT kind, payload FROM event ORDER BY id"))).all()
    assert [(k, p["clerk"], p["month"]) for k, p in events] == [
        ("TRAINING_ALERT_RAISED", "clerk.e1", "2026-10")
    ]

    manager = await api.token_for("sm.e1")
    listed = await api.data(TASKS, {"open": True}, token=manager)
    assert [e["node"]["id"] for e in listed["trainingTasks"]["edges"]] == [task["id"]]
    other = await api.data(TASKS, {}, token=await api.token_for("sm.w1"))
    assert other["trainingTasks"]["edges"] == []
    done = {"taskId": task["id"], "note": " Paired with sm.e1 for a week "}
    assert (
        code_of(await api.gql(COMPLETE, {"i": done}, token=await api.token_for("sm.w1")))
        == "NOT_FOUND"
    )
    assert (
        code_of(await api.gql(COMPLETE, {"i": done}, token=await api.token_for("clerk.e1")))
        == "FORBIDDEN"
    )
    assert (
        code_of(await api.gql(COMPLETE, {"i": {**done, "note": "x" * 1001}}, token=manager))
        == "BAD_USER_INPUT"
    )
    got = (await api.data(COMPLETE, {"i": done}, token=manager))["completeTrainingTask"]
    assert got["trainingTask"] == {
        "status": "DONE",
        "note": "Paired with sm.e1 for a week",
        "doneBy": {"username": "sm.e1"},
    }
    assert code_of(await api.gql(COMPLETE, {"i": done}, token=manager)) == "CONFLICT"
    assert (await api.data(TASKS, {"open": True}, token=manager))["trainingTasks"]["edges"] == []


async def test_managers_publish_good_practice_to_the_chain_wide_library(api: Api) -> None:
    manager = await api.token_for("sm.e1")
    case = {
        "storeCode": "E1",
        "clerkUsername": "clerk.e1",
        "title": " Offer the card with the change ",
        "body": "Ask once, card ready.",
    }
    bad = [
        ({**case, "title": "  "}, manager, "BAD_USER_INPUT"),
        ({**case, "body": "x" * 4001}, manager, "BAD_USER_INPUT"),
        ({**case, "clerkUsername": "clerk.w1"}, manager, "NOT_FOUND"),  # not of E1
        ({**case, "storeCode": "W1"}, manager, "FORBIDDEN"),
        ({**case, "storeCode": "NOPE"}, manager, "NOT_FOUND"),
        (case, await api.token_for("clerk.e1"), "FORBIDDEN"),  # clerks do not publish
    ]
    for variables, token, code in bad:
        assert code_of(await api.gql(PUBLISH, {"i": variables}, token=token)) == code, variables
    first = (await api.data(PUBLISH, {"i": case}, token=manager))["publishGoodPractice"]
    assert {k: v for k, v in first["goodPractice"].items() if k != "id"} == {
        "title": "Offer the card with the change",
        "body": "Ask once, card ready.",
        "store": {"code": "E1"},
        "clerk": {"username": "clerk.e1"},
        "publishedBy": {"username": "sm.e1"},
    }
    second = {**case, "title": "Face the shelves at 15:00"}
    await api.data(PUBLISH, {"i": second}, token=await api.token_for("rm.east"))
    reader = await api.token_for("clerk.w1")  # another region: the library is chain-wide
    page = (await api.data(LIBRARY, {"first": 1}, token=reader))["goodPractices"]
    assert [e["node"]["title"] for e in page["edges"]] == ["Face the shelves at 15:00"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await api.data(LIBRARY, {"first": 1, "after": page["edges"][0]["cursor"]}, token=reader)
    assert [e["node"]["title"] for e in rest["goodPractices"]["edges"]] == [
        "Offer the card with the change"
    ]
    assert code_of(await api.gql(LIBRARY, {"first": 101}, token=reader)) == "BAD_USER_INPUT"
