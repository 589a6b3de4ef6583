"""Alembic is the only way the schema changes: models and migrations must agree, both ways."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from db.engine import create_engine
from db.migrations import downgrade, head_revision, upgrade
from db.models import Base
from db.partitions import include_name, include_object


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_name": include_name,
            "include_object": include_object,
        },
    )
    return list(compare_metadata(context, Base.metadata))


async def _tables(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        names = (
            await conn.execute(
                # Partitions (alembic 0019) are rows' homes, not tables the models describe.
                text(
                    "SELECT c.relname FROM pg_class c"
                    " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"
                    " AND NOT c.relispartition"
                )
            )
        ).scalars()
        result = set(names)
    await engine.dispose()
    return result


async def test_models_and_migrations_agree(empty_db: str) -> None:
    engine = create_engine(empty_db, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    await engine.dispose()
    assert diff == [], f"autogenerate would write a migration: {diff}"


async def test_downgrade_to_base_and_upgrade_to_head_round_trip(empty_db: str) -> None:
    model_tables = set(Base.metadata.tables)
    assert model_tables <= await _tables(empty_db)
    await asyncio.to_thread(downgrade, empty_db, "base")
    assert await _tables(empty_db) == {"alembic_version"}
    await asyncio.to_thread(upgrade, empty_db)
    assert await _tables(empty_db) == model_tables | {"alembic_version"}
    engine = create_engine(empty_db, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
    await engine.dispose()


_SCHEMA = {
    "columns": """SELECT table_name, column_name, data_type, udt_name, is_nullable,
                         column_default, is_identity
                    FROM information_schema.columns WHERE table_schema = 'public'""",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
                        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                       WHERE n.nspname = 'public'""",
    "types": """SELECT t.typname, e.enumsortorder, e.enumlabel FROM pg_type t
                  JOIN pg_enum e ON e.enumtypid = t.oid""",
    "functions": """SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
                      JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'""",
    "triggers": """SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)
                     FROM pg_trigger WHERE NOT tgisinternal""",
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public'",
}


def _schema(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Everything a migration may create, as sorted rows: equal means the same schema."""
    import psycopg

    from db.embedded import to_libpq_uri

    with psycopg.connect(to_libpq_uri(url)) as conn:
        return {
            name: sorted(conn.execute(query).fetchall(), key=repr)
            for name, query in _SCHEMA.items()
        }


def test_each_migration_downgrades_to_the_schema_before_it_and_upgrades_again(
    empty_db: str,
) -> None:
    """Step by step, not only base to head: each downgrade must restore exactly the schema
    of the revision below (an upgrade run after a failed deploy's rollback needs that)."""
    from alembic.script import ScriptDirectory

    from db.migrations import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config(empty_db))
    revisions = [r.revision for r in reversed(list(scripts.walk_revisions()))]
    at_head = _schema(empty_db)
    downgrade(empty_db, "base")
    below = _schema(empty_db)
    for revision in revisions:
        upgrade(empty_db, revision)
        here = _schema(empty_db)
        assert here != below, f"{revision} changed nothing"
        downgrade(empty_db, "-1")
        assert _schema(empty_db) == below, f"downgrading {revision} left a different schema"
        upgrade(empty_db, revision)
        assert _schema(empty_db) == here, f"{revision} upgraded differently the second time"
        below = here
    assert below == at_head
