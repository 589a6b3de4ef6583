"""Compensation (a replacement collected once, a coupon) on the member card, statistics on a
constructed scenario, and statement counts for the complaints page and the member card."""

from __future__ import annotations

from typing import Any

from tests.complaints.helpers import (
    LIST,
    RESOLVE,
    START,
    add_staff,
    code_of,
    enrol_member,
    filed,
    move,
    scalar,
    sql,
)
from tests.conftest import Api, row_id
from tests.members.conftest import assert_no_phone

CARD = """query($id: ID!) { member(id: $id) { displayName phoneMasked
  openComplaints { id status store { code } assignee { username } }
  coupons { valueCents expiresAt complaintId }
  pendingPickups { id status quantity product { sku } store { code } complaintId } } }"""
COLLECT = """mutation($input: CollectReplacementInput!) {
  collectReplacement(input: $input) { pickup { id status collectedAt store { code } } } }"""
STATS = """query($from: DateTime!, $to: DateTime!, $region: String, $store: String) {
  complaintStats(from: $from, to: $to, regionCode: $region, storeCode: $store) {
    stores { store { code } region { code } count firstResponseBreachRate resolutionBreachRate
             resolved handlingMinutesP50 handlingMinutesP90 }
    regions { store { code } region { code } count firstResponseBreachRate
              resolutionBreachRate resolved handlingMinutesP50 handlingMinutesP90 } } }"""
PAGE = """query { complaints(first: 50) { edges { node {
  id status store { code region { code } } assignee { username } filedBy { username }
  member { displayName } timeline { kind actor { username } assignee { username } }
  photos { id } messages { body } pickups { quantity store { code } } } } } }"""


async def resolved_with_compensation(api: Api, member: dict[str, Any], **fields: Any) -> str:
    cid: str = (await filed(api, memberCode=member["cardNumber"]))["id"]
    assert "errors" not in await move(api, START, "handler.east", cid)
    result = await move(api, RESOLVE, "handler.east", cid, resolution="Replaced", **fields)
    assert "errors" not in result, result
    return cid


async def test_a_replacement_is_collected_once_and_the_coupon_is_on_the_card(api: Api) -> None:
    member = await enrol_member(api)
    cid = await resolved_with_compensation(
        api,
        member,
        replacement={"storeCode": "E2", "sku": "SKU-CORE-1", "quantity": 2},
        couponCents=500,
    )
    still_open = (await filed(api, memberCode=member["cardNumber"]))["id"]
    card = await api.post(CARD, {"id": member["id"]}, token=await api.token_for("clerk.e1"))
    assert_no_phone(card.text)
    data = card.json()["data"]["member"]
    assert data["phoneMasked"] is None
    assert [(c["id"], c["status"]) for c in data["openComplaints"]] == [(still_open, "ASSIGNED")]
    assert [(c["valueCents"], c["complaintId"]) for c in data["coupons"]] == [(500, cid)]
    [pickup] = data["pendingPickups"]
    assert (pickup["store"]["code"], pickup["product"]["sku"], pickup["quantity"]) == (
        "E2",
        "SKU-CORE-1",
        2,
    )
    # Another store's clerk sees the pickup and coupon, but not complaints outside its scope.
    w1 = await api.data(CARD, {"id": member["id"]}, token=await api.token_for("clerk.w1"))
    assert w1["member"]["openComplaints"] == [] and len(w1["member"]["pendingPickups"]) == 1

    variables = {"input": {"pickupId": pickup["id"], "idempotencyKey": "collect-1"}}
    assert code_of(await api.gql(COLLECT, variables, token=await api.token_for("clerk.e1"))) == (
        "NOT_FOUND"
    )
    e2 = await api.token_for("clerk.e2")
    first = await api.data(COLLECT, variables, token=e2)
    replay = await api.data(COLLECT, variables, token=e2)
    assert first == replay and first["collectReplacement"]["pickup"]["status"] == "COLLECTED"
    again = await api.gql(COLLECT, {"input": {"pickupId": pickup["id"]}}, token=e2)
    assert code_of(again) == "CONFLICT"
    movements = await sql(
        api,
        "SELECT s.code, m.kind, m.quantity, m.balance_after FROM stock_movement m "
        "JOIN store s ON s.id = m.store_id WHERE m.reference_type = 'complaint_pickup'",
    )
    assert movements == [("E2", "REPLACEMENT", -2, -2)]
    assert (
        await scalar(
            api,
            "SELECT count(*) FROM complaint_timeline WHERE kind = 'REPLACEMENT_COLLECTED' "
            "AND complaint_id = :i",
            i=row_id(cid),
        )
        == 1
    )
    after = await api.data(CARD, {"id": member["id"]}, token=e2)
    assert after["member"]["pendingPickups"] == []


