"""Bodies and parameters that are not a GraphQL request get a 400 that says what is wrong,
never a 500: a JSON value that is not an object, bytes that are not UTF-8, JSON nested deeper
than any request needs (body, GET variables, and a socket message, closed with 4400)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.conftest import Api
from tests.realtime.wsclient import GqlSocket, LiveServer, live_server

DEEP = 50_000


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'"{ __typename }"', "JSON object"),
        (b"[1, 2]", "batching"),
        (b"42", "JSON object"),
        (b"null", "JSON object"),
        (b'{"query": "{ __typename }", "x": "\xff\xfe"}', "UTF-8"),
        (b"\xc3\x28", "UTF-8"),
        (b"{not json", "JSON"),
        (
            ('{"query": "{ __typename }", "variables": {"a": ' + _nested(DEEP) + "}}").encode(),
            "deep",
        ),
        (_nested(DEEP).encode(), "deep"),
    ],
)
async def test_a_body_that_is_no_request_gets_400(api: Api, body: bytes, says: str) -> None:
    response = await api.client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert says.lower() in response.text.lower(), response.text


async def test_deep_get_variables_get_400(api: Api) -> None:
    # 5,000 levels: past the parser's limit, within what a URL carries.
    response = await api.client.get(
        "/graphql",
        params={"query": "{ __typename }", "variables": '{"a": ' + _nested(5000) + "}"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert "deep" in response.text.lower()


async def test_requests_nested_as_deep_as_real_ones_still_run(api: Api) -> None:
    variables = {"a": json.loads(_nested(30))}
    response = await api.client.post(
        "/graphql", json={"query": "{ __typename }", "variables": variables}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"__typename": "Query"}


@pytest.fixture
async def live(org_db: str) -> AsyncIterator[LiveServer]:
    async with live_server(org_db) as server:
        yield server


async def test_a_deep_socket_message_closes_with_4400(live: LiveServer) -> None:
    token = await live.api.token_for("clerk.e1")
    async with GqlSocket.opened(live.port, token) as sock:
        await sock.ws.send(
            '{"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }", '
            '"variables": {"a": ' + _nested(DEEP) + "}}}"
        )
        code, reason = await sock.close_code()
    assert code == 4400
    assert "deep" in reason.lower()
