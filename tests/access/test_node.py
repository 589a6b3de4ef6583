"""`node(id:)` and `nodes(ids:)`, per role: each id answers exactly what its type's own look-up
answers the same caller (permission, store/region scope, errors, member look-up counting), and
ids are global ids everywhere, refused with BAD_USER_INPUT when malformed or of another type."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from api.domain import global_ids
from api.resolvers.node_types import NODE_TYPES
from db.models import MemberView
from tests.conftest import Api, running_api

SHIFT_FIELDS = "id kind status clerk store { code } items { itemId text }"
SHIFT = f"query($id: ID!) {{ shift(id: $id) {{ {SHIFT_FIELDS} }} }}"
NODE_SHIFT = (
    f"query($id: ID!) {{ node(id: $id) {{ __typename ... on Shift {{ {SHIFT_FIELDS} }} }} }}"
)
COMPLAINT_FIELDS = "id status store { code } timeline { id kind } messages { id }"
COMPLAINT = f"query($id: ID!) {{ complaint(id: $id) {{ {COMPLAINT_FIELDS} }} }}"
NODE_COMPLAINT = (
    f"query($id: ID!) {{ node(id: $id) {{ ... on Complaint {{ {COMPLAINT_FIELDS} }} }} }}"
)
TRANSFER = "query($id: ID!) { transfer(id: $id) { id status fromStore { code } } }"
NODE_TRANSFER = (
    "query($id: ID!) { node(id: $id) { ... on Transfer { id status fromStore { code } } } }"
)
MEMBER = "query($id: ID!) { member(id: $id) { id cardNumber } }"
NODE_MEMBER = "query($id: ID!) { node(id: $id) { ... on Member { id cardNumber } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
ENROLL = """mutation($input: EnrollMemberInput!) {
  enrollMember(input: $input) { member { id cardNumber } } }"""
ROLES = [
    "clerk.e1",
    "clerk.e2",
    "clerk.w1",
    "sm.e1",
    "sm.w1",
    "rm.east",
    "handler.east",
    "ops",
    "compliance",
    "admin",
]


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def start_shift(api: Api) -> str:
    data = await api.data(
        "mutation($i: StartShiftInput!) { startShift(input: $i) { shift { id } } }",
        {"i": {"storeCode": "E1", "kind": "OPENING"}},
        token=await api.token_for("clerk.e1"),
    )
    shift_id: str = data["startShift"]["shift"]["id"]
    return shift_id


async def file_complaint(api: Api, store: str = "E1", clerk: str = "clerk.e1") -> str:
    data = await api.data(
        "mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { id } } }",
        {"i": {"storeCode": store, "category": "SERVICE", "description": "Nobody at the till"}},
        token=await api.token_for(clerk),
    )
    complaint_id: str = data["fileComplaint"]["complaint"]["id"]
    return complaint_id


async def enrol(api: Api, phone: str = "13800138001") -> dict[str, str]:
    data = await api.data(
        ENROLL,
        {"input": {"phone": phone, "displayName": "王芳", "marketingConsent": False}},
        token=await api.token_for("clerk.e1"),
    )
    member: dict[str, str] = data["enrollMember"]["member"]
    return member


async def assert_node_answers_like(
    api: Api, username: str, own: str, node: str, field: str, node_id: str
) -> None:
    """`node(id:)` gives the caller what the type's own look-up gives: the same object, the
    same error code, or (without the permission) null reported as hidden."""
    token = await api.token_for(username)
    direct = await api.gql(own, {"id": node_id}, token=token)
    via_node = await api.gql(node, {"id": node_id}, token=token)
    if code_of(direct) == "FORBIDDEN" and direct["errors"][0]["message"].startswith("Your role"):
        assert via_node["data"] == {"node": None}, via_node
        assert "errors" not in via_node
        assert via_node["extensions"]["hiddenFields"][0]["path"] == ["node"]
        return
    assert code_of(via_node) == code_of(direct), (username, direct, via_node)
    if code_of(direct) is None:
        expected = direct["data"][field]
        answer = via_node["data"]["node"]
        if expected is None:  # a look-up that answers null for an unknown id
            assert answer is None
            return
        assert {k: v for k, v in answer.items() if k != "__typename"} == expected


def test_every_node_type_has_a_look_up() -> None:
    from api.schema.root import schema

    implementers = {
        t.name
        for t in schema._schema.type_map.values()
        if any(i.name == "Node" for i in getattr(t, "interfaces", []))
    }
    assert implementers == set(NODE_TYPES)


@pytest.mark.parametrize("username", ROLES)
async def test_node_of_a_shift_answers_like_shift(api: Api, username: str) -> None:
    shift_id = await start_shift(api)
    await assert_node_answers_like(api, username, SHIFT, NODE_SHIFT, "shift", shift_id)


async def test_shift_node_per_role_outcomes(api: Api) -> None:
    """The expected outcome per role, so the comparison above is not vacuous."""
    shift_id = await start_shift(api)
    outcomes = {}
    for username in ROLES:
        result = await api.gql(NODE_SHIFT, {"id": shift_id}, token=await api.token_for(username))
        node = (result.get("data") or {}).get("node")
        outcomes[username] = code_of(result) or ("found" if node else "hidden")
    assert outcomes == {
        "clerk.e1": "found",
        "clerk.e2": "NOT_FOUND",  # another store of the same region
        "clerk.w1": "NOT_FOUND",
        "sm.e1": "found",
        "sm.w1": "NOT_FOUND",
        "rm.east": "found",
        "handler.east": "hidden",  # no VIEW_SHIFTS
        "ops": "found",
        "compliance": "hidden",
        "admin": "found",
    }


@pytest.mark.parametrize("username", ROLES)
async def test_node_of_a_complaint_answers_like_complaint(api: Api, username: str) -> None:
    complaint_id = await file_complaint(api)
    await assert_node_answers_like(
        api, username, COMPLAINT, NODE_COMPLAINT, "complaint", complaint_id
    )


async def test_parts_of_a_complaint_are_seen_through_it(api: Api) -> None:
    complaint_id = await file_complaint(api)
    full = await api.data(COMPLAINT, {"id": complaint_id}, token=await api.token_for("sm.e1"))
    part_ids = [e["id"] for e in full["complaint"]["timeline"]]
    part_ids += [m["id"] for m in full["complaint"]["messages"]]
    assert part_ids
    seen = await api.data(NODES, {"ids": part_ids}, token=await api.token_for("rm.east"))
    assert [n["id"] for n in seen["nodes"]] == part_ids
    outside = await api.gql(NODES, {"ids": part_ids}, token=await api.token_for("sm.w1"))
    assert outside["data"]["nodes"] == [None] * len(part_ids)
    assert {e["extensions"]["code"] for e in outside["errors"]} == {"NOT_FOUND"}
    assert sorted(e["path"][1] for e in outside["errors"]) == list(range(len(part_ids)))


@pytest.mark.parametrize("username", ["clerk.e1", "clerk.e2", "sm.w1", "clerk.w1", "ops"])
async def test_node_of_a_transfer_answers_like_transfer(api: Api, username: str) -> None:
    data = await api.data(
        """mutation($input: RequestTransferInput!) { requestTransfer(input: $input) {
             transfer { id } } }""",
        {
            "input": {
                "fromStoreCode": "E2",
                "toStoreCode": "E1",
                "lines": [{"sku": "SKU-CORE-1", "quantity": 2}],
            }
        },
        token=await api.token_for("clerk.e1"),
    )
    transfer_id = data["requestTransfer"]["transfer"]["id"]
    await assert_node_answers_like(api, username, TRANSFER, NODE_TRANSFER, "transfer", transfer_id)
    unknown = global_ids.encode("Transfer", 987654)
    await assert_node_answers_like(api, username, TRANSFER, NODE_TRANSFER, "transfer", unknown)


async def test_node_of_a_member_counts_like_member(org_db: str) -> None:
    async with running_api(
        org_db, member_lookup_ceilings={"CLERK": 2}, member_view_alert_threshold=100
    ) as api:
        members = [await enrol(api, phone) for phone in ("13800138001", "13800138002")]
        third = await enrol(api, "13800138003")
        clerk = await api.token_for("clerk.e2")
        for member in members:
            found = await api.data(NODE_MEMBER, {"id": member["id"]}, token=clerk)
            assert found["node"] == member
        async with api.engine.connect() as conn:
            views = await conn.scalar(select(func.count()).select_from(MemberView))
        assert views == 2  # counted as member(id:) counts them
        # The ceiling holds whichever way the card is opened.
        for query in (NODE_MEMBER, MEMBER):
            refused = await api.gql(query, {"id": third["id"]}, token=clerk)
            assert code_of(refused) == "RATE_LIMITED", refused
        batch = await api.gql(NODES, {"ids": [third["id"], members[0]["id"]]}, token=clerk)
        assert batch["data"]["nodes"][0] is None
        assert batch["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert batch["errors"][0]["path"] == ["nodes", 0]
        assert batch["data"]["nodes"][1] == {"__typename": "Member", "id": members[0]["id"]}


async def test_member_node_without_the_permission_is_hidden(api: Api) -> None:
    member = await enrol(api)
    # INTEGRATOR lacks VIEW_MEMBERS: no such account in the fixture, so use an API token.
    admin = await api.token_for("admin")
    issued = await api.data(
        """mutation { createApiToken(input: {name: "bi", expiresInDays: 1}) {
             token apiToken { id } } }""",
        token=admin,
    )
    integrator = issued["createApiToken"]["token"]
    hidden = await api.gql(NODE_MEMBER, {"id": member["id"]}, token=integrator)
    assert hidden["data"] == {"node": None} and "errors" not in hidden
    assert hidden["extensions"]["hiddenFields"] == [
        {"path": ["node"], "reason": "PERMISSION_REQUIRED", "permission": "VIEW_MEMBERS"}
    ]
    assert code_of(await api.gql(MEMBER, {"id": member["id"]}, token=integrator)) == "FORBIDDEN"
    async with api.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(MemberView)) == 0
    # The token is a node too, for its issuer only.
    token_id = issued["createApiToken"]["apiToken"]["id"]
    query = "query($id: ID!) { node(id: $id) { ... on ApiToken { id name } } }"
    mine = await api.data(query, {"id": token_id}, token=admin)
    assert mine["node"] == {"id": token_id, "name": "bi"}
    theirs = await api.gql(query, {"id": token_id}, token=await api.token_for("ops"))
    assert theirs["data"] == {"node": None}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "BAD_USER_INPUT"),
        ("1", "BAD_USER_INPUT"),  # a bare number is not an id any more
        ("not base64!", "BAD_USER_INPUT"),
        (global_ids.encode("Nothing", 1), "BAD_USER_INPUT"),  # no such Node type
        (global_ids.encode("OpeningPeriod", 1), "BAD_USER_INPUT"),  # a type that is no Node
        (global_ids.encode("Store", 1), "NOT_FOUND"),  # keyed by code: no store has code "1"
        (global_ids.encode("Shift", "x"), "BAD_USER_INPUT"),
        (global_ids.encode("Shift", 0), "BAD_USER_INPUT"),
        (global_ids.encode("Photo", "not-a-uuid"), "BAD_USER_INPUT"),
        (global_ids.encode("Shift", 987654), "NOT_FOUND"),
        (global_ids.encode("Complaint", 987654), "NOT_FOUND"),
        (global_ids.encode("Member", 987654), "NOT_FOUND"),
        (global_ids.encode("Photo", "00000000-0000-0000-0000-000000000000"), "NOT_FOUND"),
    ],
)
async def test_unknown_and_malformed_ids(api: Api, value: str, expected: str) -> None:
    result = await api.gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": value}, token=await api.token_for("ops")
    )
    assert code_of(result) == expected, result
    if expected == "BAD_USER_INPUT":
        assert result["errors"][0]["extensions"]["argument"] == "id"


async def test_anonymous_callers_are_unauthenticated(api: Api) -> None:
    shift_id = await start_shift(api)
    result = await api.gql(NODE_SHIFT, {"id": shift_id})
    assert code_of(result) == "UNAUTHENTICATED"


async def test_nodes_keeps_order_and_answers_each_id_alone(api: Api) -> None:
    shift_id = await start_shift(api)
    mine = await file_complaint(api)
    theirs = await file_complaint(api, store="W1", clerk="clerk.w1")
    ids = [mine, shift_id, theirs, mine]
    result = await api.gql(NODES, {"ids": ids}, token=await api.token_for("clerk.e1"))
    assert result["data"]["nodes"] == [
        {"__typename": "Complaint", "id": mine},
        {"__typename": "Shift", "id": shift_id},
        None,
        {"__typename": "Complaint", "id": mine},
    ]
    assert [(e["path"], e["extensions"]["code"]) for e in result["errors"]] == [
        (["nodes", 2], "NOT_FOUND")
    ]
    handler = await api.gql(NODES, {"ids": ids}, token=await api.token_for("handler.east"))
    assert handler["data"]["nodes"] == [
        {"__typename": "Complaint", "id": mine},
        None,  # no VIEW_SHIFTS: hidden, not an error
        None,  # outside the region
        {"__typename": "Complaint", "id": mine},
    ]
    assert handler["extensions"]["hiddenFields"] == [
        {"path": ["nodes", 1], "reason": "PERMISSION_REQUIRED", "permission": "VIEW_SHIFTS"}
    ]
    assert [e["path"] for e in handler["errors"]] == [["nodes", 2]]


async def test_nodes_refuses_bad_ids_and_long_lists(api: Api) -> None:
    token = await api.token_for("ops")
    shift_id = await start_shift(api)
    bad = await api.gql(NODES, {"ids": [shift_id, "nope"]}, token=token)
    assert code_of(bad) == "BAD_USER_INPUT"
    assert bad["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "reason": "MALFORMED_ID",
        "argument": "ids",
        "invalid": ["nope"],
    }
    too_many = await api.gql(NODES, {"ids": [shift_id] * 101}, token=token)
    assert code_of(too_many) == "BAD_USER_INPUT"
    hundred = await api.data(NODES, {"ids": [shift_id] * 100}, token=token)
    assert len(hundred["nodes"]) == 100


async def test_nodes_reads_a_type_in_one_batch(api: Api) -> None:
    token = await api.token_for("ops")
    complaints = [await file_complaint(api) for _ in range(5)]
    query = f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Complaint {{ {COMPLAINT_FIELDS} }} }} }}"

    async def statements(ids: list[str]) -> int:
        await api.data(query, {"ids": ids}, token=token)  # warm caches
        with api.count_sql() as seen:
            await api.data(query, {"ids": ids}, token=token)
        return len(seen)

    assert await statements(complaints) == await statements(complaints[:1])


async def test_an_id_of_another_type_is_refused_naming_the_argument(api: Api) -> None:
    shift_id = await start_shift(api)
    complaint_id = await file_complaint(api)
    token = await api.token_for("clerk.e1")
    wrong = await api.gql(SHIFT, {"id": complaint_id}, token=token)
    assert code_of(wrong) == "BAD_USER_INPUT"
    assert wrong["errors"][0]["extensions"]["argument"] == "id"
    assert "expected the id of a Shift, got the id of a Complaint" in wrong["errors"][0]["message"]
    moved = await api.gql(
        """mutation($i: ComplaintMoveInput!) { startComplaintWork(input: $i) {
             complaint { id } } }""",
        {"i": {"complaintId": shift_id}},
        token=await api.token_for("sm.e1"),
    )
    assert code_of(moved) == "BAD_USER_INPUT"
    assert moved["errors"][0]["extensions"]["argument"] == "complaintId"
    ended = await api.gql(
        "mutation($i: EndShiftInput!) { endShift(input: $i) { shift { id } } }",
        {"i": {"shiftId": complaint_id}},
        token=token,
    )
    assert ended["errors"][0]["extensions"]["argument"] == "shiftId"
    photos = await api.gql(
        "mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { id } } }",
        {
            "i": {
                "storeCode": "E1",
                "category": "SERVICE",
                "description": "x",
                "photoIds": [shift_id],
            }
        },
        token=token,
    )
    assert photos["errors"][0]["extensions"]["argument"] == "photoIds"
    assert photos["errors"][0]["extensions"]["invalid"] == [shift_id]