async def test_bad_compensation_is_refused_and_changes_nothing(api: Api) -> None:
    cid = (await filed(api))["id"]  # no member
    assert "errors" not in await move(api, START, "handler.east", cid)
    for fields in (
        {"couponCents": 500},
        {"replacement": {"storeCode": "E2", "sku": "NOPE", "quantity": 1}},
        {"replacement": {"storeCode": "E2", "sku": "SKU-CORE-1", "quantity": 0}},
    ):
        result = await move(api, RESOLVE, "handler.east", cid, resolution="x", **fields)
        assert code_of(result) == "BAD_USER_INPUT", result
    assert await sql(api, "SELECT status FROM complaint") == [("IN_PROGRESS",)]
    assert await scalar(api, "SELECT count(*) FROM complaint_pickup") == 0
    assert await scalar(api, "SELECT count(*) FROM member_coupon") == 0


async def test_stats_per_store_and_region_on_a_constructed_scenario(api: Api) -> None:
    await add_staff(api, "handler.west", "COMPLAINT_HANDLER", "WEST")
    ids = [(await filed(api))["id"] for _ in range(3)]
    ids.append((await filed(api, "clerk.e2", storeCode="E2"))["id"])
    ids.append((await filed(api, "clerk.w1", storeCode="W1"))["id"])
    # (responded after, resolved after) in minutes from filing, two days ago; None: not yet.
    plan = [(30, 120), (90, 600), (None, None), (10, 60), (10, 300)]
    for cid, (responded, resolved) in zip(ids, plan, strict=True):
        await sql(
            api,
            "UPDATE complaint SET filed_at = now() - interval '2 days', "
            "first_response_due_at = now() - interval '2 days' + interval '60 minutes', "
            "resolution_due_at = now() - interval '2 days' + interval '1440 minutes', "
            "first_responded_at = now() - interval '2 days' + make_interval(mins => :r), "
            "resolved_at = now() - interval '2 days' + make_interval(mins => :s), "
            "status = CASE WHEN CAST(:s AS int) IS NULL THEN status ELSE 'RESOLVED' END "
            "WHERE id = :i",
            i=row_id(cid),
            r=responded,
            s=resolved,
        )
    window = {
        "from": "2000-01-01T00:00:00+00:00",
        "to": "2100-01-01T00:00:00+00:00",
    }
    data = (await api.data(STATS, window, token=await api.token_for("ops")))["complaintStats"]

    def row(r: dict[str, Any]) -> tuple[Any, ...]:
        return (
            r["store"]["code"] if r["store"] else r["region"]["code"],
            r["count"],
            round(r["firstResponseBreachRate"], 4),
            round(r["resolutionBreachRate"], 4),
            r["resolved"],
            r["handlingMinutesP50"],
            r["handlingMinutesP90"],
        )

    assert [row(r) for r in data["stores"]] == [
        ("E1", 3, 0.6667, 0.3333, 2, 360.0, 552.0),
        ("E2", 1, 0.0, 0.0, 1, 60.0, 60.0),
        ("W1", 1, 0.0, 0.0, 1, 300.0, 300.0),
    ]
    assert [row(r) for r in data["regions"]] == [
        ("EAST", 4, 0.5, 0.25, 3, 120.0, 504.0),
        ("WEST", 1, 0.0, 0.0, 1, 300.0, 300.0),
    ]
    rm = await api.token_for("rm.east")
    east = (await api.data(STATS, window, token=rm))["complaintStats"]
    assert [row(r)[0] for r in east["stores"] + east["regions"]] == ["E1", "E2", "EAST"]
    one = (await api.data(STATS, {**window, "store": "E2"}, token=rm))["complaintStats"]
    assert [row(r) for r in one["regions"]] == [("EAST", 1, 0.0, 0.0, 1, 60.0, 60.0)]
    refused = await api.gql(STATS, {**window, "region": "WEST"}, token=rm)
    assert code_of(refused) == "FORBIDDEN"


async def test_the_complaints_page_and_member_card_cost_a_fixed_number_of_statements(
    api: Api,
) -> None:
    member = await enrol_member(api)
    token = await api.token_for("rm.east")

    async def page_statements() -> int:
        with api.count_sql() as statements:
            data = await api.data(PAGE, token=token)
        assert data["complaints"]["edges"]
        return len(statements)

    async def card_statements() -> int:
        with api.count_sql() as statements:
            await api.data(CARD, {"id": member["id"]}, token=token)
        return len(statements)

    async def add_one_of_each() -> None:
        await resolved_with_compensation(
            api,
            member,
            replacement={"storeCode": "E2", "sku": "SKU-CORE-2", "quantity": 1},
            couponCents=200,
        )
        await filed(api, "clerk.e2", storeCode="E2", memberCode=member["cardNumber"])

    await add_one_of_each()
    await card_statements()  # the first opening of a card also records the look-up
    small_page, small_card = await page_statements(), await card_statements()
    for _ in range(3):
        await add_one_of_each()
    assert await page_statements() == small_page
    assert await card_statements() == small_card
    assert await scalar(api, "SELECT count(*) FROM complaint") == 8
    listed = await api.data(LIST, {"first": 3}, token=token)
    assert len(listed["complaints"]["edges"]) == 3
    assert listed["complaints"]["pageInfo"]["hasNextPage"] is True
