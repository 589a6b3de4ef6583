"""HQ's standards report on a constructed history (store-local days, late and missing
handovers, missed items), the photos of a store's day, and statement counts for pages."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.shifts.helpers import COMPLETE, create_template, sql, start, upload_photo

REPORT = """query($from: Date!, $to: Date!, $region: String, $store: String, $first: Int) {
  standardsReport(from: $from, to: $to, regionCode: $region, storeCode: $store, first: $first) {
    edges { node { store { code } shifts handoversCompleted completionRate late missing
                   missedItems { text times } } } } }"""
DAY_PHOTOS = """query($store: String!, $date: Date!, $after: String) {
  storeDayPhotos(storeCode: $store, date: $date, first: 1, after: $after) {
    edges { node { photo { id url } subject subjectId detail attachedBy } }
    pageInfo { hasNextPage endCursor } } }"""
SHIFTS = """query($store: String) { shifts(storeCode: $store, first: 100) {
  edges { node { id clerk store { code region { code } } summary { salesCount }
    items { text done photos { id } } } } } }"""

INSERT_SHIFT = """
  INSERT INTO shift (store_id, clerk_id, kind, status, started_at, window_start, window_end,
                     ended_at, accepted_at, todos)
  SELECT s.id, c.id, :kind, CAST(:status AS text), CAST(:started AS timestamptz),
         CAST(:opens AS timestamptz), CAST(:closes AS timestamptz), CAST(:ended AS timestamptz),
         CASE WHEN CAST(:status AS text) = 'ACCEPTED' THEN CAST(:ended AS timestamptz) END, '{}'
    FROM store s, staff c WHERE s.code = :store AND c.username = :clerk
  RETURNING id
"""
INSERT_ITEM = """
  INSERT INTO shift_item (store_id, shift_id, item_id, template_version_id, position, text,
                          requires_photo, requires_note, done_at)
  SELECT :store_id, :shift_id, i.id, i.version_id, i.position, i.text, i.requires_photo,
         i.requires_note, CAST(:done AS timestamptz)
    FROM checklist_item i
    JOIN checklist_template_version v ON v.id = i.version_id
    JOIN checklist_template t ON t.id = v.template_id
   WHERE i.text = :text AND t.code = 'OPENING-STD'
