"""`node(id:)` over the reference data keyed by a natural key (regions, stores, products,
staff): per role it answers what the type's own look-up answers (`store(code:)`,
`product(sku:)`, `regions`, the staff list), the `id` they answer round-trips, and `nodes`
reads each type in one statement."""

from __future__ import annotations

from typing import Any

import pytest

from api.domain import global_ids
from tests.access.test_node import NODES, ROLES, code_of
from tests.conftest import Api

STORE_FIELDS = "id code name region { id code } staff { edges { node { id } } }"
STORE = f"query($code: String!) {{ store(code: $code) {{ {STORE_FIELDS} }} }}"
PRODUCT_FIELDS = "id sku name region { id code }"
PRODUCT = f"query($sku: String!) {{ product(sku: $sku) {{ {PRODUCT_FIELDS} }} }}"
STAFF_FIELDS = "id username role store { id } region { id }"
REGION_FIELDS = "id code name"
FIELDS = {
    "Store": STORE_FIELDS,
    "Product": PRODUCT_FIELDS,
    "Region": REGION_FIELDS,
    "Staff": STAFF_FIELDS,
}


def node_query(type_name: str) -> str:
    fields = FIELDS[type_name]
    return f"query($id: ID!) {{ node(id: $id) {{ __typename ... on {type_name} {{ {fields} }} }} }}"


STAFF_LIST = f"{{ staff(first: 100) {{ edges {{ node {{ {STAFF_FIELDS} }} }} }} }}"
USERNAMES = ["clerk.e1", "clerk.e2", "sm.w1", "rm.east", "admin", "nobody"]


def _node(result: dict[str, Any]) -> Any:
    node = (result.get("data") or {}).get("node")
    return node and {k: v for k, v in node.items() if k != "__typename"}


