"""Slow clients are timed out: a request head or body that trickles in gets 408 and a closed
connection, and the app never runs a request whose body did not arrive (api/slow_clients.py).

The app is served by uvicorn with the protocol `chainstore serve` uses, in this event loop,
with short limits; the clients are raw sockets, since no HTTP client sends this slowly."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from api import cli
from api.app import create_app
from api.slow_clients import ReadLimits, SlowClientGuard, limits_from_environment
from db.embedded import to_sqlalchemy_url
from tests.conftest import test_settings as settings_for
from tests.realtime.wsclient import free_port

LIMITS = ReadLimits(header_seconds=0.6, body_idle_seconds=0.6, body_total_seconds=1.5)


class QuickGuard(SlowClientGuard):
    limits = LIMITS


@contextlib.asynccontextmanager
async def served(url: str) -> AsyncIterator[int]:
    app = create_app(settings_for(url))
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        http=QuickGuard,
        timeout_graceful_shutdown=10,  # bounded like `chainstore serve`
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


async def _answer(reader: asyncio.StreamReader, within: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), within)


async def _trickle(
    writer: asyncio.StreamWriter, reader: asyncio.StreamReader, pieces: list[bytes], every: float
) -> None:
    """Send `pieces` one by one, `every` seconds apart, until the server answers or closes."""
    for piece in pieces:
        if reader.at_eof() or len(getattr(reader, "_buffer", b"")):  # the server answered
            return
        try:
            writer.write(piece)
            await writer.drain()
        except ConnectionError:
            return
        await asyncio.sleep(every)


@pytest.fixture
async def port(org_db: str) -> AsyncIterator[int]:
    async with served(org_db) as port:
        yield port


async def test_a_connection_that_sends_nothing_is_closed(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answer = await _answer(reader)
    assert answer.startswith(b"HTTP/1.1 408 ")
    writer.close()


async def test_a_trickled_request_head_gets_408(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40
    # One byte every 50 ms: the head is never complete within 0.6 s.
    await _trickle(writer, reader, [bytes([b]) for b in head], every=0.05)
    answer = await _answer(reader)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    writer.close()


async def test_a_stalled_body_gets_408_and_the_app_never_runs_it(port: int, org_db: str) -> None:
    body = json.dumps(
        {
            "query": "mutation($u: String!, $p: String!) { login(username: $u, password: $p)"
            " { token } }",
            "variables": {"u": "clerk.e1", "p": "wrong"},
        }
    ).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body[:10]
    )
    await writer.drain()
    answer = await _answer(reader)  # and then nothing more: the idle limit passes
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    writer.close()
    engine = create_async_engine(to_sqlalchemy_url(org_db))
    async with engine.connect() as conn:  # the failed sign-in never ran, so nothing counted it
        assert await conn.scalar(text("SELECT count(*) FROM login_throttle")) == 0
    await engine.dispose()


async def test_a_body_trickled_past_the_total_limit_gets_408(port: int) -> None:
    body = b'{"query": "{ __typename }"}' + b" " * 200
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
    )
    # 4 bytes every 0.2 s: never idle for 0.6 s, but the whole takes longer than 1.5 s.
    await _trickle(writer, reader, [body[i : i + 4] for i in range(0, len(body), 4)], every=0.2)
    answer = await _answer(reader)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    writer.close()


async def test_prompt_clients_are_served_on_a_kept_alive_connection(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = b'{"query": "{ __typename }"}'
    request = (
        b"POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )
    for _ in range(2):
        writer.write(request)
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 5)
        assert status.startswith(b"HTTP/1.1 200 "), status
        length = 0
        while (line := await reader.readline()) != b"\r\n":
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        assert b"Query" in await reader.readexactly(length)
        await asyncio.sleep(0.3)  # idle between requests, under every limit
    writer.close()


def test_serve_runs_the_guard_with_the_configured_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    source = cli.serve.__code__.co_consts
    assert "api.slow_clients:SlowClientGuard" in source
    monkeypatch.setenv("CHAINSTORE_HEADER_READ_TIMEOUT_SECONDS", "7")
    monkeypatch.setenv("CHAINSTORE_BODY_READ_IDLE_TIMEOUT_SECONDS", "8")
    monkeypatch.setenv("CHAINSTORE_BODY_READ_TIMEOUT_SECONDS", "90")
    limits_from_environment.cache_clear()
    try:
        assert limits_from_environment() == ReadLimits(7.0, 8.0, 90.0)
    finally:
        limits_from_environment.cache_clear()
