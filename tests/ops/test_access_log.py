"""The access line and the JSON formatter, in process: one `chainstore.access` record per
GraphQL request with the request id, the caller's staff id, the operation label, the code,
status, duration and statement count; health checks are not logged; a JSON line is one
object whose message went through the phone redaction like any other record."""

from __future__ import annotations

import json
import logging

import pytest

from api.observability.logs import JsonFormatter, log_config
from api.request_id import RequestIdLogFilter
from tests.conftest import Api
from tests.ops.served import document_id


async def test_one_access_line_per_request(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    token = await api.token_for("clerk.e1")
    caplog.set_level(logging.INFO, logger="chainstore.access")
    await api.client.get("/healthz")
    await api.client.get("/readyz")
    me = await api.client.post(
        "/graphql",
        json={"documentId": document_id("clerk", "Me")},
        headers={"authorization": f"Bearer {token}", "x-request-id": "access-me-1"},
    )
    assert me.json()["data"]["me"]["username"] == "clerk.e1"
    bad = await api.client.post(
        "/graphql", json={"query": "{ me { "}, headers={"x-request-id": "access-parse-1"}
    )
    assert bad.status_code in (200, 400)
    records = [r for r in caplog.records if r.name == "chainstore.access"]
    assert [r.__dict__["chainstore"]["request_id"] for r in records] == [
        "access-me-1",
        "access-parse-1",
    ]
    seen = records[0].__dict__["chainstore"]
    assert seen["operation"] == "clerk/Me" and seen["code"] == "OK" and seen["status"] == 200
    assert seen["caller"].isdigit() and seen["sql_statements"] >= 1 and seen["duration_ms"] >= 0
    parse = records[1].__dict__["chainstore"]
    assert (parse["operation"], parse["code"], parse["caller"]) == (
        "adhoc",
        "GRAPHQL_PARSE_FAILED",
        "-",
    )
    assert records[0].getMessage().startswith("POST /graphql clerk/Me OK 200 caller ")


def test_a_json_line_is_one_redacted_object() -> None:
    from api.log_redaction import install_log_redaction

    install_log_redaction()
    record = logging.getLogger("chainstore.test").makeRecord(
        "chainstore.test",
        logging.WARNING,
        __file__,
        1,
        "member %s said hi",
        ("+86 135 5566 7788",),
        None,
    )
    RequestIdLogFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "member *** said hi"
    assert (line["level"], line["logger"], line["request_id"]) == (
        "warning",
        "chainstore.test",
        "-",
    )
    assert set(line) == {"ts", "level", "logger", "message", "request_id", "pid"}


def test_the_two_formats() -> None:
    assert log_config(fmt="json")["formatters"]["default"] == {
        "()": "api.observability.logs.JsonFormatter"
    }
    assert "%(request_id)s" in log_config(fmt="console")["formatters"]["default"]["format"]
    assert log_config()["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    with pytest.raises(ValueError, match="json, console"):
        log_config(fmt="xml")
