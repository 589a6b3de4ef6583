"""The compiled recordSale (api/compiled/sale.py) against the interpreter: the same receipts,
sent to two copies of the demo chain (CHAINSTORE_COMPILED_OPERATIONS on and off), answer the
same bytes, status and media type, and leave the same rows in every table; the compiled path
answers the common receipt in two statements and hands everything else to the interpreter."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from api.compiled.sale import RECORD_NAMES, RECORD_SQL, SaleSettings, compile_sale_plan
from api.domain import auth
from api.domain.access import Role
from api.domain.sales import record_statement
from api.schema.root import schema
from api.trusted_documents import TrustedDocuments
from db.embedded import to_libpq_uri
from db.engine import create_session_factory
from tests.compiled.test_statement_budget import raw_statements
from tests.conftest import Api, PgServer, _clone, running_api

DOCUMENT = {d.name: d for d in TrustedDocuments.load(schema._schema)}["RecordSale"]
SOLD_AT = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)


class Chain:
    """The demo values the receipts use: a clerk's store, its best-stocked SKUs, a member."""

    def __init__(self, url: str) -> None:
        with psycopg.connect(to_libpq_uri(url)) as conn:
            self.store, self.clerk = conn.execute(
                "SELECT st.code, sm.username FROM store st JOIN staff sm"
                " ON sm.store_id = st.id AND sm.role = 'CLERK' AND sm.status = 'ACTIVE'"
                " ORDER BY st.code, sm.username LIMIT 1"
            ).fetchone()  # type: ignore[misc]
            stocked = conn.execute(
                "SELECT p.sku, l.on_hand FROM stock_level l JOIN product p ON p.id = l.product_id"
                " JOIN store st ON st.id = l.store_id WHERE st.code = %s"
                " ORDER BY l.on_hand DESC, p.sku LIMIT 2",
                (self.store,),
            ).fetchall()
            self.skus = [sku for sku, _ in stocked]
            self.on_hand = [n for _, n in stocked]
            self.other_store = conn.execute(
                "SELECT code FROM store WHERE code <> %s ORDER BY code DESC LIMIT 1",
                (self.store,),
            ).fetchone()[0]  # type: ignore[index]
            # The first active member of staff of every role (the clerk's store first).
            self.staff: dict[str, str] = dict(
                conn.execute(
                    "SELECT DISTINCT ON (sm.role) sm.role, sm.username FROM staff sm"
                    " LEFT JOIN store st ON st.id = sm.store_id WHERE sm.status = 'ACTIVE'"
                    " ORDER BY sm.role, st.code = %s DESC, sm.username",
                    (self.store,),
                ).fetchall()
            )
            self.card = conn.execute(
                "SELECT card_number FROM member ORDER BY id LIMIT 1"
            ).fetchone()[0]  # type: ignore[index]

    def sale(self, receipt: str, **extra: Any) -> dict[str, Any]:
        return {
            "storeCode": self.store,
            "receiptNo": receipt,
            "soldAt": SOLD_AT.astimezone().isoformat(),
            "lines": [
                {"sku": self.skus[0], "quantity": 2, "unitPriceCents": 350, "discountCents": 20},
                {"sku": self.skus[1], "quantity": 1, "unitPriceCents": 1299},
            ],
            **extra,
        }


@pytest.fixture
def twin_dbs(pg_server: PgServer, demo_template: str) -> Iterator[tuple[str, str]]:
    for first in _clone(pg_server, demo_template):
        for second in _clone(pg_server, demo_template):
            yield first, second


@pytest.fixture
async def apis(twin_dbs: tuple[str, str]) -> AsyncIterator[tuple[Api, Api]]:
    compiled_url, interpreted_url = twin_dbs
    async with (
        running_api(compiled_url, compiled_operations=True) as compiled,
        running_api(interpreted_url, compiled_operations=False) as interpreted,
    ):
        yield compiled, interpreted


