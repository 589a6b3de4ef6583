"""Which operation of a document runs: the spec's rule, over every transport's entry point."""

from __future__ import annotations

import pytest

from tests.conftest import Api

TWO = "query A { me { username } } query B { me { role } }"
MODERN = {"accept": "application/graphql-response+json"}


@pytest.mark.parametrize("headers", [{}, MODERN])
async def test_two_operations_without_a_name_is_an_error(api: Api, headers: dict) -> None:
    token = await api.token_for("ops")
    response = await api.post(TWO, token=token, headers=headers)
    body = response.json()
    assert "data" not in body or body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "operationName" in body["errors"][0]["message"]


async def test_the_named_operation_runs(api: Api) -> None:
    token = await api.token_for("ops")
    response = await api.client.post(
        "/graphql",
        json={"query": TWO, "operationName": "B"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.json()["data"] == {"me": {"role": "HQ_OPERATIONS"}}
    assert "errors" not in response.json()


async def test_an_unknown_operation_name_is_an_error(api: Api) -> None:
    token = await api.token_for("ops")
    response = await api.client.post(
        "/graphql",
        json={"query": TWO, "operationName": "C"},
        headers={"authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "C" in body["errors"][0]["message"]
