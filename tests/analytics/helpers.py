"""Reading the rollups back, and rebuilding them, for the analytics tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from api.domain.access import Actor
from api.domain.analytics.rebuild import ROLLUP_TABLES, rebuild_rollups
from db.engine import create_session_factory
from db.models import Role, TokenKind
from tests.conftest import Api


async def rollups(api: Api) -> dict[str, list[tuple[Any, ...]]]:
    """Every rollup row, keyed columns first, in key order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with api.engine.connect() as conn:
        for table in ROLLUP_TABLES:
            rows = await conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4"))
            out[table] = [tuple(r) for r in rows]
    return out


async def rebuild(api: Api) -> None:
    async with create_session_factory(api.engine)() as s, s.begin():
        await rebuild_rollups(s)


async def ids(api: Api, sql: str) -> dict[str, int]:
    async with api.engine.connect() as conn:
        return {row[0]: row[1] for row in await conn.execute(text(sql))}


def hq_operations() -> Actor:
    """HQ operations, chain-wide, for calling the analytics domain functions directly."""
    return Actor(
        staff_id=1,
        username="ops",
        role=Role.HQ_OPERATIONS,
        store_id=None,
        region_id=None,
        token_id=0,
        token_kind=TokenKind.SESSION,
    )
