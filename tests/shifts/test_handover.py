"""Starting shifts, the handover refused while a required photo or note is missing (listing
every item, writing nothing), completed with photos, replayed, ended, accepted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.conftest import Api
from tests.sales.helpers import RECORD_SALE, receive
from tests.shifts.helpers import (
    ACCEPT,
    COMPLETE,
    END,
    RECORD_ITEM,
    START,
    code_of,
    counts,
    create_template,
    sql,
    start,
    upload_photo,
)

RETURN = """mutation($input: RecordReturnInput!) {
  recordReturn(input: $input) { saleReturn { refundCents } } }"""
ENROLL = (
    """mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { member { id } } }"""
)
FILE_COMPLAINT = """mutation($input: FileComplaintInput!) {
  fileComplaint(input: $input) { complaint { id } } }"""


def items_by_text(shift: dict) -> dict[str, str]:
    return {i["text"]: i["itemId"] for i in shift["items"]}


async def test_start_copies_the_checklist_and_allows_one_open_shift(api: Api) -> None:
    await create_template(api)
    shift = await start(api, "clerk.e1")
    assert (shift["status"], shift["kind"], shift["clerk"], shift["store"]) == (
        "OPEN",
        "OPENING",
        "clerk.e1",
        {"code": "E1"},
    )
    assert [(i["position"], i["text"], i["done"]) for i in shift["items"]] == [
        (1, "Shelf facing done", False),
        (2, "Promotion poster up", False),
        (3, "Fridge temperature logged", False),
        (4, "Floor swept", False),
    ]
    assert shift["summary"] is None
    # The OPENING window, 06:00-14:00 Shanghai time, on the day it started.
    opens = datetime.fromisoformat(shift["windowStart"]).astimezone(UTC)
    closes = datetime.fromisoformat(shift["windowEnd"]).astimezone(UTC)
    assert (opens.hour, closes.hour, (closes - opens).total_seconds()) == (22, 6, 8 * 3600)

    token = await api.token_for("clerk.e1")
    again = await api.gql(START, {"input": {"storeCode": "E1", "kind": "CLOSING"}}, token=token)
    assert code_of(again) == "CONFLICT"
    assert shift["id"] in again["errors"][0]["message"]
    mine = await api.data("{ myOpenShift { id } }", token=token)
    assert mine["myOpenShift"] == {"id": shift["id"]}


async def test_a_clerk_starts_only_at_a_store_in_scope(api: Api) -> None:
    result = await api.gql(
        START,
        {"input": {"storeCode": "E1", "kind": "OPENING"}},
        token=await api.token_for("clerk.e2"),
    )
    assert code_of(result) == "FORBIDDEN"
    ops = await api.gql(
        START, {"input": {"storeCode": "E1", "kind": "OPENING"}}, token=await api.token_for("ops")
    )
    assert code_of(ops) == "FORBIDDEN"  # HQ does not work shifts
    assert await sql(api, "SELECT count(*) FROM shift") == [(0,)]


async def test_handover_refused_listing_every_missing_item_then_completed(api: Api) -> None:
    await create_template(api)
    shift = await start(api, "clerk.e1")
    ids = items_by_text(shift)
    token = await api.token_for("clerk.e1")
    photo = await upload_photo(api, token)
    before = await counts(api)

    # The poster photo given, the shelf photo and the fridge note missing, the floor not ticked.
    refused = await api.gql(
        COMPLETE,
        {
            "input": {
                "shiftId": shift["id"],
                "items": [{"itemId": ids["Promotion poster up"], "photoIds": [photo]}],
                "idempotencyKey": "handover-1",
            }
        },
        token=token,
    )
    assert code_of(refused) == "BAD_USER_INPUT"
    error = refused["errors"][0]
    assert error["extensions"]["missingItems"] == [
        {"itemId": ids["Shelf facing done"], "text": "Shelf facing done", "missing": ["PHOTO"]},
        {
            "itemId": ids["Fridge temperature logged"],
            "text": "Fridge temperature logged",
            "missing": ["NOTE"],
        },
        {"itemId": ids["Floor swept"], "text": "Floor swept", "missing": ["DONE"]},
    ]
    for text in ("Shelf facing done", "Fridge temperature logged", "Floor swept"):
        assert text in error["message"]
    assert await counts(api) == before  # nothing written, the key not spent

    # A blank note is no note.
    blank = await api.gql(
        RECORD_ITEM,
        {
            "input": {
                "shiftId": shift["id"],
                "itemId": ids["Fridge temperature logged"],
                "note": "  ",
            }
        },
        token=token,
    )
    assert code_of(blank) == "BAD_USER_INPUT"
    # Recorded during the shift: the fridge note.
    recorded = await api.data(
        RECORD_ITEM,
        {
            "input": {
                "shiftId": shift["id"],
                "itemId": ids["Fridge temperature logged"],
                "note": "4.1 °C at 08:00",
            }
        },
        token=token,
    )
    fridge = recorded["recordShiftItem"]["shift"]["items"][2]
    assert (fridge["done"], fridge["note"]) == (True, "4.1 °C at 08:00")

    shelf_photo = await upload_photo(api, token, colour=(20, 200, 20))
    variables = {
        "input": {
            "shiftId": shift["id"],
            "items": [
                {"itemId": ids["Shelf facing done"], "photoIds": [shelf_photo]},
                {"itemId": ids["Promotion poster up"], "photoIds": [photo]},
                {"itemId": ids["Floor swept"]},
            ],
            "todos": ["Reorder milk", "  "],
            "idempotencyKey": "handover-1",
        }
    }
    done = (await api.data(COMPLETE, variables, token=token))["completeHandover"]["shift"]
    assert done["status"] == "HANDED_OVER" and done["endedAt"] is not None
    assert done["handedOverBy"] == "clerk.e1"
    assert all(i["done"] for i in done["items"])
    # Recorded during the shift: keeps when it was done, and its note.
    assert done["items"][2]["doneAt"] == fridge["doneAt"]
    assert done["items"][2]["note"] == "4.1 °C at 08:00"
    photos = {i["text"]: [p["id"] for p in i["photos"]] for i in done["items"]}
    assert photos["Shelf facing done"] == [shelf_photo]
    assert photos["Promotion poster up"] == [photo]
    assert done["todos"] == ["Reorder milk"]
    assert done["summary"]["todos"] == ["Reorder milk"]
    assert await sql(
        api,
        "SELECT subject, store_id = (SELECT id FROM store WHERE code = 'E1') FROM photo_attachment",
    ) == [("SHIFT", True), ("SHIFT", True)]

    # A replay returns the same shift and writes nothing more.
    after = await counts(api)
    replay = (await api.data(COMPLETE, variables, token=token))["completeHandover"]["shift"]
    assert replay == done
    assert await counts(api) == after
    # Without the key, a second handover is a CONFLICT: the shift is no longer open.
    del variables["input"]["idempotencyKey"]
    assert code_of(await api.gql(COMPLETE, variables, token=token)) == "CONFLICT"


SUMMARY_FIELDS = """salesCount salesCents returnsCount refundedCents membersEnrolled
  openStockAlerts openComplaints todos"""
SO_FAR = f"""query($id: ID!) {{ shift(id: $id) {{
  summary {{ {SUMMARY_FIELDS} }} summarySoFar {{ {SUMMARY_FIELDS} }} }} }}"""
OPEN_SHIFTS = """query($store: String) { shifts(storeCode: $store, status: OPEN, first: 100) {
  edges { node { id summarySoFar { salesCount openComplaints } } } } }"""


async def test_open_shifts_summaries_so_far_cost_one_statement_per_page(api: Api) -> None:
    for username, store in (("clerk.e1", "E1"), ("clerk.e2", "E2"), ("sm.e1", "E1")):
        await start(api, username, store=store)
    ops = await api.token_for("ops")
    with api.count_sql() as one_shift:
        one = await api.data(OPEN_SHIFTS, {"store": "E2"}, token=ops)
    with api.count_sql() as three_shifts:
        three = await api.data(OPEN_SHIFTS, {"store": None}, token=ops)
    assert len(one["shifts"]["edges"]) == 1 and len(three["shifts"]["edges"]) == 3
    # The store filter costs one look-up; the summaries are one statement for any page.
    assert len(three_shifts) <= len(one_shift), three_shifts


async def test_summary_counts_the_shifts_sales_returns_and_members(api: Api) -> None:
    await receive(api, "E1", "SKU-CORE-1", 50)
    clerk = await api.token_for("clerk.e1")
    sold_before = datetime.now(UTC).isoformat()
    await api.data(
        RECORD_SALE,
        {
            "input": {
                "storeCode": "E1",
                "receiptNo": "BEFORE",
                "soldAt": sold_before,
                "lines": [{"sku": "SKU-CORE-1", "quantity": 1, "unitPriceCents": 200}],
            }
        },
        token=clerk,
    )
    shift = await start(api, "clerk.e1")  # no template: an empty checklist
    for receipt, quantity in (("IN-1", 2), ("IN-2", 3)):
        await api.data(
            RECORD_SALE,
            {
                "input": {
                    "storeCode": "E1",
                    "receiptNo": receipt,
                    "soldAt": datetime.now(UTC).isoformat(),
                    "lines": [{"sku": "SKU-CORE-1", "quantity": quantity, "unitPriceCents": 200}],
                }
            },
            token=clerk,
        )
    await api.data(
        RETURN,
        {
            "input": {
                "storeCode": "E1",
                "originalStoreCode": "E1",
                "receiptNo": "IN-1",
                "lines": [{"sku": "SKU-CORE-1", "quantity": 1}],
            }
        },
        token=clerk,
    )
    await api.data(
        ENROLL,
        {"input": {"phone": "+86 139 7531 8642", "displayName": "王芳", "marketingConsent": False}},
        token=clerk,
    )
    await api.data(
        FILE_COMPLAINT,
        {"input": {"storeCode": "E1", "category": "HYGIENE", "description": "Sticky floor"}},
        token=clerk,
    )
    # An open stock alert at the store (raised by a scan or a sale below safety stock).
    await sql(
        api,
        "INSERT INTO stock_alert (store_id, product_id, kind, status, details)"
        " SELECT s.id, p.id, 'LOW_STOCK', 'OPEN', '{}' FROM store s, product p"
        " WHERE s.code = 'E1' AND p.sku = 'SKU-CORE-2'",
    )
    # Another store's sale in the window does not count.
    await api.data(
        RECORD_SALE,
        {
            "input": {
                "storeCode": "E2",
                "receiptNo": "E2-1",
                "soldAt": datetime.now(UTC).isoformat(),
                "lines": [{"sku": "SKU-CORE-1", "quantity": 1, "unitPriceCents": 200}],
            }
        },
        token=await api.token_for("clerk.e2"),
    )
    so_far = await api.data(SO_FAR, {"id": shift["id"]}, token=clerk)
    assert so_far["shift"]["summary"] is None  # written only when the shift ends
    live = so_far["shift"]["summarySoFar"]
    ended = await api.data(
        END, {"input": {"shiftId": shift["id"], "todos": ["Count the till"]}}, token=clerk
    )
    summary = ended["endShift"]["shift"]["summary"]
    assert live == summary | {"todos": []}  # nothing happened between the two
    expected = await sql(
        api,
        "SELECT count(*), sum(total_cents) FROM sale WHERE receipt_no IN ('IN-1', 'IN-2')",
    )
    assert (summary["salesCount"], summary["salesCents"]) == expected[0] == (2, 1000)
    assert (summary["returnsCount"], summary["refundedCents"]) == (1, 200)
    assert summary["membersEnrolled"] == 1
    assert summary["openComplaints"] == 1
    assert summary["openStockAlerts"] == 1
    assert summary["todos"] == ["Count the till"]
    assert ended["endShift"]["shift"]["status"] == "ENDED"


async def test_end_shift_is_refused_when_there_is_a_checklist(api: Api) -> None:
    await create_template(api)
    shift = await start(api, "clerk.e1")
    result = await api.gql(
        END, {"input": {"shiftId": shift["id"]}}, token=await api.token_for("clerk.e1")
    )
    assert code_of(result) == "CONFLICT"
    assert "completeHandover" in result["errors"][0]["message"]


async def _handed_over(api: Api) -> dict:
    shift = await start(api, "clerk.e1")  # an empty checklist: hand over at once
    data = await api.data(
        COMPLETE, {"input": {"shiftId": shift["id"]}}, token=await api.token_for("clerk.e1")
    )
    handed: dict = data["completeHandover"]["shift"]
    return handed


async def test_accept_rules(api: Api) -> None:
    shift = await _handed_over(api)
    variables = {"input": {"shiftId": shift["id"]}}
    own = await api.gql(ACCEPT, variables, token=await api.token_for("clerk.e1"))
    assert code_of(own) == "FORBIDDEN"
    assert "another clerk" in own["errors"][0]["message"]
    other_store = await api.gql(ACCEPT, variables, token=await api.token_for("clerk.e2"))
    assert code_of(other_store) == "NOT_FOUND"  # another store's shift is not there for them
    # Shifts are seen within scope only: the region manager sees it, E2's clerk does not.
    query = "query($id: ID!) { shift(id: $id) { id summary { salesCount } } }"
    hidden = await api.gql(query, {"id": shift["id"]}, token=await api.token_for("clerk.e2"))
    assert code_of(hidden) == "NOT_FOUND"
    seen = await api.data(query, {"id": shift["id"]}, token=await api.token_for("rm.east"))
    assert seen["shift"] == {"id": shift["id"], "summary": {"salesCount": 0}}
    # The incoming side finds the handovers waiting for it.
    waiting = await api.data(
        """{ shifts(storeCode: "E1", status: HANDED_OVER) { edges { node { id clerk } } } }""",
        token=await api.token_for("sm.e1"),
    )
    assert [e["node"] for e in waiting["shifts"]["edges"]] == [
        {"id": shift["id"], "clerk": "clerk.e1"}
    ]
    accepted = await api.data(ACCEPT, variables, token=await api.token_for("sm.e1"))
    shift = accepted["acceptHandover"]["shift"]
    assert (shift["status"], shift["acceptedBy"]) == ("ACCEPTED", "sm.e1")
    assert shift["acceptedAt"] is not None
    again = await api.gql(ACCEPT, variables, token=await api.token_for("sm.e1"))
    assert code_of(again) == "CONFLICT"
    assert "already accepted by sm.e1" in again["errors"][0]["message"]


async def test_an_open_shift_cannot_be_accepted_and_others_cannot_hand_it_over(api: Api) -> None:
    await create_template(api)
    shift = await start(api, "clerk.e1")
    variables = {"input": {"shiftId": shift["id"]}}
    assert code_of(await api.gql(ACCEPT, variables, token=await api.token_for("sm.e1"))) == (
        "CONFLICT"
    )
    # Another clerk of another store cannot see it; the manager of its store may hand it over.
    other = await api.gql(COMPLETE, variables, token=await api.token_for("clerk.e2"))
    assert code_of(other) == "NOT_FOUND"
    manager = await api.gql(COMPLETE, variables, token=await api.token_for("sm.e1"))
    assert code_of(manager) == "BAD_USER_INPUT"  # allowed, but the checklist is not done


async def test_photos_must_be_ones_own_and_each_evidence_for_one_item(api: Api) -> None:
    await create_template(api)
    shift = await start(api, "clerk.e1", key="start-1")
    replay = await start(api, "clerk.e1", key="start-1")
    assert replay["id"] == shift["id"]  # a retried start is the same shift
    ids = items_by_text(shift)
    token = await api.token_for("clerk.e1")
    mine = await upload_photo(api, token)
    theirs = await upload_photo(api, await api.token_for("clerk.e2"), colour=(1, 2, 3))
    before = await counts(api)
    items: list[dict[str, Any]] = [
        {"itemId": ids["Shelf facing done"], "photoIds": [mine]},
        {"itemId": ids["Promotion poster up"], "photoIds": [mine]},
        {"itemId": ids["Fridge temperature logged"], "note": "4 °C"},
        {"itemId": ids["Floor swept"]},
    ]
    shared = await api.gql(
        COMPLETE, {"input": {"shiftId": shift["id"], "items": items}}, token=token
    )
    assert code_of(shared) == "BAD_USER_INPUT"
    assert "one photo per item" in shared["errors"][0]["message"]
    items[1]["photoIds"] = [theirs]
    foreign = await api.gql(
        COMPLETE, {"input": {"shiftId": shift["id"], "items": items}}, token=token
    )
    assert code_of(foreign) == "BAD_USER_INPUT"
    assert foreign["errors"][0]["extensions"]["unknownPhotoIds"] == [theirs]
    assert await counts(api) == before
    assert await sql(api, "SELECT status FROM shift") == [("OPEN",)]
