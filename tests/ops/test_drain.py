"""SIGTERM drains `chainstore serve`: at once `/readyz` answers 503 (draining) while the
listener still takes connections, live sockets are closed with 1001 (clients reconnect
elsewhere with lastEventId) and new ones are refused the same way; after
CHAINSTORE_DRAIN_SECONDS uvicorn stops accepting, and a request already in flight, whose body
is still arriving, is answered in full; then the process exits 0."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.ops.served import by_document, document_id
from tests.test_processes import free_port, run_cli, server_log, start_serve, wait_ready

PROTOCOL = Subprotocol("graphql-transport-ws")
DRAIN = 3.0


def subscribed(port: int, token: str, stack: contextlib.ExitStack) -> ClientConnection:
    ws = stack.enter_context(
        connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=[PROTOCOL], open_timeout=10)
    )
    ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
    payload = {
        "documentId": document_id("clerk", "StockAlerts"),
        "variables": {"storeCode": "SH-001"},
    }
    ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return ws


def test_sigterm_drains(empty_db: str) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": empty_db, "CHAINSTORE_DRAIN_SECONDS": str(DRAIN)}
    run_cli("seed", "--demo", env=env)
    process = start_serve("--port", str(port), env=env)
    stack = contextlib.ExitStack()
    try:
        wait_ready(port, process)
        signed_in = by_document(
            port, "clerk", "SignIn", {"username": "clerk.sh-001.1", "password": "chainstore-demo"}
        )
        token = signed_in["data"]["login"]["token"]
        ws = subscribed(port, token, stack)
        time.sleep(0.5)  # the subscription is running
        body = json.dumps({"documentId": document_id("clerk", "Me")}).encode()
        slow = socket.create_connection(("127.0.0.1", port), timeout=20)
        slow.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[:5]
        )
        time.sleep(0.3)  # the request is in flight: its head is read, its body is not
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)

        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=DRAIN)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 503 and ready.json()["checks"]["draining"] is True
        with pytest.raises(ConnectionClosed) as refused:  # a new socket during the drain
            subscribed(port, token, stack)
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 1001
        assert time.monotonic() - signalled < DRAIN

        time.sleep(DRAIN + 1 - (time.monotonic() - signalled))  # uvicorn has stopped accepting
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        slow.sendall(body[5:])
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = slow.recv(65536)
            if not chunk:
                break
            answer += chunk
        head, _, payload = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), answer
        assert json.loads(payload)["data"]["me"]["username"] == "clerk.sh-001.1"
        assert process.wait(timeout=30) == 0
    finally:
        with contextlib.suppress(Exception):
            stack.close()
        if process.poll() is None:
            process.kill()
    assert "draining: readyz 503" in server_log(process)
