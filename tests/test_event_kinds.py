"""Every event kind written is in the one catalogue (api/domain/events.py), with its shape.

Three ways: (a) statically, no module of api/ but the catalogue spells a kind as a string or
passes one to `emit`; (b) by running the domain (the demo seed, then a workload of sales,
returns, transfers, shifts, complaints, markdowns and the scans) and reading every stored row
back into its kind's payload type; (c) the SDL's EventKind is the domain's enum.
"""

from __future__ import annotations

import ast
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, build_schema
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.demo.seed import seed_demo
from api.domain.analytics.training import raise_training_alerts
from api.domain.complaints.sla import flag_breaches
from api.domain.events import EventKind, EventPayload, describe, parse_payload
from api.domain.scans import scan_near_expiry, scan_slow_movers
from db.engine import create_session_factory
from tests.complaints.helpers import START as START_WORK
from tests.complaints.helpers import filed, move
from tests.conftest import Api, running_api
from tests.help.helpers import answered, asked
from tests.markdowns.test_markdowns_api import ACK, issued
from tests.promotions.test_redemption import half_redeemed_at_e1, sell
from tests.sales.helpers import RECORD_SALE, receive, sale_input
from tests.sales.test_returns import RETURN, return_input
from tests.shifts.helpers import ACCEPT, COMPLETE, END, start
from tests.staff.test_compliance_grants import CONFIRM as CONFIRM_GRANT
from tests.staff.test_compliance_grants import requested as compliance_requested
from tests.transfers.helpers import CANCEL, RECEIVE, lines, requested, shipped

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "api" / "domain" / "events.py"
KINDS = {kind.value for kind in EventKind}
# A kind as a value: the whole string, or quoted inside one (SQL). Prose that names a kind (a
# description saying "each store is told with a MARKDOWN_ISSUED event") is documentation.
_ANY_KIND = "|".join(sorted(KINDS, key=len, reverse=True))
_KIND_AS_VALUE = re.compile(rf"^\s*({_ANY_KIND})\s*$|'({_ANY_KIND})'|\"({_ANY_KIND})\"")


# ---- (a) static: nothing outside the catalogue spells a kind ---------------------------------


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of docstring nodes: prose may name kinds, code may not."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _could_be_a_kind(joined: ast.JoinedStr) -> bool:
    """An f-string such as f"SHIFT_{status}": its fixed parts around any value match a kind."""
    parts = [
        re.escape(str(v.value)) if isinstance(v, ast.Constant) else "[A-Z0-9_]+"
        for v in joined.values
    ]
    fixed = "".join(str(v.value) for v in joined.values if isinstance(v, ast.Constant))
    if not re.search(r"[A-Z]{3}", fixed):
        return False
    pattern = re.compile("".join(parts))
    return any(pattern.fullmatch(kind) for kind in KINDS)


def _is_emit(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "emit") or (
        isinstance(func, ast.Attribute) and func.attr == "emit"
    )


def kind_literals(source: str, filename: str) -> Iterator[str]:
    """Each place in `source` that writes a kind as a string, or calls emit the old way."""
    tree = ast.parse(source, filename=filename)
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and (found := _KIND_AS_VALUE.search(node.value)):
                kind = next(g for g in found.groups() if g)
                yield f"{where}: the kind {kind} as a string"
        elif isinstance(node, ast.JoinedStr) and _could_be_a_kind(node):
            yield f"{where}: a kind built as an f-string"
        elif isinstance(node, ast.Call) and _is_emit(node):
            strings = [
                a
                for a in [*node.args, *(k.value for k in node.keywords)]
                if isinstance(a, ast.JoinedStr)
                or (isinstance(a, ast.Constant) and isinstance(a.value, str))
            ]
            if strings or any(k.arg in {"kind", "payload"} for k in node.keywords):
                yield f"{where}: emit(session, <payload>, store_id=, region_id=) takes no kind"


def test_the_checker_finds_each_way_of_spelling_a_kind() -> None:
    source = '''
"""Docstrings may say LOW_STOCK_RAISED."""
a = "LOW_STOCK_RAISED"
b = f"SHIFT_{status}"
c = "SELECT 'SLOW_MOVER_CLEARED' AS event"
emit(session, kind, store_id=1, region_id=2, payload={})
events.emit(session, some_kind_name, store_id=1, region_id=2)
d = "LOW_STOCK"  # a stock alert's kind, not an event kind
e = "Each store is told with a MARKDOWN_ISSUED event."  # prose
'''
    found = list(kind_literals(source, "x.py"))
    assert [f.split(":")[1] for f in found] == ["3", "4", "5", "6"], found


