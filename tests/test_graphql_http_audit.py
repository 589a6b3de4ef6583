"""GraphQL over HTTP conformance: the npm graphql-http package's server audits (pinned in
tests/clients) against a real `chainstore serve`; every MUST and every SHOULD must pass.

The audits run as ADMIN: two of them query `__type`, which is introspection, refused to
anonymous callers by design (README "The API")."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from api.domain import auth
from db.engine import create_engine, create_session_factory
from db.models import Staff, TokenKind
from tests.node_clients import node_or_skip, run_node
from tests.test_processes import free_port, start_serve, stop, wait_ready


async def admin_token(url: str) -> str:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with create_session_factory(engine)() as s, s.begin():
            staff_id = await s.scalar(select(Staff.id).where(Staff.username == "admin"))
            assert staff_id is not None
            issued = await auth.issue_token(
                s, staff_id=staff_id, kind=TokenKind.SESSION, lifetime=timedelta(hours=1)
            )
    finally:
        await engine.dispose()
    return issued.token


@pytest.fixture
async def served(org_db: str) -> AsyncIterator[tuple[int, str]]:
    """`chainstore serve` on a free port, and an ADMIN token for it."""
    node_or_skip()  # before starting a server the test could not use
    token = await admin_token(org_db)
    port = free_port()
    process: subprocess.Popen[str] = start_serve(
        "--port", str(port), env={**os.environ, "DATABASE_URL": org_db}
    )
    try:
        wait_ready(port, process)
        yield port, token
    finally:
        if process.poll() is None:
            stop(process)


def table(audits: list[dict[str, Any]]) -> str:
    rows = []
    for a in audits:
        row = f"{a['status']:>6} {a['id']} {a['name']}"
        if a["status"] != "ok":
            row += (
                f"\n         {a['reason']} (got {a['responseStatus']} {a['contentType']}:"
                f" {a['body']!r})"
            )
        rows.append(row)
    return "\n".join(rows)


async def test_every_must_and_should_audit_passes(served: tuple[int, str]) -> None:
    port, token = served
    url = f"http://127.0.0.1:{port}/graphql"
    output = await run_node("graphql_http_audit.mjs", url, token)
    report: list[dict[str, Any]] = json.loads(output)
    must = [a for a in report if a["name"].startswith("MUST")]
    should = [a for a in report if a["name"].startswith("SHOULD")]
    summary = (
        f"MUST {sum(a['status'] == 'ok' for a in must)}/{len(must)}, "
        f"SHOULD {sum(a['status'] == 'ok' for a in should)}/{len(should)}"
    )
    print(summary)  # shown with -s, and in the failure below
    assert (len(must), len(should)) == (13, 23), "graphql-http 1.23.1 has 13 MUST, 23 SHOULD"
    failed = [a for a in must + should if a["status"] != "ok"]
    assert not failed, f"{summary}\n{table(report)}"
