"""The issue's "done when" for metrics and logs: demo traffic on `chainstore serve --workers 2`,
then `/metrics` on the separate port shows each trusted operation's count summed over both
workers, and the JSON log has one access line per request and holds no seeded phone number,
no token and no password."""

from __future__ import annotations

import concurrent.futures
import os
import re

import httpx

from api.demo.members import demo_member_specs
from tests.ops.served import by_document, json_lines, post, scrape, total
from tests.test_log_phones import leaked_numbers
from tests.test_processes import free_port, run_cli, server_log, start_serve, stop, wait_ready

PASSWORD = "chainstore-demo"
CLERK = "clerk.sh-001.1"


def test_per_operation_counts_over_two_workers_and_a_clean_log(empty_db: str) -> None:
    metrics_port, port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": empty_db,
        "CHAINSTORE_LOG_FORMAT": "json",
        "CHAINSTORE_METRICS_PORT": str(metrics_port),
        "CHAINSTORE_DRAIN_SECONDS": "0",
    }
    run_cli("seed", "--demo", env=env)
    process = start_serve("--port", str(port), "--workers", "2", env=env)
    phones = [str(spec["phone"]) for spec in demo_member_specs()][:6]
    try:
        wait_ready(port, process)
        before = scrape(metrics_port)
        assert total(before, "chainstore_database_up") == 1
        tokens = []
        for _ in range(3):
            answer = by_document(port, "clerk", "SignIn", {"username": CLERK, "password": PASSWORD})
            tokens.append(answer["data"]["login"]["token"])
        wrong = by_document(port, "clerk", "SignIn", {"username": CLERK, "password": "not-it!"})
        assert wrong["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        token = tokens[0]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            mes = list(pool.map(lambda _: by_document(port, "clerk", "Me", {}, token), range(40)))
        assert all(m["data"]["me"]["username"] == CLERK for m in mes)
        for phone in phones:  # found or not, the number must not reach the log
            by_document(port, "clerk", "MemberByPhone", {"phone": phone}, token)
        # Free-form documents (an integrator's, say) count under one label, never their name.
        for _ in range(2):
            post(port, {"query": "query Mine13555667788 { me { id } }"}, token)
        assert httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 404
        after = scrape(metrics_port)
    finally:
        stop(process)
    requests = "chainstore_requests_total"
    assert total(after, requests, operation="clerk/SignIn", code="OK") == 3
    assert total(after, requests, operation="clerk/SignIn", code="UNAUTHENTICATED") == 1
    assert total(after, requests, operation="clerk/Me", code="OK") == 40
    assert total(after, requests, operation="clerk/MemberByPhone") == len(phones)
    assert total(after, requests, operation="adhoc") == 2
    assert total(after, requests, operation="other", code="HTTP_404") == 1  # GET /metrics
    assert total(after, requests) == 3 + 1 + 40 + len(phones) + 2 + 1  # readyz is not counted
    seconds = "chainstore_request_duration_seconds_count"
    assert total(after, seconds, operation="clerk/Me") == 40
    statements = "chainstore_sql_statements_per_request"
    assert total(after, statements + "_count", operation="clerk/Me") == 40
    assert total(after, statements + "_sum", operation="clerk/Me") >= 40  # a token look-up each
    assert total(after, "chainstore_db_pool_connections_max") == 2 * (12 + 4)  # two workers
    assert total(after, "chainstore_db_pool_connections_in_use") == 0

    log = server_log(process)
    lines = json_lines(log)
    access = [line for line in lines if line["logger"] == "chainstore.access"]
    assert len(access) == 3 + 1 + 40 + len(phones) + 2 + 1
    assert len({line["pid"] for line in access}) == 2  # both workers answered
    me = [line for line in access if line["operation"] == "clerk/Me"]
    assert {line["code"] for line in me} == {"OK"} and {line["status"] for line in me} == {200}
    assert len({line["caller"] for line in me}) == 1 and me[0]["caller"].isdigit()  # a staff id
    assert all(re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) for line in access)
    assert all(line["duration_ms"] >= 0 and line["sql_statements"] >= 1 for line in me)
    loggers = {line["logger"] for line in lines}
    assert "uvicorn.error" in loggers and any(name.startswith("alembic") for name in loggers)
    assert PASSWORD not in log and "not-it!" not in log
    assert not [t for t in tokens if t in log]
    assert leaked_numbers(log.splitlines(), phones) == {}