def test_no_module_but_the_catalogue_spells_an_event_kind() -> None:
    offenders = [
        offence
        for path in sorted((ROOT / "api").rglob("*.py"))
        if path != CATALOGUE
        for offence in kind_literals(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert offenders == []


# ---- (b) dynamic: what the domain writes is catalogued, and parses ---------------------------


async def assert_catalogued(conn: AsyncConnection | AsyncSession) -> set[EventKind]:
    """Every stored event's kind is an EventKind and its payload is that kind's, exactly (the
    payload type's JSON form is the stored object: no key more, none less)."""
    rows = (await conn.execute(text("SELECT kind, payload FROM event ORDER BY id"))).all()
    assert {kind for kind, _ in rows} <= KINDS
    for kind, stored in rows:
        payload = parse_payload(EventKind(kind), stored, EventPayload)
        assert payload.to_json() == stored, kind
    return {EventKind(kind) for kind, _ in rows}


async def test_the_demo_seed_writes_only_catalogued_events(session: AsyncSession) -> None:
    await seed_demo(session)
    await session.commit()
    written = await assert_catalogued(session)
    assert EventKind.COMPLAINT_FILED in written  # the demo complaints go through the rules


@pytest.fixture
async def api(org_db: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(org_db, data_dir=tmp_path) as a:
        yield a


async def _sql(api: Api, statement: str) -> None:
    async with api.engine.begin() as conn:
        await conn.execute(text(statement))


async def _stock_workload(api: Api) -> None:
    await _sql(api, "UPDATE product SET default_safety_stock = 5 WHERE sku = 'SKU-CORE-1'")
    await receive(api, "E1", "SKU-CORE-1", 8)
    sale = sale_input(lines=[{"sku": "SKU-CORE-1", "quantity": 4, "unitPriceCents": 100}])
    await api.data(RECORD_SALE, {"input": sale}, token=await api.token_for("clerk.e1"))  # 4 < 5
    back = return_input([{"sku": "SKU-CORE-1", "quantity": 3}], store="E1")
    await api.data(RETURN, {"input": back}, token=await api.token_for("clerk.e1"))  # 7 > 5
    await _sql(api, "UPDATE product SET seasonal = true WHERE sku = 'SKU-CORE-1'")
    await _sql(
        api,
        "INSERT INTO stock_batch (store_id, product_id, quantity, expires_on)"
        " SELECT s.id, p.id, 2, current_date + 1 FROM store s, product p"
        " WHERE s.code = 'E1' AND p.sku = 'SKU-CORE-1'",
    )
    sessions = create_session_factory(api.engine)
    for tidy in ("", "UPDATE product SET seasonal = false; DELETE FROM stock_batch"):
        if tidy:
            await _sql(api, tidy)
        async with sessions() as s, s.begin():
            far = await s.scalar(text("SELECT now() + interval '30 days'"))
            await scan_slow_movers(s, days=3, now=far)
            await scan_near_expiry(s, days=3)


async def _people_workload(api: Api) -> None:
    transfer = await shipped(api)
    received = lines(SKU_CORE_1=5, SKU_CORE_2=1)  # one short: a difference
    token = await api.token_for("clerk.e1")
    await api.data(RECEIVE, {"id": transfer, "lines": received}, token=token)
    await api.data(CANCEL, {"id": await requested(api)}, token=token)

    ended = await start(api, "clerk.e1")  # no checklist: ends without a handover
    await api.data(END, {"input": {"shiftId": ended["id"]}}, token=token)
    handed = await start(api, "clerk.e1")
    await api.data(COMPLETE, {"input": {"shiftId": handed["id"]}}, token=token)
    manager = await api.token_for("sm.e1")
    await api.data(ACCEPT, {"input": {"shiftId": handed["id"]}}, token=manager)

    complaint = await filed(api)
    assert "errors" not in await move(api, START_WORK, "handler.east", complaint["id"])
    await filed(api)
    await _sql(
        api,
        "UPDATE complaint SET first_response_due_at = now() - interval '1 hour'"
        " WHERE first_responded_at IS NULL",
    )
    async with create_session_factory(api.engine)() as s, s.begin():
        await flag_breaches(s)

    markdown = await issued(api)
    await api.data(ACK, {"id": markdown["id"], "store": "E1"}, token=token)

    grant = await compliance_requested(api)
    await api.data(CONFIRM_GRANT, {"id": grant}, token=await api.token_for("compliance"))
    await answered(api, (await asked(api))["id"])

    # Below the store's manager three months running: the bottom, a training alert.
    await _sql(
        api,
        "INSERT INTO clerk_monthly (store_id, staff_id, month, transactions, units,"
        " revenue_cents, stockouts, members_enrolled, shifts, shift_seconds)"
        " SELECT s.store_id, s.id, m, 1, 1, length(s.username) * 100, 0, 0, 0, 0 FROM staff s,"
        " unnest(ARRAY[DATE '2026-08-01', DATE '2026-09-01', DATE '2026-10-01']) m"
        " WHERE s.username IN ('clerk.e1', 'sm.e1')",
    )
    async with create_session_factory(api.engine)() as s, s.begin():
        await raise_training_alerts(s, month=date(2026, 10, 1))


async def test_a_workload_writes_only_catalogued_events(api: Api) -> None:
    await _stock_workload(api)
    await _people_workload(api)
    await half_redeemed_at_e1(api)  # and E2's tenth sale without it: the alert
    await sell(api, "E2", "B-9", None)
    async with api.engine.connect() as conn:
        written = await assert_catalogued(conn)
    # The workload reached (nearly) every kind: the check above is not about an empty table.
    assert set(EventKind) - written == {EventKind.PRIVACY_ALERT_RAISED}  # tests/realtime's


# ---- (c) the SDL's enum is the domain's ------------------------------------------------------


def test_the_sdl_event_kind_is_the_domain_enum_described_per_value() -> None:
    sdl = build_schema((ROOT / "schema.graphql").read_text())
    event_kind = sdl.get_type("EventKind")
    assert isinstance(event_kind, GraphQLEnumType)
    assert {name: v.description for name, v in event_kind.values.items()} == {
        kind.value: describe(kind) for kind in EventKind
    }
    assert all(describe(kind) for kind in EventKind)
    stock = sdl.get_type("StockAlertChange")
    assert isinstance(stock, GraphQLEnumType) and set(stock.values) < set(event_kind.values)
    complaint_event = sdl.get_type("ComplaintEvent")
    assert isinstance(complaint_event, GraphQLObjectType)
    kind_type = complaint_event.fields["kind"].type
    assert isinstance(kind_type, GraphQLNonNull) and kind_type.of_type is event_kind
