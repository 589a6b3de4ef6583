"""The scrape-time database probe: up and the outbox backlog from the database itself; a
server that does not answer is `chainstore_database_up 0` and nothing else."""

from __future__ import annotations

import psycopg
from prometheus_client import CollectorRegistry, generate_latest

from api.observability.metrics import DatabaseUp
from db.embedded import to_libpq_uri


def scraped(conninfo: str) -> str:
    registry = CollectorRegistry()
    registry.register(DatabaseUp(conninfo))
    return generate_latest(registry).decode()


def test_up_and_backlog(org_db: str) -> None:
    conninfo = to_libpq_uri(org_db)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM complaint_message").fetchone() == (0,)
    text = scraped(conninfo)
    assert "chainstore_database_up 1.0" in text
    assert "chainstore_outbox_backlog 0.0" in text
    assert "chainstore_outbox_oldest_seconds 0.0" in text


def test_a_database_that_does_not_answer() -> None:
    text = scraped("postgresql://postgres@127.0.0.1:1/nowhere")
    assert "chainstore_database_up 0.0" in text and "outbox" not in text
