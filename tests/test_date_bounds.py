"""Dates beyond what a chain deals in are refused at coercion (BAD_USER_INPUT), never INTERNAL."""

from __future__ import annotations

import pytest

from tests.conftest import Api

STANDARDS = (
    "query($from: Date!, $to: Date!) { standardsReport(from: $from, to: $to) "
    "{ edges { node { __typename } } } }"
)
COMPLAINTS = (
    "query($from: DateTime!, $to: DateTime!) { complaintStats(from: $from, to: $to) "
    "{ __typename } }"
)


@pytest.mark.parametrize(
    ("query", "start", "end"),
    [
        (STANDARDS, "2026-01-01", "9999-12-31"),
        (STANDARDS, "0001-01-01", "2026-01-01"),
        (COMPLAINTS, "2026-01-01T00:00:00+08:00", "9999-12-31T23:59:59+08:00"),
        (COMPLAINTS, "0001-01-01T00:00:00+00:00", "2026-01-01T00:00:00+08:00"),
    ],
)
async def test_out_of_range_dates_are_bad_input(api: Api, query: str, start: str, end: str) -> None:
    token = await api.token_for("ops")
    result = await api.gql(query, {"from": start, "to": end}, token=token)
    error = result["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", result
    assert "in the years 1900 to 2199" in error["message"]


async def test_out_of_range_literal_is_bad_input(api: Api) -> None:
    token = await api.token_for("ops")
    query = '{ standardsReport(from: "2026-01-01", to: "9999-12-31") { edges { cursor } } }'
    result = await api.gql(query, token=token)
    assert result["errors"][0]["extensions"]["code"] in (
        "BAD_USER_INPUT",
        "GRAPHQL_VALIDATION_FAILED",
    )
    assert "in the years 1900 to 2199" in result["errors"][0]["message"]


async def test_dates_in_range_still_answer(api: Api) -> None:
    token = await api.token_for("ops")
    result = await api.gql(STANDARDS, {"from": "2026-01-01", "to": "2026-01-31"}, token=token)
    assert "errors" not in result, result
