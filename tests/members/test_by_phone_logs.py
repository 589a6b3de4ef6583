"""The number given to memberByPhone is in no line `chainstore serve` logs (uvicorn's access
lines included) and in no line a logger filter lets through, with the real log configuration."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from api.log_redaction import install_log_redaction, without_query_values
from tests.members.conftest import NATIONAL, PHONE_TYPED, assert_no_phone
from tests.test_processes import free_port, run_cli, server_log, start_serve, stop, wait_ready

FIND = "query($p: String!) { memberByPhone(phone: $p) { cardNumber } }"


@pytest.fixture
def served(empty_db: str) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    env = {**os.environ, "DATABASE_URL": empty_db}
    run_cli("seed", "--demo", env=env)
    port = free_port()
    process = start_serve("--port", str(port), env=env)
    try:
        wait_ready(port, process)
        yield port, process
    finally:
        if process.poll() is None:
            stop(process)


def test_serve_logs_no_digit_of_a_number_looked_up(
    served: tuple[int, subprocess.Popen[str]],
) -> None:
    port, process = served
    url = f"http://127.0.0.1:{port}/graphql"
    signed_in = httpx.post(
        url,
        json={
            "query": 'mutation { login(username: "clerk.sh-001.1", password: "chainstore-demo")'
            " { token } }"
        },
        timeout=30,
    ).json()
    headers = {"authorization": f"Bearer {signed_in['data']['login']['token']}"}
    bodies = [
        {"query": FIND, "variables": {"p": PHONE_TYPED}},
        {"query": FIND, "variables": {"p": int(NATIONAL)}},
        {"query": f"{{ memberByPhone(phone: {NATIONAL}) {{ cardNumber }} }}"},
    ]
    answers = [httpx.post(url, json=b, headers=headers, timeout=30) for b in bodies]
    answers.append(
        httpx.get(
            url,
            params={"query": FIND, "variables": json.dumps({"p": NATIONAL})},
            headers=headers,
            timeout=30,
        )
    )
    assert all("errors" in a.json() for a in answers[1:])
    assert stop(process) == 0
    log = server_log(process)
    assert "GET /graphql adhoc " in log  # the access line: no URL, no values
    for answer in answers:
        assert_no_phone(answer.text)
    # Minted request ids are random hex, which may hold a run of the number's digits by chance.
    assert_no_phone(re.sub(r"\b[0-9a-f]{32}\b", "<request id>", log))


def test_access_lines_keep_parameter_names_only(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    assert without_query_values("/graphql") == "/graphql"
    assert without_query_values("/photos/abc?sig=x&exp=1") == "/photos/abc?sig=…&exp=…"
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        # The format and arguments uvicorn's HTTP protocols log each response with.
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5555",
            "GET",
            f"/graphql?query=x&variables=%7B%22p%22%3A%22{NATIONAL}%22%7D",
            "1.1",
            200,
        )
    assert caplog.messages == ['127.0.0.1:5555 - "GET /graphql?query=…&variables=… HTTP/1.1" 200']


def test_logged_graphql_errors_lose_numbers_in_message_and_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_log_redaction()
    try:
        raise ValueError(f"String cannot represent a non string value: {NATIONAL}")
    except ValueError as exc:
        error = exc
    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        logging.getLogger("strawberry.execution").error(
            "Variable '$p' got invalid value %s", ["139", "7531", "8642"], exc_info=error
        )
    [record] = caplog.records
    assert record.getMessage() == "Variable '$p' got invalid value ['***']"
    assert "Traceback" in caplog.text and "ValueError" in caplog.text
    assert_no_phone(caplog.text)
