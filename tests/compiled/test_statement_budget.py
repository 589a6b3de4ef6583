"""A hot request costs two SQL statements, the token lookup and the compiled one, and none
through the ORM; with CHAINSTORE_COMPILED_OPERATIONS=0 the same request is interpreted."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from api.compiled import executor
from api.schema.root import schema
from api.trusted_documents import TrustedDocuments
from db.embedded import to_libpq_uri
from tests.conftest import running_api

DOCUMENTS = {d.name: d for d in TrustedDocuments.load(schema._schema)}


@contextmanager
def raw_statements() -> Iterator[list[str]]:
    ran: list[str] = []
    executor.STATEMENT_LISTENERS.append(ran.append)
    try:
        yield ran
    finally:
        executor.STATEMENT_LISTENERS.remove(ran.append)


def _values(url: str) -> tuple[str, str, str]:
    with psycopg.connect(to_libpq_uri(url)) as conn:
        row = conn.execute(
            "SELECT st.code, p.sku, sm.username FROM stock_level l"
            " JOIN store st ON st.id = l.store_id JOIN product p ON p.id = l.product_id"
            " JOIN staff sm ON sm.store_id = st.id AND sm.role = 'CLERK'"
            " ORDER BY st.code, p.sku LIMIT 1"
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


@pytest.mark.parametrize("compiled", [True, False])
async def test_hot_reads_run_two_statements(demo_db: str, compiled: bool) -> None:
    store, sku, clerk = _values(demo_db)
    hot = {
        "Me": {},
        "ProductBySku": {"sku": sku},
        "StockLevel": {"storeCode": store, "sku": sku},
        "SearchStock": {"storeCode": store, "first": 100},
    }
    async with running_api(demo_db, compiled_operations=compiled) as api:
        token = await api.token_for(clerk)
        for name, variables in hot.items():
            body = {"documentId": DOCUMENTS[name].id, "variables": variables}
            with api.count_sql() as orm, raw_statements() as raw:
                response = await api.client.post(
                    "/graphql", json=body, headers={"authorization": f"Bearer {token}"}
                )
            assert response.status_code == 200, response.text
            assert "errors" not in response.json(), response.text
            if compiled:
                assert (len(raw), orm) == (2, []), (name, raw, orm)
            else:
                assert raw == [] and len(orm) >= 2, (name, orm)


async def test_a_compiled_request_is_logged_and_counted_like_any(
    demo_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The access line of a compiled request: its operation, code, caller, and 2 statements."""
    store, sku, clerk = _values(demo_db)
    async with running_api(demo_db) as api:
        token = await api.token_for(clerk)
        caplog.set_level(logging.INFO, logger="chainstore.access")
        body = {
            "documentId": DOCUMENTS["StockLevel"].id,
            "variables": {"storeCode": store, "sku": sku},
        }
        with raw_statements() as raw:
            response = await api.client.post(
                "/graphql", json=body, headers={"authorization": f"Bearer {token}"}
            )
    assert response.status_code == 200 and len(raw) == 2, response.text
    (line,) = [r.__dict__["chainstore"] for r in caplog.records if r.name == "chainstore.access"]
    assert (line["operation"], line["code"], line["status"], line["sql_statements"]) == (
        "clerk/StockLevel",
        "OK",
        200,
        2,
    )
    assert line["caller"].isdigit()
