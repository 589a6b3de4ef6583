"""Apps over the streaming pair (tests/replica/standby.py) and how a test tells which server
answered: the statements each engine ran (the primary's and the read engine's events)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.domain.auth import token_digest
from api.read_replica import ReadReplica
from db.engine import create_engine, create_session_factory
from db.migrations import upgrade
from tests import conftest
from tests.complaints.helpers import LIST
from tests.conftest import Api
from tests.org_fixture import build_org
from tests.replica.standby import Standby

WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")


def prepare_primary(url: str) -> None:
    """Migrations and the small chain, on the primary before the base backup."""
    upgrade(url)

    async def org() -> None:
        engine = create_engine(url, pool_size=1, max_overflow=0)
        async with create_session_factory(engine)() as session, session.begin():
            await build_org(session)
        await engine.dispose()

    asyncio.run(org())


@contextlib.contextmanager
def statements_of(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@contextlib.asynccontextmanager
async def replicated_api(
    pair: Standby, tmp_path: Path, **overrides: Any
) -> AsyncIterator[tuple[Api, ReadReplica]]:
    """One app (one worker process's worth: its engines, its replica monitor) over the pair."""
    overrides.setdefault("replica_check_seconds", 0.1)
    settings = conftest.test_settings(
        pair.primary_url, data_dir=tmp_path, database_read_url=pair.url, **overrides
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        services = app.state.services
        assert services.replica is not None
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, services.engine, pair.primary_url), services.replica


async def until(condition: Any, what: str) -> None:
    for _ in range(300):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


def on(statements: list[str], names: tuple[str, ...]) -> list[str]:
    return [s for s in statements if any(n in s for n in names)]


def writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(WRITES)]


async def complaint_ids(api: Api, token: str) -> set[str]:
    data = await api.data(LIST, {"filter": {"storeCode": "E1"}, "first": 100}, token=token)
    return {edge["node"]["id"] for edge in data["complaints"]["edges"]}


async def last_write_lsn(api: Api, token: str) -> int | None:
    """The token row's noted position (auth_token.last_write_lsn), read on the primary."""
    async with api.engine.connect() as conn:
        position = await conn.scalar(
            text("SELECT last_write_lsn FROM auth_token WHERE token_hash = :digest"),
            {"digest": token_digest(token)},
        )
    return None if position is None else int(position)
