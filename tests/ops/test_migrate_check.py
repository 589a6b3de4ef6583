"""`chainstore migrate --check` for deploy pipelines: exit 0 at head, 1 otherwise (a database
never migrated, or one revision behind), and nothing changed either way."""

from __future__ import annotations

import os

from db.migrations import downgrade, head_revision
from tests.conftest import PgServer
from tests.ops.test_backup import cli


def test_check_says_where_the_database_is(empty_db: str, pg_server: PgServer) -> None:
    head = head_revision()
    at_head = cli("migrate", "--check", env={**os.environ, "DATABASE_URL": empty_db})
    assert at_head.returncode == 0 and at_head.stdout.strip() == f"database at head ({head})"

    downgrade(empty_db, "-1")
    behind = cli("migrate", "--check", env={**os.environ, "DATABASE_URL": empty_db})
    assert behind.returncode == 1 and f"code expects {head}" in behind.stdout
    assert cli("migrate", "--check", env={**os.environ, "DATABASE_URL": empty_db}).returncode == 1

    name = f"cs_never_migrated_{os.getpid()}"
    fresh = pg_server.create(name)
    try:
        never = cli("migrate", "--check", env={**os.environ, "DATABASE_URL": fresh})
        assert never.returncode == 1 and "never migrated" in never.stdout
        assert (
            "never migrated"
            in cli("migrate", "--check", env={**os.environ, "DATABASE_URL": fresh}).stdout
        )  # the check created nothing
    finally:
        pg_server.drop(name)