"""


async def shift(api: Api, store: str, clerk: str, **values: Any) -> int:
    params = {"kind": "OPENING", "status": "OPEN", "ended": None} | values
    [(shift_id,)] = await sql(api, INSERT_SHIFT, store=store, clerk=clerk, **params)
    return int(shift_id)


async def item(api: Api, store: str, shift_id: int, text: str, done: str | None) -> None:
    [(store_id,)] = await sql(api, "SELECT id FROM store WHERE code = :c", c=store)
    await sql(api, INSERT_ITEM, store_id=store_id, shift_id=shift_id, text=text, done=done)


async def history(api: Api) -> None:
    """2026-11-20 at E1 (Shanghai): on time, late, missing; W1 (Urumqi) and E2 across midnight."""
    await create_template(api)
    on_time = await shift(
        api,
        "E1",
        "clerk.e1",
        status="ACCEPTED",
        started="2026-11-20T06:05+08",
        opens="2026-11-20T06:00+08",
        closes="2026-11-20T14:00+08",
        ended="2026-11-20T14:20+08",  # within the 30 minutes' grace
    )
    await item(api, "E1", on_time, "Floor swept", "2026-11-20T13:00+08")
    late = await shift(
        api,
        "E1",
        "sm.e1",
        kind="CLOSING",
        status="HANDED_OVER",
        started="2026-11-20T14:00+08",
        opens="2026-11-20T14:00+08",
        closes="2026-11-20T22:30+08",
        ended="2026-11-20T23:30+08",
    )
    await item(api, "E1", late, "Promotion poster up", "2026-11-20T23:20+08")  # after 23:00
    await item(api, "E1", late, "Floor swept", "2026-11-20T20:00+08")
    missing = await shift(
        api,
        "E1",
        "clerk.e1",
        kind="MIDDAY",
        started="2026-11-20T10:00+08",
        opens="2026-11-20T10:00+08",
        closes="2026-11-20T18:00+08",
    )
    await item(api, "E1", missing, "Promotion poster up", None)
    await item(api, "E1", missing, "Floor swept", "2026-11-20T12:00+08")
    await item(api, "E1", missing, "Shelf facing done", None)
    # 2026-11-20T17:30Z is 23:30 on the 20th in Urumqi but 01:30 on the 21st in Shanghai.
    await shift(
        api,
        "W1",
        "clerk.w1",
        kind="CLOSING",
        started="2026-11-20T17:30Z",
        opens="2026-11-20T14:00+06",
        closes="2026-11-20T22:30+06",
    )
    await shift(
        api,
        "E2",
        "clerk.e2",
        started="2026-11-20T17:30Z",
        opens="2026-11-21T06:00+08",
        closes="2026-11-21T14:00+08",
    )


def rows(data: dict) -> dict[str, dict]:
    return {e["node"]["store"]["code"]: e["node"] for e in data["standardsReport"]["edges"]}


async def test_report_per_store_on_store_local_days(api: Api) -> None:
    await history(api)
    ops = await api.token_for("ops")
    day = await api.data(REPORT, {"from": "2026-11-20", "to": "2026-11-20"}, token=ops)
    report = rows(day)
    assert list(report) == ["E1", "E2", "W1"]
    e1 = report["E1"]
    assert (e1["shifts"], e1["handoversCompleted"], e1["late"], e1["missing"]) == (3, 2, 1, 1)
    assert e1["completionRate"] == 2 / 3
    assert e1["missedItems"] == [
        {"text": "Promotion poster up", "times": 2},  # undone on the missing, late on the late
        {"text": "Shelf facing done", "times": 1},
    ]
    assert (report["W1"]["shifts"], report["W1"]["missing"]) == (1, 1)
    assert report["W1"]["completionRate"] == 0
    assert (report["E2"]["shifts"], report["E2"]["completionRate"]) == (0, None)

    next_day = rows(await api.data(REPORT, {"from": "2026-11-21", "to": "2026-11-21"}, token=ops))
    assert (next_day["E2"]["shifts"], next_day["W1"]["shifts"], next_day["E1"]["shifts"]) == (
        1,
        0,
        0,
    )

    # Scoped: the region manager of EAST sees EAST stores only; a region filter narrows HQ's.
    rm = rows(
        await api.data(
            REPORT, {"from": "2026-11-20", "to": "2026-11-20"}, token=await api.token_for("rm.east")
        )
    )
    assert list(rm) == ["E1", "E2"]
    west = rows(
        await api.data(
            REPORT, {"from": "2026-11-20", "to": "2026-11-20", "region": "WEST"}, token=ops
        )
    )
    assert list(west) == ["W1"]
    refused = await api.gql(
        REPORT,
        {"from": "2026-11-20", "to": "2026-11-20", "store": "W1"},
        token=await api.token_for("rm.east"),
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    backwards = await api.gql(REPORT, {"from": "2026-11-21", "to": "2026-11-20"}, token=ops)
    assert backwards["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_photos_of_a_store_local_day(api: Api) -> None:
    await create_template(api, items=[{"text": "Shelf facing done", "requiresPhoto": True}])
    clerk = await api.token_for("clerk.w1")
    started = await start(api, "clerk.w1", store="W1")
    photos = [await upload_photo(api, clerk, colour=(i * 40, 10, 10)) for i in (1, 2)]
    item_id = started["items"][0]["itemId"]
    await api.data(
        COMPLETE,
        {"input": {"shiftId": started["id"], "items": [{"itemId": item_id, "photoIds": photos}]}},
        token=clerk,
    )
    # Attached at 23:30 Urumqi time on the 20th (01:30 on the 21st in Shanghai).
    await sql(api, "UPDATE photo_attachment SET attached_at = '2026-11-20T17:30Z'")
    ops = await api.token_for("ops")
    first = await api.data(DAY_PHOTOS, {"store": "W1", "date": "2026-11-20"}, token=ops)
    page = first["storeDayPhotos"]
    assert page["pageInfo"]["hasNextPage"] is True
    second = await api.data(
        DAY_PHOTOS,
        {"store": "W1", "date": "2026-11-20", "after": page["pageInfo"]["endCursor"]},
        token=ops,
    )
    nodes = [e["node"] for e in page["edges"] + second["storeDayPhotos"]["edges"]]
    assert second["storeDayPhotos"]["pageInfo"]["hasNextPage"] is False
    assert sorted(n["photo"]["id"] for n in nodes) == sorted(photos)
    assert {(n["subject"], n["subjectId"], n["detail"], n["attachedBy"]) for n in nodes} == {
        ("SHIFT", started["id"], item_id, "clerk.w1")
    }
    none = await api.data(DAY_PHOTOS, {"store": "W1", "date": "2026-11-21"}, token=ops)
    assert none["storeDayPhotos"]["edges"] == []
    outside = await api.gql(
        DAY_PHOTOS, {"store": "W1", "date": "2026-11-20"}, token=await api.token_for("rm.east")
    )
    assert outside["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_pages_cost_a_fixed_number_of_statements(api: Api) -> None:
    await create_template(
        api, code="PHOTO-STD", items=[{"text": "Shelf facing done", "requiresPhoto": True}]
    )
    for username, store in (("clerk.e1", "E1"), ("clerk.e2", "E2"), ("sm.e1", "E1")):
        token = await api.token_for(username)
        started = await start(api, username, store=store)
        photo = await upload_photo(api, token)
        await api.data(
            COMPLETE,
            {
                "input": {
                    "shiftId": started["id"],
                    "items": [{"itemId": started["items"][0]["itemId"], "photoIds": [photo]}],
                }
            },
            token=token,
        )
    ops = await api.token_for("ops")
    with api.count_sql() as one_store:
        data = await api.data(SHIFTS, {"store": "E2"}, token=ops)
    assert len(data["shifts"]["edges"]) == 1
    with api.count_sql() as all_stores:
        data = await api.data(SHIFTS, {"store": None}, token=ops)
    assert len(data["shifts"]["edges"]) == 3
    assert all(len(e["node"]["items"][0]["photos"]) == 1 for e in data["shifts"]["edges"])
    # Token check, shifts, items, photos, stores, regions: the same for one shift or three.
    assert len(all_stores) <= len(one_store) <= 7, all_stores

    await history(api)
    with api.count_sql() as report:
        await api.data(REPORT, {"from": "2026-11-20", "to": "2026-11-21"}, token=ops)
    with api.count_sql() as one:
        await api.data(REPORT, {"from": "2026-11-20", "to": "2026-11-21", "store": "E1"}, token=ops)
    assert len(report) <= len(one) and len(report) <= 6, report