_REQUEST_ID = re.compile(rb'"requestId":"[^"]*"')


async def _send(api: Api, token: str, sale: dict[str, Any]) -> tuple[int, str, bytes, bool]:
    """Status, media type, body (request id blanked) and whether the compiled path answered."""
    body = {"documentId": DOCUMENT.id, "variables": {"input": sale}}
    with api.count_sql() as orm, raw_statements() as raw:
        response = await api.client.post(
            "/graphql", json=body, headers={"authorization": f"Bearer {token}"}
        )
    compiled = len(raw) == 2 and orm == []
    content = _REQUEST_ID.sub(b'"requestId":""', response.content)
    return response.status_code, response.headers["content-type"], content, compiled


# Columns the clock fills (a row's creation time): equal in content, not in value.
_CLOCK = ("now()", "current_timestamp", "clock_timestamp()", "statement_timestamp()")
_CLOCK_COLUMNS = {("points_ledger", "expires_at")}  # now() + the points' lifetime (partitions)


def _tables(url: str) -> dict[str, list[str]]:
    """Every table's rows as sorted JSON, without clock-filled columns and the tokens."""
    with psycopg.connect(to_libpq_uri(url)) as conn:
        columns = conn.execute(
            "SELECT c.table_name, c.column_name, coalesce(c.column_default, '') FROM"
            " information_schema.columns c JOIN information_schema.tables t USING"
            " (table_schema, table_name) WHERE c.table_schema = 'public'"
            " AND t.table_type = 'BASE TABLE' AND c.table_name <> 'auth_token'"
            " ORDER BY c.table_name, c.ordinal_position"
        ).fetchall()
        kept: dict[str, list[str]] = {}
        for table, column, default in columns:
            clocked = any(clock in default.lower() for clock in _CLOCK)
            if not clocked and (table.split("_p2")[0], column) not in _CLOCK_COLUMNS:
                kept.setdefault(table, []).append(column)
        found: dict[str, list[str]] = {}
        for table, cols in kept.items():
            listed = ", ".join(f'"{c}"' for c in cols)
            rows = conn.execute(f'SELECT json_build_array({listed}) FROM "{table}"')
            found[table] = sorted(json.dumps(r[0], sort_keys=True, default=str) for r in rows)
        return found


def _last_sale_id(url: str) -> int:
    with psycopg.connect(to_libpq_uri(url)) as conn:
        return int(conn.execute("SELECT last_value FROM sale_id_seq").fetchone()[0])  # type: ignore[index]


async def _rolled_back_attempt(api: Api, token: str, sale: dict[str, Any]) -> None:
    """What the compiled path did before handing a request over: RECORD, rolled back (the
    sequence values it drew stay drawn, as for any rolled-back transaction)."""
    async with create_session_factory(api.engine)() as session:
        actor = await auth.authenticate(session, f"Bearer {token}")
    assert actor is not None
    plan = compile_sale_plan(schema._schema, DOCUMENT, actor.role)
    bound = plan.bind(actor, {"input": sale}, SaleSettings(None, 60), datetime.now(UTC))
    assert bound is not None
    with psycopg.connect(to_libpq_uri(api.url)) as conn:
        psycopg.RawCursor(conn).execute(RECORD_SQL, bound.values)
        conn.rollback()


