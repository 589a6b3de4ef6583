"""Proof of execution: poster photos through POST /photos and a briefing record per store, due
by store-local midnight the day before the start; late and missing flagged to HQ; what a store
still owes is a must-do on its open shifts."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import Api
from tests.promotions.helpers import TODAY, count, create, day, errors_of
from tests.shifts.helpers import upload_photo

EXECUTION = """query($id: ID!) {
  promotionExecution(promotionId: $id) {
    promotionId storeCode dueAt posterPhotos briefedBy briefed briefedAt doneAt status
  }
}"""
FIELDS = "evidence { storeCode posterPhotos briefedBy briefed status }"
POSTERS = f"""mutation($input: AttachPromotionPostersInput!) {{
  attachPromotionPosters(input: $input) {{ {FIELDS} }} }}"""
BRIEFING = f"""mutation($input: RecordPromotionBriefingInput!) {{
  recordPromotionBriefing(input: $input) {{ {FIELDS} }} }}"""
START_SHIFT = """mutation($input: StartShiftInput!) {
  startShift(input: $input) { shift { promotionMustDos { promotionId storeCode status } } } }"""


async def execution(api: Api, promotion_id: str, username: str = "ops") -> dict[str, Any]:
    data = await api.data(EXECUTION, {"id": promotion_id}, token=await api.token_for(username))
    return {e["storeCode"]: e for e in data["promotionExecution"]}


async def posters(api: Api, promotion_id: str, username: str = "clerk.e1", **more: Any) -> Any:
    token = await api.token_for(username)
    photo = await upload_photo(api, token)
    payload = {"promotionId": promotion_id, "storeCode": "E1", "photoIds": [photo], **more}
    return await api.gql(POSTERS, {"input": payload}, token=token)


async def briefing(api: Api, promotion_id: str, username: str = "sm.e1", **more: Any) -> Any:
    payload = {
        "promotionId": promotion_id,
        "storeCode": "E1",
        "briefedUsernames": ["sm.e1", "clerk.e1"],
        "note": "海报已贴, 话术已讲",
        **more,
    }
    return await api.gql(BRIEFING, {"input": payload}, token=await api.token_for(username))


async def test_evidence_by_the_deadline_is_done(api: Api) -> None:
    promotion = await create(api, window={"startDate": day(3), "endDate": day(7)})
    before = await execution(api, promotion["id"])
    assert sorted(before) == ["E1", "E2"]
    # Due at Shanghai midnight at the start of the day before the start: day(2) 00:00 +08:00.
    due = datetime.combine(TODAY + timedelta(days=2), time.min, ZoneInfo("Asia/Shanghai"))
    assert datetime.fromisoformat(before["E1"]["dueAt"]) == due
    assert [(e["status"], e["posterPhotos"]) for e in before.values()] == [("PENDING", 0)] * 2
    attached = await posters(api, promotion["id"], idempotencyKey="poster-1")
    assert attached["data"]["attachPromotionPosters"]["evidence"] == {
        "storeCode": "E1",
        "posterPhotos": 1,
        "briefedBy": None,
        "briefed": [],
        "status": "PENDING",  # a briefing is still owed
    }
    briefed = (await briefing(api, promotion["id"]))["data"]["recordPromotionBriefing"]
    assert briefed["evidence"] == {
        "storeCode": "E1",
        "posterPhotos": 1,
        "briefedBy": "sm.e1",
        "briefed": ["clerk.e1", "sm.e1"],
        "status": "DONE",
    }
    after = await execution(api, promotion["id"], "rm.east")
    assert (after["E1"]["status"], after["E2"]["status"]) == ("DONE", "PENDING")
    assert after["E1"]["doneAt"] is not None
    # E2 still owes it: a must-do on its clerk's shift; E1 owes nothing.
    e2_shift = await api.data(
        START_SHIFT,
        {"input": {"storeCode": "E2", "kind": "OPENING"}},
        token=await api.token_for("clerk.e2"),
    )
    assert e2_shift["startShift"]["shift"]["promotionMustDos"] == [
        {"promotionId": promotion["id"], "storeCode": "E2", "status": "PENDING"}
    ]
    e1_shift = await api.data(
        START_SHIFT,
        {"input": {"storeCode": "E1", "kind": "OPENING"}},
        token=await api.token_for("clerk.e1"),
    )
    assert e1_shift["startShift"]["shift"]["promotionMustDos"] == []
    # A clerk sees only their own store.
    assert sorted(await execution(api, promotion["id"], "clerk.e1")) == ["E1"]


async def test_past_the_deadline_missing_then_late(api: Api) -> None:
    promotion = await create(api, window={"startDate": day(-1), "endDate": day(7)})
    assert (await execution(api, promotion["id"]))["E1"]["status"] == "MISSING"
    await posters(api, promotion["id"])
    assert (await execution(api, promotion["id"]))["E1"]["status"] == "MISSING"
    await briefing(api, promotion["id"])
    assert (await execution(api, promotion["id"]))["E1"]["status"] == "LATE"


async def test_bad_evidence_is_refused_with_nothing_written(api: Api) -> None:
    promotion = await create(api, window={"startDate": day(3), "endDate": day(7)})
    # W1's staff is not E1's; nobody twice; someone else's photo; outside the clerk's scope.
    result = await briefing(api, promotion["id"], briefedUsernames=["clerk.w1", "nobody"])
    code, _, problems = errors_of(result)
    assert code == "BAD_USER_INPUT"
    assert problems == [
        "briefedUsernames[0]: 'clerk.w1' is not staff of E1",
        "briefedUsernames[1]: 'nobody' is not staff of E1",
    ]
    other = await upload_photo(api, await api.token_for("sm.e1"))
    stolen = await api.gql(
        POSTERS,
        {"input": {"promotionId": promotion["id"], "storeCode": "E1", "photoIds": [other]}},
        token=await api.token_for("clerk.e1"),
    )
    assert errors_of(stolen)[:2] == ("BAD_USER_INPUT", "UNKNOWN_PHOTOS")
    outside = await posters(api, promotion["id"], "clerk.w1")
    assert errors_of(outside)[0] == "FORBIDDEN"
    not_there = await create(
        api,
        window={"startDate": day(3), "endDate": day(7)},
        regionCodes=["WEST"],
        skus=["SKU-CORE-2"],
    )
    assert errors_of(await briefing(api, not_there["id"]))[0] == "NOT_FOUND"
    assert await count(api, "promotion_briefing") == 0
    assert await count(api, "photo_attachment") == 0
