"""The demo chain (`chainstore seed --demo`'s data), made once per session, for the compiled
path's tests; each test gets its own copy."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from api.demo.seed import seed_demo
from db.engine import create_engine, create_session_factory
from db.pii import key_ring_from_environment
from tests.conftest import PgServer, _clone


@pytest.fixture(scope="session")
async def demo_template(pg_server: PgServer, empty_template: str) -> AsyncIterator[str]:
    name = f"cs_tpl_compiled_{os.getpid()}"
    url = pg_server.create(name, template=empty_template)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with create_session_factory(engine)() as session, session.begin():
        await seed_demo(session, ring=key_ring_from_environment())
    await engine.dispose()
    yield name
    pg_server.drop(name)


@pytest.fixture
def demo_db(pg_server: PgServer, demo_template: str) -> Iterator[str]:
    yield from _clone(pg_server, demo_template)