def _errors(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Each error below the root field: its path under it, code and message."""
    return [
        (e["path"][1:], e["extensions"]["code"], e["message"]) for e in result.get("errors", [])
    ]


def _hidden(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    hidden = result.get("extensions", {}).get("hiddenFields", [])
    return [(h["path"][1:], h["reason"]) for h in hidden]


# Per role, what node(id:) of stores E1, W1, NOPE answers: the store's `staff` is FORBIDDEN
# outside the caller's scope and hidden without VIEW_STAFF, as under store(code:).
STORE_OUTCOMES = {
    "clerk.e1": ["found", "FORBIDDEN", "NOT_FOUND"],
    "clerk.e2": ["FORBIDDEN", "FORBIDDEN", "NOT_FOUND"],
    "clerk.w1": ["FORBIDDEN", "found", "NOT_FOUND"],
    "sm.e1": ["found", "FORBIDDEN", "NOT_FOUND"],
    "sm.w1": ["FORBIDDEN", "found", "NOT_FOUND"],
    "rm.east": ["found", "FORBIDDEN", "NOT_FOUND"],
    "handler.east": ["hidden", "hidden", "NOT_FOUND"],
    "ops": ["found", "found", "NOT_FOUND"],
    "compliance": ["found", "found", "NOT_FOUND"],
    "admin": ["found", "found", "NOT_FOUND"],
}


@pytest.mark.parametrize("username", ROLES)
async def test_a_store_or_product_node_answers_like_its_look_up(api: Api, username: str) -> None:
    token = await api.token_for(username)
    outcomes = []
    for document, argument, key, type_name in [
        (STORE, "code", "E1", "Store"),
        (STORE, "code", "W1", "Store"),
        (STORE, "code", "NOPE", "Store"),
        (PRODUCT, "sku", "SKU-EAST-1", "Product"),
        (PRODUCT, "sku", "SKU-CORE-1", "Product"),
        (PRODUCT, "sku", "NOPE", "Product"),
    ]:
        direct = await api.gql(document, {argument: key}, token=token)
        node_id = global_ids.encode(type_name, key)
        via_node = await api.gql(node_query(type_name), {"id": node_id}, token=token)
        # The same object, the same errors and hidden fields (a store's staff outside the
        # caller's scope is FORBIDDEN, hidden without VIEW_STAFF), the same NOT_FOUND.
        assert _node(via_node) == direct["data"][type_name.lower()], (username, key)
        assert _errors(via_node) == _errors(direct), (username, key)
        assert _hidden(via_node) == _hidden(direct), (username, key)
        outcomes.append(code_of(via_node) or ("hidden" if _hidden(via_node) else "found"))
        if key == "NOPE":
            assert code_of(via_node) == "NOT_FOUND"
            assert via_node["errors"][0]["extensions"]["argument"] == "id"
        else:
            assert via_node["data"]["node"]["__typename"] == type_name
            assert via_node["data"]["node"]["id"] == node_id
    assert outcomes == [*STORE_OUTCOMES[username], "found", "found", "NOT_FOUND"]


@pytest.mark.parametrize("username", ROLES)
async def test_a_region_node_answers_like_regions(api: Api, username: str) -> None:
    token = await api.token_for(username)
    regions = await api.data(f"{{ regions {{ {REGION_FIELDS} }} }}", token=token)
    assert [r["code"] for r in regions["regions"]] == ["EAST", "WEST"]
    for region in regions["regions"]:
        found = await api.data(node_query("Region"), {"id": region["id"]}, token=token)
        assert found["node"] == {"__typename": "Region", **region}
    unknown = await api.gql(
        node_query("Region"), {"id": global_ids.encode("Region", "NORTH")}, token=token
    )
    assert code_of(unknown) == "NOT_FOUND"
    assert unknown["errors"][0]["message"] == "No region has code 'NORTH'."


# Per caller, each of USERNAMES: found, NOT_FOUND or hidden (no VIEW_STAFF).
STAFF_OUTCOMES = {
    "clerk.e1": ["found"] + ["NOT_FOUND"] * 5,
    "clerk.e2": ["NOT_FOUND", "found"] + ["NOT_FOUND"] * 4,
    "clerk.w1": ["NOT_FOUND", "NOT_FOUND", "found"] + ["NOT_FOUND"] * 3,
    "sm.e1": ["found"] + ["NOT_FOUND"] * 5,
    "sm.w1": ["NOT_FOUND", "NOT_FOUND", "found"] + ["NOT_FOUND"] * 3,
    "rm.east": ["found", "found", "NOT_FOUND", "found", "NOT_FOUND", "NOT_FOUND"],
    "handler.east": ["hidden"] * 6,
    "ops": ["found"] * 5 + ["NOT_FOUND"],
    "compliance": ["found"] * 5 + ["NOT_FOUND"],
    "admin": ["found"] * 5 + ["NOT_FOUND"],
}


@pytest.mark.parametrize("caller", ROLES)
async def test_a_staff_node_answers_like_the_staff_list(api: Api, caller: str) -> None:
    token = await api.token_for(caller)
    listed = await api.gql(STAFF_LIST, token=token)
    in_list = {
        e["node"]["username"]: e["node"]
        for e in ((listed["data"] or {}).get("staff") or {}).get("edges", [])
    }
    outcomes = []
    for username in USERNAMES:
        result = await api.gql(
            node_query("Staff"), {"id": global_ids.encode("Staff", username)}, token=token
        )
        node, code = _node(result), code_of(result)
        if node:
            assert node == in_list[username], (caller, username)
            outcomes.append("found")
        elif code is not None:
            assert username not in in_list
            outcomes.append(code)
        else:
            assert result["extensions"]["hiddenFields"] == [
                {"path": ["node"], "reason": "PERMISSION_REQUIRED", "permission": "VIEW_STAFF"}
            ]
            assert code_of(listed) == "FORBIDDEN" or listed["data"]["staff"] is None
            outcomes.append("hidden")
    assert outcomes == STAFF_OUTCOMES[caller]


async def test_staff_outside_the_scope_is_not_found_like_nobody(api: Api) -> None:
    token = await api.token_for("sm.w1")
    messages = []
    for username in ("clerk.e1", "nobody"):
        node = await api.gql(
            node_query("Staff"), {"id": global_ids.encode("Staff", username)}, token=token
        )
        frozen = await api.gql(
            "mutation($u: String!) { freezeStaff(username: $u) { staff { id } } }",
            {"u": username},
            token=token,
        )
        [error] = node["errors"]
        assert error["extensions"] == {"code": "NOT_FOUND", "argument": "id"}
        assert error["message"] == frozen["errors"][0]["message"]
        messages.append(error["message"].replace(username, "<key>"))
    assert messages[0] == messages[1]


async def test_ids_round_trip_through_node(api: Api) -> None:
    token = await api.token_for("ops")
    data = await api.data(
        """{ regions { id code } stores { edges { node { id code } } }
             products { edges { node { id sku } } } staff { edges { node { id username } } }
             me { id username } }""",
        token=token,
    )
    keyed = [("Region", r["id"], r["code"]) for r in data["regions"]]
    keyed += [("Store", e["node"]["id"], e["node"]["code"]) for e in data["stores"]["edges"]]
    keyed += [("Product", e["node"]["id"], e["node"]["sku"]) for e in data["products"]["edges"]]
    keyed += [("Staff", e["node"]["id"], e["node"]["username"]) for e in data["staff"]["edges"]]
    assert len(keyed) == 2 + 3 + 3 + 10
    for type_name, node_id, key in keyed:
        assert node_id == global_ids.encode(type_name, key)
    answered = await api.data(NODES, {"ids": [node_id for _, node_id, _ in keyed]}, token=token)
    assert answered["nodes"] == [{"__typename": t, "id": i} for t, i, _ in keyed]
    # `me` answers the caller's Staff id
    me = await api.data(node_query("Staff"), {"id": data["me"]["id"]}, token=token)
    assert me["node"]["__typename"] == "Staff" and me["node"]["username"] == "ops"


async def test_nodes_of_several_kinds_answers_each_in_order(api: Api) -> None:
    ids = [
        global_ids.encode("Store", "E1"),
        global_ids.encode("Staff", "clerk.e2"),
        global_ids.encode("Product", "SKU-EAST-1"),
        global_ids.encode("Region", "WEST"),
        global_ids.encode("Store", "NOPE"),
        global_ids.encode("Staff", "clerk.e1"),
    ]
    clerk = await api.gql(NODES, {"ids": ids}, token=await api.token_for("clerk.e1"))
    assert clerk["data"]["nodes"] == [
        {"__typename": "Store", "id": ids[0]},
        None,  # another store's clerk
        {"__typename": "Product", "id": ids[2]},
        {"__typename": "Region", "id": ids[3]},
        None,
        {"__typename": "Staff", "id": ids[5]},
    ]
    assert [(e["path"], e["extensions"]["code"]) for e in clerk["errors"]] == [
        (["nodes", 1], "NOT_FOUND"),
        (["nodes", 4], "NOT_FOUND"),
    ]
    handler = await api.gql(NODES, {"ids": ids}, token=await api.token_for("handler.east"))
    assert [n and n["__typename"] for n in handler["data"]["nodes"]] == [
        "Store",
        None,
        "Product",
        "Region",
        None,
        None,
    ]
    assert [h["path"] for h in handler["extensions"]["hiddenFields"]] == [
        ["nodes", 1],
        ["nodes", 5],
    ]
    assert [e["path"] for e in handler["errors"]] == [["nodes", 4]]


async def test_nodes_reads_each_directory_type_in_one_statement(api: Api) -> None:
    token = await api.token_for("admin")
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    one = [
        global_ids.encode("Store", "E1"),
        global_ids.encode("Product", "SKU-CORE-1"),
        global_ids.encode("Region", "EAST"),
        global_ids.encode("Staff", "clerk.e1"),
    ]
    many = (
        one
        + [global_ids.encode("Store", code) for code in ("E2", "W1", "X9")]
        + [global_ids.encode("Product", sku) for sku in ("SKU-EAST-1", "SKU-CORE-2")]
        + [global_ids.encode("Region", "WEST")]
        + [global_ids.encode("Staff", name) for name in ("ops", "sm.w1", "rm.east", "nobody")]
    )

    async def statements(ids: list[str]) -> int:
        await api.gql(query, {"ids": ids}, token=token)  # warm caches
        with api.count_sql() as seen:
            await api.gql(query, {"ids": ids}, token=token)
        return len(seen)

    assert await statements(many) == await statements(one)
