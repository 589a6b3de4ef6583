"""The demo chain (`chainstore seed --demo`'s data) with a short sales history (members with
purchases and preferences), made once per session for the compiled path's tests; each test
gets its own copy."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import date

import pytest
from sqlalchemy import text

from api.demo.history import generate_history
from api.demo.seed import seed_demo
from api.domain.members.preferences import update_preferences_for_sale
from db.engine import create_engine, create_session_factory
from db.pii import key_ring_from_environment
from tests.conftest import PgServer, _clone

HISTORY_DAYS = 14


@pytest.fixture(scope="session")
async def demo_template(pg_server: PgServer, empty_template: str) -> AsyncIterator[str]:
    name = f"cs_tpl_compiled_{os.getpid()}"
    url = pg_server.create(name, template=empty_template)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with create_session_factory(engine)() as session, session.begin():
        ring = key_ring_from_environment()
        await seed_demo(session, ring=ring)
        await generate_history(session, days=HISTORY_DAYS, ring=ring, end=date.today(), scale=0.05)
        # The history writes sales, not the preference counters a till's sale updates.
        sales = await session.execute(
            text("SELECT member_id, store_id, id FROM sale WHERE member_id IS NOT NULL")
        )
        for member_id, store_id, sale_id in sales.all():
            await update_preferences_for_sale(
                session, member_id=member_id, store_id=store_id, sale_id=sale_id
            )
    await engine.dispose()
    yield name
    pg_server.drop(name)


@pytest.fixture
def demo_db(pg_server: PgServer, demo_template: str) -> Iterator[str]:
    yield from _clone(pg_server, demo_template)
