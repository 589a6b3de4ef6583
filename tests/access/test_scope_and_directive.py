"""Store/region scope and the @requires directive, through the API, over many kinds of caller."""

from __future__ import annotations

import pytest

from tests.conftest import Api

HOURS = """mutation($store: String!) {
  setStoreOpeningHours(storeCode: $store, openingHours: [
    {day: "MONDAY", opens: "08:00", closes: "12:00"},
    {day: "MONDAY", opens: "13:00", closes: "22:00"},
    {day: "SUNDAY", opens: "00:00", closes: "24:00"}
  ]) { store { code openingHours { day opens closes } } }
}"""

STAFF_OF = """query($store: String) {
  staff(filter: {storeCode: $store}, first: 50) { edges { node { username role } } }
}"""


def code_of(result: dict) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


@pytest.mark.parametrize(
    ("username", "store", "expected"),
    [
        ("sm.e1", "E1", None),
        ("sm.e1", "E2", "FORBIDDEN"),  # same region, other store
        ("sm.e1", "W1", "FORBIDDEN"),
        ("clerk.e1", "E1", "FORBIDDEN"),  # role lacks MANAGE_STORE_SETTINGS
        ("rm.east", "E2", None),
        ("rm.east", "W1", "FORBIDDEN"),
        ("ops", "W1", None),
        ("admin", "E1", None),
        ("compliance", "E1", "FORBIDDEN"),
        ("handler.east", "E1", "FORBIDDEN"),
        ("sm.e1", "NOPE", "NOT_FOUND"),
    ],
)
async def test_store_settings_follow_role_and_scope(
    api: Api, username: str, store: str, expected: str | None
) -> None:
    token = await api.token_for(username)
    result = await api.gql(HOURS, {"store": store}, token=token)
    assert code_of(result) == expected, result
    if expected is None:
        hours = result["data"]["setStoreOpeningHours"]["store"]["openingHours"]
        assert hours == [
            {"day": "MONDAY", "opens": "08:00", "closes": "12:00"},
            {"day": "MONDAY", "opens": "13:00", "closes": "22:00"},
            {"day": "SUNDAY", "opens": "00:00", "closes": "24:00"},
        ]
    else:
        assert result["data"] is None


async def test_refused_change_writes_nothing(api: Api) -> None:
    before = await api.data(
        '{ store(code: "E2") { openingHours { day opens closes } } }',
        token=await api.token_for("ops"),
    )
    result = await api.gql(HOURS, {"store": "E2"}, token=await api.token_for("sm.e1"))
    assert code_of(result) == "FORBIDDEN"
    after = await api.data(
        '{ store(code: "E2") { openingHours { day opens closes } } }',
        token=await api.token_for("ops"),
    )
    assert before == after


@pytest.mark.parametrize(
    "periods",
    [
        '[{day: "FUNDAY", opens: "08:00", closes: "12:00"}]',
        '[{day: "MONDAY", opens: "8am", closes: "12:00"}]',
        '[{day: "MONDAY", opens: "12:00", closes: "08:00"}]',
        '[{day: "MONDAY", opens: "24:00", closes: "24:00"}]',
        '[{day: "MONDAY", opens: "08:00", closes: "12:00"}, {day: "MONDAY", opens: "11:00", closes: "13:00"}]',
    ],
)
async def test_bad_opening_hours_are_refused_and_change_nothing(api: Api, periods: str) -> None:
    token = await api.token_for("sm.e1")
    query = f'mutation {{ setStoreOpeningHours(storeCode: "E1", openingHours: {periods}) {{ store {{ code }} }} }}'
    result = await api.gql(query, token=token)
    assert code_of(result) == "BAD_USER_INPUT", result
    hours = await api.data('{ store(code: "E1") { openingHours { opens } } }', token=token)
    assert {p["opens"] for p in hours["store"]["openingHours"]} == {"07:00"}


@pytest.mark.parametrize(
    ("username", "store", "expected_code", "expected_users"),
    [
        ("clerk.e1", "E1", None, ["clerk.e1", "sm.e1"]),
        ("clerk.e1", "E2", "FORBIDDEN", None),  # a clerk of store A asking about store B
        ("sm.w1", "E1", "FORBIDDEN", None),
        ("rm.east", "E2", None, ["clerk.e2"]),
        ("rm.east", "W1", "FORBIDDEN", None),
        ("compliance", "W1", None, ["clerk.w1", "sm.w1"]),
        ("handler.east", "E1", "FORBIDDEN", None),  # role lacks VIEW_STAFF
    ],
)
async def test_staff_lists_are_scoped(
    api: Api, username: str, store: str, expected_code: str | None, expected_users: list[str] | None
) -> None:
    result = await api.gql(STAFF_OF, {"store": store}, token=await api.token_for(username))
    assert code_of(result) == expected_code, result
    if expected_users is not None:
        names = sorted(e["node"]["username"] for e in result["data"]["staff"]["edges"])
        assert names == expected_users


async def test_unfiltered_staff_list_is_limited_to_scope(api: Api) -> None:
    async def names(username: str) -> list[str]:
        data = await api.data(STAFF_OF, {}, token=await api.token_for(username))
        return sorted(e["node"]["username"] for e in data["staff"]["edges"])

    assert await names("clerk.e2") == ["clerk.e2"]
    assert await names("rm.east") == ["clerk.e1", "clerk.e2", "handler.east", "rm.east", "sm.e1"]
    assert len(await names("ops")) == 10


async def test_denied_nullable_field_is_null_and_reported_in_extensions(api: Api) -> None:
    token = await api.token_for("handler.east")  # may read stores, not staff
    result = await api.gql(
        '{ store(code: "E1") { code staff(first: 5) { edges { node { username } } } } }',
        token=token,
    )
    assert "errors" not in result
    assert result["data"] == {"store": {"code": "E1", "staff": None}}
    assert result["extensions"]["hiddenFields"] == [
        {"path": ["store", "staff"], "reason": "PERMISSION_REQUIRED", "permission": "VIEW_STAFF"}
    ]


async def test_nested_staff_respects_scope_too(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    own = await api.data(
        '{ store(code: "E1") { staff { edges { node { username } } } } }', token=token
    )
    assert len(own["store"]["staff"]["edges"]) == 2
    other = await api.gql(
        '{ store(code: "W1") { code staff { edges { node { username } } } } }', token=token
    )
    assert code_of(other) == "FORBIDDEN"
    assert other["errors"][0]["path"] == ["store", "staff"]


async def test_denied_non_null_root_field_is_forbidden(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    result = await api.gql(
        'mutation { createApiToken(input: {name: "pos", expiresInDays: 30}) { token } }',
        token=token,
    )
    assert code_of(result) == "FORBIDDEN"
    assert result["data"] is None
