"""A graphql-transport-ws client over real sockets (websockets), and a server on a real port.

`live_server` runs the app under uvicorn inside the test's event loop (fast, one process);
tests across processes start `chainstore serve` instead (tests/realtime/test_processes.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from api.app import create_app
from api.context import Services
from tests.conftest import Api, test_settings

PROTOCOL = Subprotocol("graphql-transport-ws")

STOCK_ALERTS = """subscription($store: String!, $after: ID) {
  stockAlerts(storeCode: $store, lastEventId: $after) {
    id kind occurredAt alertId store { code region { code } } product { sku } onHand safetyStock
  }
}"""

PRIVACY_ALERTS = """subscription($after: ID) {
  privacyAlerts(lastEventId: $after) { id occurredAt alert { id kind distinctMembers staff { username } } }
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class GqlSocket:
    """One client socket speaking graphql-transport-ws."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    @classmethod
    @contextlib.asynccontextmanager
    async def opened(cls, port: int, token: str | None) -> AsyncIterator[GqlSocket]:
        """A socket after connection_init with `token` (None: not initialised)."""
        async with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=[PROTOCOL]) as ws:
            sock = cls(ws)
            if token is not None:
                await sock.send(
                    {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
                )
                ack = await sock.receive()
                assert ack["type"] == "connection_ack", ack
            yield sock

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        """The next message, which must come in a text frame: graphql-transport-ws is JSON
        text, and standard clients (graphql-ws, gql) refuse binary frames outright."""
        frame = await asyncio.wait_for(self.ws.recv(), within)
        assert isinstance(frame, str), f"binary frame from the server: {frame!r}"
        message: dict[str, Any] = json.loads(frame)
        return message

    async def subscribe(
        self, query: str, variables: dict[str, Any] | None = None, op_id: str = "1"
    ) -> None:
        payload: dict[str, Any] = {"query": query, "variables": variables or {}}
        await self.send({"id": op_id, "type": "subscribe", "payload": payload})

    async def next_data(self, within: float = 5.0) -> dict[str, Any]:
        """The data of the next `next` message (which must carry no errors)."""
        message = await self.receive(within)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        data: dict[str, Any] = message["payload"]["data"]
        return data

    async def nothing_within(self, seconds: float) -> bool:
        try:
            message = await asyncio.wait_for(self.ws.recv(), seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"expected nothing, got {message!r}")

    async def close_code(self, within: float = 5.0) -> tuple[int, str]:
        """Wait for the server to close the socket; its code and reason."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), within)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "closed without a close frame"
            return closed.rcvd.code, closed.rcvd.reason


class LiveServer:
    def __init__(self, port: int, api: Api, services: Services) -> None:
        self.port = port
        self.api = api
        self.services = services

    async def until_feeds(self, count: int, within: float = 5.0) -> None:
        """Wait until this server's hub has `count` feeds attached (subscriptions running)."""
        async with asyncio.timeout(within):
            while self.services.live is None or self.services.live.hub.feed_count != count:  # noqa: ASYNC110
                await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def live_server(url: str, **overrides: Any) -> AsyncIterator[LiveServer]:
    """The app under uvicorn on a free port of 127.0.0.1, in this event loop."""
    app = create_app(test_settings(url, **overrides))
    port = free_port()
    # Bounded like `chainstore serve`: a socket that never finishes cannot hold the test forever.
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            services: Services = app.state.services
            yield LiveServer(port, Api(client, services.engine, url), services)
    finally:
        server.should_exit = True
        await task
