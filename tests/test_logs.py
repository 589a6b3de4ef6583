"""The service log, read as an operator reads it: each expected client error is one INFO line
with its request id and code (never a traceback, the variables or the query), INTERNAL is one
ERROR line with its traceback, and a phone number sent in variables is never written."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect

from api.logging_config import LOG_FORMAT
from api.request_id import RequestIdLogFilter
from tests.conftest import Api, running_api
from tests.org_fixture import PASSWORD
from tests.realtime.wsclient import PROTOCOL, GqlSocket, live_server
from tests.test_processes import free_port, server_log, start_serve, stop, wait_ready

PHONE = "+86 135 5566 7788"  # sent in variables; must never reach the log in any form
PHONE_DIGITS = "13555667788"

LOGIN = "mutation SignIn($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
ENROL = """mutation Enrol($input: EnrollMemberInput!) {
  enrollMember(input: $input) { member { id } }
}"""


@dataclass
class ServiceLog:
    """Every record the service writes, formatted as `chainstore serve` writes it."""

    records: list[tuple[logging.LogRecord, str]] = field(default_factory=list)

    def of(self, request_id: str) -> list[tuple[logging.LogRecord, str]]:
        return [
            (r, line)
            for r, line in self.records
            if r.__dict__["request_id"] == request_id and r.name != "chainstore.access"
        ]  # each request's access line aside (tests/test_access_log.py reads those)

    def text(self) -> str:
        return "\n".join(line for _, line in self.records)


class _Capture(logging.Handler):
    def __init__(self, log: ServiceLog) -> None:
        super().__init__(logging.INFO)
        self.log = log
        self.addFilter(RequestIdLogFilter())
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "chainstore.pii" and "DEVELOPMENT key" in record.getMessage():
            return  # the once-per-process warning about the test key ring, not about requests
        self.log.records.append((record, self.format(record)))


@pytest.fixture
def service_log() -> Iterator[ServiceLog]:
    log = ServiceLog()
    handler = _Capture(log)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield log
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
async def throttled_api(org_db: str) -> AsyncIterator[Api]:
    async with running_api(org_db, login_max_failures_per_user=2) as api:
        yield api


def assert_one_info_line(log: ServiceLog, request_id: str, code: str, *parts: str) -> str:
    lines = log.of(request_id)
    assert len(lines) == 1, [line for _, line in lines]
    record, line = lines[0]
    assert record.levelno == logging.INFO and record.exc_info is None, line
    assert f"[{request_id}]" in line and f"client error {code} " in line, line
    assert "Traceback" not in line
    for part in parts:
        assert part in line, (part, line)
    return line


def no_phone_in(logged: str) -> bool:
    """True when no form of PHONE is in the text: spaced, joined, or split by any separator
    (its last eight digits, the subscriber number, alone are enough to leak it)."""
    return all(
        PHONE_DIGITS not in re.sub(r"\D", "", line) and not re.search(r"5566\D{0,3}7788", line)
        for line in logged.splitlines()
    )


async def post(api: Api, request_id: str, query: str, variables: Any = None, **kw: Any) -> dict:
    response = await api.post(query, variables, headers={"x-request-id": request_id}, **kw)
    body: dict[str, Any] = response.json()
    return body


def code_of(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def test_each_client_error_is_one_info_line_without_a_traceback(
    throttled_api: Api, service_log: ServiceLog
) -> None:
    api = throttled_api
    clerk = await api.token_for("clerk.e1")
    cases: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = []

    async def expect(
        code: str, rid: str, query: str, variables: Any = None, *, token: str | None = clerk
    ) -> None:
        body = await post(api, rid, query, variables, token=token)
        assert code_of(body) == code, body
        cases.append((rid, code, body, ()))

    wrong = {"u": "sm.e1", "p": "not-the-password"}
    await expect("UNAUTHENTICATED", "log-unauth-1", LOGIN, wrong, token=None)
    await expect("UNAUTHENTICATED", "log-unauth-2", LOGIN, wrong, token=None)
    await expect("RATE_LIMITED", "log-throttled", LOGIN, {"u": "sm.e1", "p": PASSWORD}, token=None)
    await expect("BAD_USER_INPUT", "log-first-101", "{ stores(first: 101) { edges { cursor } } }")
    await expect(
        "NOT_FOUND", "log-not-found", '{ stockLevel(storeCode: "E1", sku: "NOPE") { onHand } }'
    )
    await expect("FORBIDDEN", "log-forbidden", '{ memberCode(memberId: "x") { code } }')
    start = (
        'mutation Start { startShift(input: {storeCode: "E1", kind: OPENING}) { shift { id } } }'
    )
    assert "errors" not in await post(api, "log-shift-ok", start, token=clerk)
    await expect("CONFLICT", "log-conflict", start)
    await expect("GRAPHQL_PARSE_FAILED", "log-parse", "{ me { username ")
    await expect("GRAPHQL_VALIDATION_FAILED", "log-validation", "{ me { nope } }")
    # Variables that do not coerce: graphql-core's message quotes the whole input, phone too.
    bad_input = {"input": {"phone": PHONE, "displayName": "王芳", "marketingConsent": "yes"}}
    body = await post(api, "log-coercion", ENROL, bad_input, token=clerk)
    cases.append(("log-coercion", code_of(body), body, ("operation Enrol",)))
    # A domain refusal of the same phone (no name): the message is never logged either.
    short = {"input": {"phone": PHONE[:-3], "displayName": "", "marketingConsent": True}}
    body = await post(api, "log-bad-phone", ENROL, short, token=clerk)
    assert code_of(body) == "BAD_USER_INPUT", body
    cases.append(("log-bad-phone", "BAD_USER_INPUT", body, ("at enrollMember", "operation Enrol")))

    refused = await api.client.post(
        "/photos", files={"file": ("a.png", b"not an image")}, headers={"x-request-id": "log-photo"}
    )
    assert refused.status_code == 401
    cases.append(("log-photo", "UNAUTHENTICATED", refused.json(), ("at photos",)))

    for rid, code, _, parts in cases:
        assert_one_info_line(service_log, rid, code, *parts)
    assert_one_info_line(service_log, "log-unauth-1", "UNAUTHENTICATED", "at login", "SignIn")
    assert_one_info_line(service_log, "log-first-101", "BAD_USER_INPUT", "at stores")
    assert_one_info_line(service_log, "log-conflict", "CONFLICT", "at startShift", "Start")
    assert service_log.of("log-shift-ok") == []  # a success writes no error line
    logged = service_log.text()
    assert "Traceback" not in logged
    assert not [r for r, _ in service_log.records if r.name.startswith("strawberry")]
    assert not [r for r, _ in service_log.records if r.levelno >= logging.WARNING]
    assert no_phone_in(logged), logged
    assert "query" not in logged.lower() and "variables" not in logged.lower()


async def test_internal_is_one_error_line_with_its_traceback(
    api: Api, service_log: ServiceLog
) -> None:
    token = await api.token_for("ops")
    async with api.engine.begin() as conn:  # a real failure: the table is gone under the app
        await conn.execute(text("ALTER TABLE product RENAME TO product_gone"))
    body = await post(
        api, "log-internal", 'query Product { product(sku: "SKU-CORE-1") { name } }', token=token
    )
    assert code_of(body) == "INTERNAL"
    lines = service_log.of("log-internal")
    assert len(lines) == 1, [line for _, line in lines]
    record, line = lines[0]
    # The traceback is rendered once, redacted (api/log_redaction.py), into exc_text.
    assert record.levelno == logging.ERROR and (record.exc_info or record.exc_text)
    assert "[log-internal]" in line and "Traceback (most recent call last)" in line
    assert "product_gone" not in body["errors"][0]["message"]


async def test_socket_operation_errors_follow_the_same_rule(
    org_db: str, service_log: ServiceLog
) -> None:
    async with live_server(org_db) as server:
        token = await server.api.token_for("sm.e1")
        headers = {"x-request-id": "log-socket-1"}
        url = f"ws://127.0.0.1:{server.port}/graphql"
        async with connect(url, subprotocols=[PROTOCOL], additional_headers=headers) as ws:
            sock = GqlSocket(ws)
            await sock.send(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
            )
            assert (await sock.receive())["type"] == "connection_ack"
            # Outside the caller's store: refused inside the stream, as over HTTP.
            far = 'subscription Far { stockAlerts(storeCode: "W1") { id } }'
            await sock.subscribe(far, op_id="far")
            message = await sock.receive()
            assert message["type"] in ("next", "error"), message
            if message["type"] == "next":
                assert message["payload"]["errors"], message
                assert (await sock.receive())["type"] == "complete"
            await sock.subscribe("subscription Broken { stockAlerts(", op_id="parse")
            assert (await sock.receive())["type"] == "error"
            await sock.subscribe("subscription Wrong { nope }", op_id="validation")
            assert (await sock.receive())["type"] == "error"
    lines = [line for _, line in service_log.of("log-socket-1")]
    codes = sorted(re.findall(r"client error (\S+) ", "\n".join(lines)))
    assert len(lines) == 3, lines
    assert codes[1:] == ["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"], lines
    assert codes[0] in ("FORBIDDEN", "NOT_FOUND"), lines
    assert all(r.levelno == logging.INFO for r, _ in service_log.of("log-socket-1"))
    assert "Traceback" not in service_log.text()
    assert not [r for r, _ in service_log.records if r.name.startswith("strawberry")]


def test_served_log_has_one_line_per_client_error_and_no_phone(org_db: str) -> None:
    """The same, read from `chainstore serve`'s own output (its log configuration, uvicorn's
    access lines included)."""
    env = {**os.environ, "DATABASE_URL": org_db}
    port = free_port()
    process = start_serve("--port", str(port), env=env)
    try:
        wait_ready(port, process)
        url = f"http://127.0.0.1:{port}/graphql"
        sent = {
            "served-unauth": {"query": LOGIN, "variables": {"u": "sm.e1", "p": "wrong"}},
            "served-coercion": {
                "query": ENROL,
                "variables": {"input": {"phone": PHONE, "displayName": "x", "tags": "no"}},
            },
            "served-parse": {"query": "{ me { "},
        }
        for rid, body in sent.items():
            answer = httpx.post(url, json=body, headers={"x-request-id": rid}, timeout=10)
            assert "errors" in answer.json(), answer.text
        # A mutation sent as a GET is refused; its URL (document, variables) is not logged.
        refused = httpx.get(
            url,
            params={"query": ENROL, "variables": json.dumps({"input": {"phone": PHONE}})},
            headers={"x-request-id": "served-get-refused"},
            timeout=10,
        )
        assert refused.status_code == 405, refused.text
    finally:
        stop(process)
    logged = server_log(process)
    for rid, code in [
        ("served-unauth", "UNAUTHENTICATED"),
        ("served-coercion", "BAD_USER_INPUT"),
        ("served-parse", "GRAPHQL_PARSE_FAILED"),
    ]:
        lines = [line for line in logged.splitlines() if f"[{rid}]" in line and "INFO" in line]
        errors = [line for line in lines if "client error" in line]
        assert len(errors) == 1 and f"client error {code} " in errors[0], lines
    assert "Traceback" not in logged and " ERROR " not in logged, logged
    # The access line: method, path, operation label, code and status; no URL values.
    assert "[served-get-refused] GET /graphql adhoc HTTP_405 405 caller -" in logged, logged
    assert "enrollMember" not in logged and "mutation" not in logged, logged
    assert no_phone_in(logged), logged
