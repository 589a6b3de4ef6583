"""JSON that is not a request object gets a clear 400, never a 500: a body that is a string,
a number or null, bytes that are not UTF-8, and nesting beyond MAX_JSON_DEPTH (50,000 deep in
a body or its variables, 2,000 in GET variables). Over a socket, such a message closes it
with 4400."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.graphql_view import MAX_JSON_DEPTH
from tests.conftest import Api
from tests.realtime.wsclient import GqlSocket, LiveServer, live_server

ME = "{ me { username } }"
JSON = {"content-type": "application/json"}


@pytest.fixture
async def live(org_db: str) -> AsyncIterator[LiveServer]:
    async with live_server(org_db) as server:
        yield server


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


async def refused(api: Api, body: bytes) -> str:
    response = await api.client.post("/graphql", content=body, headers=JSON)
    assert response.status_code == 400, (body[:40], response.status_code, response.text)
    return response.text


@pytest.mark.parametrize("body", [b'"a string"', b"12", b"null", b"true", b'  "x"'])
async def test_a_body_that_is_no_object_is_a_clear_400(api: Api, body: bytes) -> None:
    assert "must be a JSON object" in await refused(api, body)


async def test_bytes_that_are_not_utf8_are_a_clear_400(api: Api) -> None:
    for body in (b'{"query": "\xff\xfe"}', b'{"query": "{ me { username } }"}\xc3'):
        assert "UTF-8 JSON" in await refused(api, body)


async def test_deep_nesting_is_a_clear_400_in_bodies_variables_and_get(api: Api) -> None:
    deep = nested(50_000)
    assert "nested at most" in await refused(api, deep.encode())
    for depth in (50_000, MAX_JSON_DEPTH + 1):
        body = f'{{"query": "{ME}", "variables": {{"a": {nested(depth)}}}}}'
        assert "nested at most" in await refused(api, body.encode())
    for depth in (2_000, MAX_JSON_DEPTH + 1):
        response = await api.client.get(
            "/graphql", params={"query": ME, "variables": f'{{"a": {nested(depth)}}}'}
        )
        assert response.status_code == 400, response.text
        assert "nested at most" in response.text
    # Within the limit the request is parsed and runs (the variable is simply unused).
    within = f'{{"query": "{ME}", "variables": {{"a": {nested(MAX_JSON_DEPTH - 2)}}}}}'
    response = await api.client.post("/graphql", content=within.encode(), headers=JSON)
    assert response.status_code == 200, response.text


async def test_a_deep_socket_message_closes_it_with_4400(live: LiveServer) -> None:
    token = await live.api.token_for("clerk.e1")
    for depth in (50_000, MAX_JSON_DEPTH + 1):
        async with GqlSocket.opened(live.port, token) as sock:
            await sock.ws.send(f'{{"type": "ping", "payload": {{"a": {nested(depth)}}}}}')
            code, _ = await sock.close_code()
            assert code == 4400, depth
