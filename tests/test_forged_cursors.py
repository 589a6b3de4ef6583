"""A hand-made cursor with the wrong kind of key is BAD_USER_INPUT, not a database error."""

from __future__ import annotations

import pytest

from api.domain.pagination import encode_cursor
from tests.conftest import Api


@pytest.mark.parametrize(
    ("query", "cursor"),
    [
        ("stores(first: 2, after: $after) { edges { cursor } }", encode_cursor("store", [7])),
        (
            "stores(first: 2, after: $after) { edges { cursor } }",
            encode_cursor("store", [[1]]),
        ),
        (
            "transfers(first: 2, after: $after) { edges { cursor } }",
            encode_cursor("transfer", ["abc"]),
        ),
        (
            "transfers(first: 2, after: $after) { edges { cursor } }",
            encode_cursor("transfer", [10**20]),  # beyond a bigint
        ),
        (
            "transfers(first: 2, after: $after) { edges { cursor } }",
            encode_cursor("transfer", [True]),
        ),
    ],
)
async def test_a_cursor_with_a_key_of_the_wrong_type_is_bad_input(
    api: Api, query: str, cursor: str
) -> None:
    token = await api.token_for("ops")
    result = await api.gql(f"query($after: String) {{ {query} }}", {"after": cursor}, token=token)
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", result
    assert result["errors"][0]["extensions"]["argument"] == "after"


async def test_issued_cursors_still_page(api: Api) -> None:
    token = await api.token_for("ops")
    query = "query($after: String) { stores(first: 1, after: $after) { edges { cursor node { code } } } }"
    first = await api.data(query, {"after": None}, token=token)
    cursor = first["stores"]["edges"][0]["cursor"]
    second = await api.data(query, {"after": cursor}, token=token)
    assert (
        second["stores"]["edges"][0]["node"]["code"] > first["stores"]["edges"][0]["node"]["code"]
    )