async def test_receipts_answer_and_write_the_same_compiled_and_interpreted(
    apis: tuple[Api, Api],
) -> None:
    compiled, interpreted = apis
    chain = Chain(compiled.url)
    clerk = (await compiled.token_for(chain.clerk), await interpreted.token_for(chain.clerk))
    unknown_sku = [{"sku": "NO-SUCH", "quantity": 1, "unitPriceCents": 1}]
    # Every line of the second SKU's stock: the balance crosses its safety stock (LOW_STOCK).
    emptying = [{"sku": chain.skus[1], "quantity": chain.on_hand[1] - 1, "unitPriceCents": 9}]
    # (what, the receipt, whether the compiled path answers it: None, not asked)
    cases: list[tuple[str, dict[str, Any], bool | None]] = [
        ("plain sale", chain.sale("CS-1"), True),
        ("member sale", chain.sale("CS-2", memberCode=chain.card), True),
        ("a second plain sale", chain.sale("CS-3"), True),
        ("points redeemed", chain.sale("CS-4", memberCode=chain.card, pointsRedeemed=1), False),
        ("idempotency key", chain.sale("CS-5", idempotencyKey="k-5"), False),
        ("unknown SKU", chain.sale("CS-6", lines=unknown_sku), False),
        ("out of scope", chain.sale("CS-7", storeCode=chain.other_store), False),
        ("unknown member", chain.sale("CS-8", memberCode="9" * 12), False),
        # The compiled path ran RECORD, then rolled it back: the ids it drew are skipped, as
        # by any rolled-back sale (`skips`: the interpreted chain sees the same attempt).
        ("replay", chain.sale("CS-1"), False),
        ("replay, other content", chain.sale("CS-1", lines=emptying), False),
        ("a LOW_STOCK crossing", chain.sale("CS-9", lines=emptying), False),
        ("after the crossing", chain.sale("CS-10"), True),
    ]
    tokens = dict.fromkeys((name for name, _, _ in cases), clerk)
    for role in Role:  # every role's plain sale at the clerk's store (FORBIDDEN for some)
        name = f"a plain sale by {role.value}"
        username = chain.staff[role.value]
        tokens[name] = (
            await compiled.token_for(username),
            await interpreted.token_for(username),
        )
        answered = {Role.CLERK: True, Role.HQ_OPERATIONS: True, Role.ADMIN: True}.get(role)
        cases.insert(3, (name, chain.sale(f"CS-{role.value}"), answered))
    skips = {"replay", "replay, other content", "a LOW_STOCK crossing"}
    for name, sale, answered in cases:
        fast = await _send(compiled, tokens[name][0], sale)
        if name in skips:
            await _rolled_back_attempt(interpreted, tokens[name][1], sale)
        assert _last_sale_id(compiled.url) >= _last_sale_id(interpreted.url), name
        slow = await _send(interpreted, tokens[name][1], sale)
        assert _last_sale_id(compiled.url) == _last_sale_id(interpreted.url), name
        assert fast[:3] == slow[:3], (name, fast, slow)
        assert answered is None or fast[3] is answered, (name, fast)
        assert not slow[3], name
    fast_tables, slow_tables = _tables(compiled.url), _tables(interpreted.url)
    assert fast_tables.keys() == slow_tables.keys()
    for table in fast_tables:
        assert fast_tables[table] == slow_tables[table], table


async def test_a_compiled_sale_runs_two_statements_and_says_pos(apis: tuple[Api, Api]) -> None:
    compiled, _ = apis
    chain = Chain(compiled.url)
    token = await compiled.token_for(chain.clerk)
    with raw_statements() as raw, compiled.count_sql() as orm:
        status, _, body, _ = await _send(compiled, token, chain.sale("CS-9"))
    assert status == 200 and b'"errors"' not in body, body
    assert orm == [] and len(raw) == 2, (raw, orm)
    assert raw[1] == RECORD_SQL and "%(" not in RECORD_SQL
    with psycopg.connect(to_libpq_uri(compiled.url)) as conn:
        channels = conn.execute(
            "SELECT DISTINCT m.channel FROM stock_movement m JOIN sale s"
            " ON CAST(s.id AS text) = m.reference_id AND m.reference_type = 'sale'"
            " WHERE s.receipt_no = 'CS-9'"
        ).fetchall()
    assert channels == [("POS",)]


def test_the_native_statement_binds_every_parameter_of_record() -> None:
    names = set(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", record_statement.RECORD.text))
    assert set(RECORD_NAMES) == names
    assert max(int(n) for n in re.findall(r"\$(\d+)", RECORD_SQL)) == len(RECORD_NAMES)
