"""Text PostgreSQL cannot store (NUL, lone surrogates) is BAD_USER_INPUT, never INTERNAL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.conftest import Api

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"


@pytest.mark.parametrize("bad", ["clerk\x00.e1", "clerk\ud800", "\udfff"])
async def test_unstorable_variables_are_bad_input(api: Api, bad: str) -> None:
    # json.dumps writes a lone surrogate as the escape `\ud800`, as a client would.
    body = json.dumps({"query": LOGIN, "variables": {"u": bad, "p": "x"}})
    response = await api.client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "$u"


async def test_unstorable_nested_input_names_its_path(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    mutation = "mutation($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }"
    result = await api.gql(
        mutation,
        {"input": {"category": "SERVICE", "description": "rude\x00", "idempotencyKey": "k-nul"}},
        token=token,
    )
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", result
    assert result["errors"][0]["extensions"]["argument"] == "$input.description"
    async with api.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM complaint")) == 0


@pytest.mark.parametrize(
    ("literal", "code"),
    [("clerk\\u0000", "BAD_USER_INPUT"), ("clerk\\ud800", "GRAPHQL_PARSE_FAILED")],
)
async def test_unstorable_literals_are_refused(api: Api, literal: str, code: str) -> None:
    query = 'mutation { login(username: "' + literal + '", password: "x") { token } }'
    result = await api.gql(query)
    assert result["errors"][0]["extensions"]["code"] == code, result
