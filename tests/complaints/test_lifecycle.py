"""Filing, routing, every legal and illegal move, the reopen window, the append-only timeline,
scope and idempotent replays, over the real API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from api.domain import global_ids
from tests.complaints.helpers import (
    CLOSE,
    FILE,
    GET,
    LIST,
    REASSIGN,
    REOPEN,
    RESOLVE,
    START,
    add_staff,
    code_of,
    complaint_input,
    counts,
    filed,
    move,
    scalar,
    sql,
)
from tests.conftest import Api, row_id
from tests.members.conftest import ENROLL, NATIONAL, assert_no_phone, new_member

ROUTE = """mutation($input: SetComplaintRoutingInput!) {
  setComplaintRouting(input: $input) { route { region { code } category handlers { username } } } }"""


async def enrol(api: Api) -> dict[str, Any]:
    data = await api.data(ENROLL, {"input": new_member()}, token=await api.token_for("clerk.e1"))
    member: dict[str, Any] = data["enrollMember"]["member"]
    return member


async def own_photo(api: Api, username: str) -> str:
    rows = await sql(
        api,
        "INSERT INTO photo (sha256, thumbnail_sha256, content_type, width, height, byte_size, "
        "uploaded_by_id) SELECT md5(random()::text) || md5(random()::text), 'b', 'image/jpeg', "
        "4, 3, 100, id FROM staff WHERE username = :u RETURNING id",
        u=username,
    )
    return global_ids.encode("Photo", rows[0][0])


async def sale_at(api: Api, store: str, receipt: str) -> None:
    await sql(
        api,
        "INSERT INTO sale (store_id, receipt_no, sold_at, staff_id, points_redeemed, "
        "subtotal_cents, discount_cents, total_cents) SELECT s.id, :r, now(), st.id, 0, 0, 0, 0 "
        "FROM store s, staff st WHERE s.code = :s AND st.username = 'clerk.e1'",
        s=store,
        r=receipt,
    )


async def test_filing_routes_at_once_and_tells_the_customer_who_and_by_when(api: Api) -> None:
    member = await enrol(api)
    await sale_at(api, "E1", "R-100")
    photo = await own_photo(api, "clerk.e1")
    complaint = await filed(
        api, memberCode=member["cardNumber"], receiptNo="R-100", photoIds=[photo]
    )
    assert complaint["status"] == "ASSIGNED"
    assert complaint["assignee"]["username"] == "handler.east"
    assert complaint["filedBy"]["username"] == "clerk.e1"
    assert complaint["receiptNo"] == "R-100"
    filed_due = datetime.fromisoformat(complaint["firstResponseDueAt"])
    resolution_due = datetime.fromisoformat(complaint["resolutionDueAt"])
    assert resolution_due - filed_due == timedelta(hours=23)  # 24 h vs 1 h targets
    assert [(t["kind"], t["status"]) for t in complaint["timeline"]] == [
        ("FILED", "OPEN"),
        ("ASSIGNED", "ASSIGNED"),
    ]
    assigned = complaint["timeline"][1]
    assert assigned["nextStep"] == "handler.east to respond"
    assert assigned["dueBy"] == complaint["firstResponseDueAt"]
    [message] = complaint["messages"]
    assert "handler.east" in message["body"] and message["deliveredAt"] is None
    assert await sql(api, "SELECT kind, payload->>'status' FROM event ORDER BY id") == [
        ("COMPLAINT_FILED", "OPEN"),
        ("COMPLAINT_ASSIGNED", "ASSIGNED"),
    ]
    assert (
        await scalar(api, "SELECT count(*) FROM photo_attachment WHERE subject = 'COMPLAINT'") == 1
    )
    # The complaint's rows hold no digit run of the phone.
    dump = str(await sql(api, "SELECT c.*, m.* FROM complaint c, complaint_message m"))
    assert not any(NATIONAL[i : i + 6] in dump for i in range(len(NATIONAL) - 5))


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # A key that names nothing is NOT_FOUND (README, "The API"); the rest is bad input.
        ({"storeCode": "NOPE"}, "NOT_FOUND"),
        ({"category": "WEATHER"}, "BAD_USER_INPUT"),
        ({"memberCode": "8800000000000000"}, "BAD_USER_INPUT"),
        ({"memberCode": "CSM1.forged"}, "BAD_USER_INPUT"),
        ({"receiptNo": "R-AT-E2"}, "NOT_FOUND"),
        (
            {"photoIds": [global_ids.encode("Photo", "00000000-0000-4000-8000-000000000001")]},
            "BAD_USER_INPUT",
        ),
        # a bare UUID is no id
        ({"photoIds": ["00000000-0000-4000-8000-000000000001"]}, "BAD_USER_INPUT"),
        ({"photoIds": ["not-a-uuid"]}, "BAD_USER_INPUT"),
        ({"description": "   "}, "BAD_USER_INPUT"),
    ],
)
async def test_bad_filings_are_refused_and_write_nothing(
    api: Api, overrides: dict[str, Any], expected: str
) -> None:
    await sale_at(api, "E2", "R-AT-E2")
    before = await counts(api)
    result = await api.gql(
        FILE, {"input": complaint_input(**overrides)}, token=await api.token_for("clerk.e1")
    )
    assert code_of(result) == expected, result
    assert await counts(api) == before


async def test_someone_elses_photo_is_refused_and_other_stores_are_forbidden(api: Api) -> None:
    photo = await own_photo(api, "clerk.e2")
    before = await counts(api)
    token = await api.token_for("clerk.e1")
    result = await api.gql(FILE, {"input": complaint_input(photoIds=[photo])}, token=token)
    assert code_of(result) == "BAD_USER_INPUT"
    result = await api.gql(FILE, {"input": complaint_input(storeCode="W1")}, token=token)
    assert code_of(result) == "FORBIDDEN"
    assert await counts(api) == before


async def test_routing_table_then_least_loaded_handler_then_region_manager(api: Api) -> None:
    await add_staff(api, "handler.east2", "COMPLAINT_HANDLER", "EAST")
    first = await filed(api)
    second = await filed(api)
    # No routing: the least loaded handler of the region, ties to the lower id.
    assert [first["assignee"]["username"], second["assignee"]["username"]] == [
        "handler.east",
        "handler.east2",
    ]
    rm = await api.token_for("rm.east")
    data = await api.data(
        ROUTE,
        {
            "input": {
                "regionCode": "EAST",
                "category": "HYGIENE",
                "handlerUsernames": ["handler.east2"],
            }
        },
        token=rm,
    )
    assert data["setComplaintRouting"]["route"]["handlers"] == [{"username": "handler.east2"}]
    third = await filed(api, category="HYGIENE")
    assert third["assignee"]["username"] == "handler.east2"  # routed, although more loaded
    fourth = await filed(api, category="SERVICE")
    assert fourth["assignee"]["username"] == "handler.east"
    # WEST has no handler: its region manager, once there is one; else it stays OPEN.
    unassigned = await filed(api, "clerk.w1", storeCode="W1")
    assert unassigned["status"] == "OPEN" and unassigned["assignee"] is None
    await add_staff(api, "rm.west", "REGION_MANAGER", "WEST")
    assert (await filed(api, "clerk.w1", storeCode="W1"))["assignee"]["username"] == "rm.west"
    # Managers route only their own region, and only to staff who can handle it.
    await add_staff(api, "handler.west", "COMPLAINT_HANDLER", "WEST")
    bad = await api.gql(
        ROUTE,
        {
            "input": {
                "regionCode": "EAST",
                "category": "PRICE",
                "handlerUsernames": ["handler.west"],
            }
        },
        token=rm,
    )
    assert code_of(bad) == "BAD_USER_INPUT"
    other = await api.gql(
        ROUTE,
        {"input": {"regionCode": "WEST", "category": "PRICE", "handlerUsernames": []}},
        token=rm,
    )
    assert code_of(other) == "FORBIDDEN"


async def test_every_legal_move_and_each_illegal_one_is_a_conflict(api: Api) -> None:
    member = await enrol(api)
    cid = (await filed(api, memberCode=member["cardNumber"]))["id"]

    async def conflict(mutation: str, username: str, status: str, **fields: Any) -> None:
        result = await move(api, mutation, username, cid, **fields)
        assert code_of(result) == "CONFLICT", result
        assert result["errors"][0]["extensions"]["status"] == status
        assert status in result["errors"][0]["message"]

    async def ok(mutation: str, username: str, **fields: Any) -> dict[str, Any]:
        result = await move(api, mutation, username, cid, **fields)
        assert "errors" not in result, result
        complaint: dict[str, Any] = next(iter(result["data"].values()))["complaint"]
        return complaint

    await conflict(CLOSE, "handler.east", "ASSIGNED")
    await conflict(RESOLVE, "handler.east", "ASSIGNED", resolution="refund")
    await conflict(REOPEN, "clerk.e1", "ASSIGNED", reason="still bad")
    started = await ok(START, "handler.east", note="Called the customer")
    assert started["status"] == "IN_PROGRESS" and started["firstRespondedAt"]
    await conflict(START, "handler.east", "IN_PROGRESS")
    await conflict(CLOSE, "handler.east", "IN_PROGRESS")
    resolved = await ok(RESOLVE, "handler.east", resolution="Refunded the fruit")
    assert resolved["status"] == "RESOLVED" and resolved["resolution"] == "Refunded the fruit"
    await conflict(START, "handler.east", "RESOLVED")
    await conflict(RESOLVE, "handler.east", "RESOLVED", resolution="again")
    await conflict(REASSIGN, "rm.east", "RESOLVED", assigneeUsername="rm.east")
    reopened = await ok(REOPEN, "clerk.e1", reason="The replacement was bad too")
    assert reopened["status"] == "REOPENED" and reopened["reopenCount"] == 1
    assert reopened["resolvedAt"] is None
    assert reopened["assignee"]["username"] == "handler.east"
    await conflict(RESOLVE, "handler.east", "REOPENED", resolution="x")
    await ok(START, "handler.east")
    await ok(RESOLVE, "handler.east", resolution="Replaced")
    closed = await ok(CLOSE, "handler.east", note="Customer happy")
    assert closed["status"] == "CLOSED" and closed["closedAt"]
    await conflict(CLOSE, "handler.east", "CLOSED")
    await conflict(START, "handler.east", "CLOSED")
    again = await ok(REOPEN, "clerk.e1", reason="Changed their mind")
    assert again["status"] == "REOPENED" and again["reopenCount"] == 2
    assert [t["kind"] for t in again["timeline"]] == [
        "FILED", "ASSIGNED", "STARTED", "RESOLVED", "REOPENED", "STARTED", "RESOLVED",
        "CLOSED", "REOPENED",
    ]  # fmt: skip
    assert [t["actor"]["username"] if t["actor"] else None for t in again["timeline"]] == [
        "clerk.e1", None, "handler.east", "handler.east", "clerk.e1", "handler.east",
        "handler.east", "handler.east", "clerk.e1",
    ]  # fmt: skip
    # One customer message per state change after filing (filing + assignment is one).
    assert len(again["messages"]) == 8
    assert (
        await scalar(api, "SELECT count(*) FROM event WHERE kind = 'COMPLAINT_STATUS_CHANGED'") == 7
    )


async def test_reopening_is_allowed_only_within_the_window(api: Api) -> None:
    cid = (await filed(api))["id"]
    assert "errors" not in await move(api, START, "handler.east", cid)
    assert "errors" not in await move(api, RESOLVE, "handler.east", cid, resolution="Refunded")
    await sql(
        api,
        "UPDATE complaint SET resolved_at = now() - interval '8 days' WHERE id = :i",
        i=row_id(cid),
    )
    late = await move(api, REOPEN, "clerk.e1", cid, reason="still unhappy")
    assert code_of(late) == "CONFLICT" and "7 days" in late["errors"][0]["message"]
    await sql(
        api,
        "UPDATE complaint SET resolved_at = now() - interval '6 days' WHERE id = :i",
        i=row_id(cid),
    )
    assert "errors" not in await move(api, REOPEN, "clerk.e1", cid, reason="still unhappy")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE complaint_timeline SET note = 'rewritten'",
        "DELETE FROM complaint_timeline",
        "TRUNCATE complaint_timeline",
    ],
)
async def test_the_timeline_has_no_change_path(api: Api, statement: str) -> None:
    await filed(api)
    with pytest.raises(DBAPIError, match="append-only"):
        await sql(api, statement)
    assert await scalar(api, "SELECT count(*) FROM complaint_timeline") == 2


async def test_handlers_and_stores_see_and_act_only_in_scope(api: Api) -> None:
    await add_staff(api, "handler.west", "COMPLAINT_HANDLER", "WEST")
    await add_staff(api, "handler.east2", "COMPLAINT_HANDLER", "EAST")
    west = await filed(api, "clerk.w1", storeCode="W1")
    east = await filed(api)
    assert west["assignee"]["username"] == "handler.west"
    assert east["assignee"]["username"] == "handler.east"
    for username, hidden in [
        ("handler.east", west),
        ("handler.west", east),
        ("clerk.e2", east),
        ("sm.w1", east),
    ]:
        token = await api.token_for(username)
        result = await api.gql(GET, {"id": hidden["id"]}, token=token)
        assert code_of(result) == "NOT_FOUND", (username, result)
        listed = await api.data(LIST, {}, token=token)
        assert hidden["id"] not in [e["node"]["id"] for e in listed["complaints"]["edges"]]
    assert code_of(await move(api, START, "handler.east", west["id"])) == "NOT_FOUND"
    assert code_of(await move(api, START, "handler.west", east["id"])) == "NOT_FOUND"
    # In scope but someone else's: only its assignee or a manager acts on it.
    assert code_of(await move(api, START, "handler.east2", east["id"])) == "FORBIDDEN"
    assert (
        code_of(await move(api, REASSIGN, "rm.east", east["id"], assigneeUsername="handler.west"))
        == "BAD_USER_INPUT"
    )
    moved = await move(api, REASSIGN, "rm.east", east["id"], assigneeUsername="handler.east2")
    assert (
        moved["data"]["reassignComplaint"]["complaint"]["assignee"]["username"] == "handler.east2"
    )
    # The handler may pass it on within the region, too.
    back = await move(api, REASSIGN, "handler.east2", east["id"], assigneeUsername="handler.east")
    assert "errors" not in back, back
    mine = await api.data(
        LIST, {"filter": {"assignedToMe": True}}, token=await api.token_for("handler.east")
    )
    assert [e["node"]["id"] for e in mine["complaints"]["edges"]] == [east["id"]]


async def test_replays_with_an_idempotency_key_change_nothing(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    variables = {"input": complaint_input(idempotencyKey="k-1")}
    first = await api.data(FILE, variables, token=token)
    before = await counts(api)
    again = await api.data(FILE, variables, token=token)
    assert again["fileComplaint"]["complaint"]["id"] == first["fileComplaint"]["complaint"]["id"]
    assert await counts(api) == before
    other = await api.gql(
        FILE, {"input": complaint_input(idempotencyKey="k-1", description="else")}, token=token
    )
    assert code_of(other) == "CONFLICT"
    cid = first["fileComplaint"]["complaint"]["id"]
    assert "errors" not in await move(api, START, "handler.east", cid, idempotencyKey="s-1")
    before = await counts(api)
    replay = await move(api, START, "handler.east", cid, idempotencyKey="s-1")
    assert replay["data"]["startComplaintWork"]["complaint"]["status"] == "IN_PROGRESS"
    assert await counts(api) == before
    # Without the key the same move is a CONFLICT: it already happened.
    assert code_of(await move(api, START, "handler.east", cid)) == "CONFLICT"


async def test_the_clerk_never_sees_the_complainants_phone(api: Api) -> None:
    member = await enrol(api)
    cid = (await filed(api, memberCode=member["cardNumber"]))["id"]
    query = """query($id: ID!) { complaint(id: $id) { member { displayName phoneMasked
      phone(purpose: "checking the complaint") } messages { body } } }"""
    response = await api.post(query, {"id": cid}, token=await api.token_for("clerk.e1"))
    assert_no_phone(response.text)
    data = response.json()["data"]["complaint"]
    assert data["member"]["displayName"] == "王芳"
    assert data["member"]["phoneMasked"] is None and data["member"]["phone"] is None
