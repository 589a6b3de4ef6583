"""Creating, freezing and listing staff; integrator API tokens; idempotent retries."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text

from db.models import Staff
from tests.conftest import Api

CREATE = """mutation($input: CreateStaffInput!) {
  createStaff(input: $input) { staff { username displayName role status store { code } region { code } } }
}"""


def code_of(result: dict) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def new_clerk(username: str = "clerk.e1b", store: str = "E1", **extra: str) -> dict:
    return {
        "username": username,
        "displayName": "李雷",
        "role": "CLERK",
        "password": "a-long-password",
        "storeCode": store,
        **extra,
    }


async def staff_count(api: Api) -> int:
    async with api.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Staff)) or 0)


async def test_store_manager_creates_a_clerk_who_can_sign_in(api: Api) -> None:
    data = await api.data(CREATE, {"input": new_clerk()}, token=await api.token_for("sm.e1"))
    assert data["createStaff"]["staff"] == {
        "username": "clerk.e1b",
        "displayName": "李雷",
        "role": "CLERK",
        "status": "ACTIVE",
        "store": {"code": "E1"},
        "region": {"code": "EAST"},
    }
    token = await api.login("clerk.e1b", "a-long-password")
    assert (await api.data("{ me { username } }", token=token))["me"]["username"] == "clerk.e1b"


@pytest.mark.parametrize(
    ("username", "input", "expected"),
    [
        ("sm.e1", new_clerk(store="E2"), "FORBIDDEN"),  # another store
        ("sm.e1", {**new_clerk(), "role": "STORE_MANAGER"}, "FORBIDDEN"),  # not below own rank
        ("clerk.e1", new_clerk(), "FORBIDDEN"),  # clerks manage nobody
        ("rm.east", new_clerk(store="W1"), "FORBIDDEN"),
        ("rm.east", {**new_clerk(), "role": "ADMIN", "storeCode": None}, "FORBIDDEN"),
        (
            "admin",
            {**new_clerk(), "role": "ADMIN", "storeCode": None},
            "FORBIDDEN",
        ),  # nobody makes admins
        ("sm.e1", new_clerk(username="Bad Name"), "BAD_USER_INPUT"),
        ("sm.e1", new_clerk(password="short"), "BAD_USER_INPUT"),
        ("sm.e1", new_clerk(displayName=" "), "BAD_USER_INPUT"),
        ("sm.e1", {**new_clerk(), "storeCode": None}, "BAD_USER_INPUT"),  # clerk needs a store
        ("rm.east", {**new_clerk(), "regionCode": "EAST"}, "BAD_USER_INPUT"),  # both homes
        ("ops", {**new_clerk(), "role": "HQ_COMPLIANCE", "storeCode": "E1"}, "BAD_USER_INPUT"),
        ("sm.e1", new_clerk(username="clerk.e2"), "CONFLICT"),  # taken
        ("sm.e1", new_clerk(store="ZZ"), "NOT_FOUND"),
    ],
)
async def test_bad_or_unauthorised_creations_write_nothing(
    api: Api, username: str, input: dict, expected: str
) -> None:
    before = await staff_count(api)
    result = await api.gql(CREATE, {"input": input}, token=await api.token_for(username))
    assert code_of(result) == expected, result
    assert result["data"] is None
    assert await staff_count(api) == before


async def test_validation_lists_every_problem(api: Api) -> None:
    bad = {**new_clerk(username="X", password="short"), "storeCode": None}
    result = await api.gql(CREATE, {"input": bad}, token=await api.token_for("sm.e1"))
    problems = result["errors"][0]["extensions"]["problems"]
    assert len(problems) == 3
    assert any(p.startswith("username") for p in problems)
    assert any(p.startswith("password") for p in problems)
    assert any(p.startswith("storeCode") for p in problems)


async def test_retry_with_the_same_key_returns_the_first_result(api: Api) -> None:
    token = await api.token_for("sm.e1")
    first = await api.data(
        CREATE, {"input": {**new_clerk(), "idempotencyKey": "phone-42"}}, token=token
    )
    before = await staff_count(api)
    again = await api.data(
        CREATE, {"input": {**new_clerk(), "idempotencyKey": "phone-42"}}, token=token
    )
    assert again == first
    assert await staff_count(api) == before
    # Without the key the same request is a duplicate username.
    assert code_of(await api.gql(CREATE, {"input": new_clerk()}, token=token)) == "CONFLICT"
    # The same key with other arguments is a client bug, refused.
    other = await api.gql(
        CREATE,
        {"input": {**new_clerk(username="clerk.e1c"), "idempotencyKey": "phone-42"}},
        token=token,
    )
    assert code_of(other) == "CONFLICT"
    assert "different arguments" in other["errors"][0]["message"]


async def test_concurrent_retries_create_one_account(api: Api) -> None:
    token = await api.token_for("sm.e1")
    results = await asyncio.gather(
        *[
            api.gql(
                CREATE, {"input": {**new_clerk(), "idempotencyKey": "flaky-network"}}, token=token
            )
            for _ in range(6)
        ]
    )
    assert all("errors" not in r for r in results), results
    assert len({r["data"]["createStaff"]["staff"]["username"] for r in results}) == 1
    async with api.engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM staff WHERE username = 'clerk.e1b'"))
    assert count == 1


async def test_a_failed_mutation_keeps_no_idempotency_record(api: Api) -> None:
    token = await api.token_for("sm.e1")
    failed = await api.gql(
        CREATE, {"input": {**new_clerk(store="E2"), "idempotencyKey": "k1"}}, token=token
    )
    assert code_of(failed) == "FORBIDDEN"
    async with api.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM idempotency_record")) == 0
    # The key is free again for a corrected request.
    assert "errors" not in await api.gql(
        CREATE, {"input": {**new_clerk(), "idempotencyKey": "k1"}}, token=token
    )


async def test_freeze_rules(api: Api) -> None:
    manager = await api.token_for("sm.e1")
    cases = [
        # Outside the caller's scope an account is not there for them, as if nobody had it.
        ("sm.e1", "clerk.e2", "NOT_FOUND"),  # other store
        ("sm.e1", "sm.e1", "FORBIDDEN"),  # self
        ("rm.east", "sm.w1", "NOT_FOUND"),  # other region
        ("sm.e1", "nobody", "NOT_FOUND"),
        ("clerk.e2", "clerk.e1", "FORBIDDEN"),
    ]
    for caller, target, expected in cases:
        result = await api.gql(
            "mutation($u: String!) { freezeStaff(username: $u) { staff { status } } }",
            {"u": target},
            token=await api.token_for(caller),
        )
        assert code_of(result) == expected, (caller, target, result)
    ok = await api.data(
        'mutation { freezeStaff(username: "clerk.e1") { staff { status } } }', token=manager
    )
    assert ok["freezeStaff"]["staff"]["status"] == "FROZEN"
    rm = await api.data(
        'mutation { freezeStaff(username: "sm.e1") { staff { status } } }',
        token=await api.token_for("rm.east"),
    )
    assert rm["freezeStaff"]["staff"]["status"] == "FROZEN"


TOKEN = """mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id name expiresAt grants staff { username role store { code } } } }
}"""


async def test_admin_issues_a_read_only_integrator_token(api: Api) -> None:
    admin = await api.token_for("admin")
    data = await api.data(TOKEN, {"input": {"name": "bi-feed", "expiresInDays": 30}}, token=admin)
    issued = data["createApiToken"]
    assert issued["token"].startswith("csi_")
    assert issued["apiToken"]["staff"] == {
        "username": "integrator.bi-feed",
        "role": "INTEGRATOR",
        "store": None,
    }
    integrator = issued["token"]
    me = await api.data("{ me { role permissions } }", token=integrator)
    assert me["me"]["role"] == "INTEGRATOR"
    assert "MANAGE_STAFF" not in me["me"]["permissions"]
    assert (
        len(
            (await api.data("{ stores { edges { node { code } } } }", token=integrator))["stores"][
                "edges"
            ]
        )
        == 3
    )
    # Read-only: no staff changes, no store settings, no staff list.
    refused = await api.gql(CREATE, {"input": new_clerk()}, token=integrator)
    assert code_of(refused) == "FORBIDDEN"
    refused = await api.gql("{ staff { edges { node { username } } } }", token=integrator)
    assert code_of(refused) == "FORBIDDEN"
    # Integrators may introspect: they build clients from the schema.
    assert (await api.gql("{ __schema { queryType { name } } }", token=integrator))["data"]
    # Revoking it stops it at once.
    await api.data(
        "mutation($id: ID!) { revokeApiToken(id: $id) { revoked } }",
        {"id": issued["apiToken"]["id"]},
        token=admin,
    )
    assert code_of(await api.gql("{ me { role } }", token=integrator)) == "UNAUTHENTICATED"


async def test_integrator_token_with_grants_and_store_scope(api: Api) -> None:
    admin = await api.token_for("admin")
    data = await api.data(
        TOKEN,
        {
            "input": {
                "name": "pos-e1",
                "expiresInDays": 7,
                "storeCode": "E1",
                "grants": ["VIEW_STAFF"],
            }
        },
        token=admin,
    )
    token = data["createApiToken"]["token"]
    assert data["createApiToken"]["apiToken"]["grants"] == ["VIEW_STAFF"]
    own = await api.data(
        '{ staff(filter: {storeCode: "E1"}) { edges { node { username } } } }', token=token
    )
    assert {e["node"]["username"] for e in own["staff"]["edges"]} >= {"clerk.e1", "sm.e1"}
    other = await api.gql(
        '{ staff(filter: {storeCode: "W1"}) { edges { node { username } } } }', token=token
    )
    assert code_of(other) == "FORBIDDEN"


@pytest.mark.parametrize(
    "input",
    [
        {"name": "x1", "expiresInDays": 0},
        {"name": "x1", "expiresInDays": 400},
        {"name": "x1", "expiresInDays": 30, "grants": ["MANAGE_API_TOKENS"]},
        {"name": "Not Valid", "expiresInDays": 30},
    ],
)
async def test_bad_token_requests_are_refused(api: Api, input: dict) -> None:
    result = await api.gql(TOKEN, {"input": input}, token=await api.token_for("admin"))
    assert code_of(result) == "BAD_USER_INPUT", result
    async with api.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM auth_token WHERE kind = 'API'")) == 0


async def test_expired_integrator_token_is_refused(api: Api) -> None:
    data = await api.data(
        TOKEN, {"input": {"name": "short", "expiresInDays": 1}}, token=await api.token_for("admin")
    )
    token = data["createApiToken"]["token"]
    async with api.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE auth_token SET expires_at = now() - interval '1 minute' WHERE kind = 'API'"
            )
        )
    assert code_of(await api.gql("{ me { role } }", token=token)) == "UNAUTHENTICATED"
