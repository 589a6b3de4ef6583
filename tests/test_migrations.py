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
