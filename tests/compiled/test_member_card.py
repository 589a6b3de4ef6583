"""The member card compiled: a card opened again within the look-up window answers from one
statement (the first opening of the hour writes, so it runs on the interpreter), with the same
bytes as the interpreter, purchases and preferences included."""

from __future__ import annotations

import psycopg

from db.embedded import to_libpq_uri
from tests.compiled.test_statement_budget import DOCUMENTS, raw_statements
from tests.conftest import running_api


def _busiest_member(url: str) -> str:
    with psycopg.connect(to_libpq_uri(url)) as conn:
        row = conn.execute(
            "SELECT m.card_number FROM member m JOIN sale s ON s.member_id = m.id"
            " JOIN member_preference p ON p.member_id = m.id"
            " GROUP BY m.id ORDER BY count(DISTINCT s.id) DESC, m.id LIMIT 1"
        ).fetchone()
    assert row is not None, "the demo history has no member with purchases"
    return str(row[0])


async def test_a_card_opened_again_is_compiled(demo_db: str) -> None:
    card = _busiest_member(demo_db)
    body = {"documentId": DOCUMENTS["MemberByCode"].id, "variables": {"code": card}}
    async with (
        running_api(demo_db) as compiled,
        running_api(demo_db, compiled_operations=False) as interpreted,
    ):
        headers = {"authorization": f"Bearer {await compiled.token_for('hq.ops')}"}
        with compiled.count_sql() as orm, raw_statements() as raw:
            first = await compiled.client.post("/graphql", json=body, headers=headers)
        assert orm, "the first opening of the hour is counted: the interpreter's"
        with compiled.count_sql() as orm, raw_statements() as raw:
            again = await compiled.client.post("/graphql", json=body, headers=headers)
        assert (len(raw), orm) == (2, [])
        want = await interpreted.client.post("/graphql", json=body, headers=headers)
    assert again.content == want.content == first.content
    member = again.json()["data"]["memberByCode"]
    assert member["recentPurchases"]["edges"], member
    assert member["preferences"]["topCategories"], member
