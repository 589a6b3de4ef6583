"""Runs compiled plans: the token lookup and the plan's statement, on the raw psycopg driver.

Both statements run on an autocommit connection of the compiled path's own pool (prepared
after two uses: PERFORMANCE.md recipe items 3-4), so a hot read costs two round trips and no
transaction. The token is checked by api/domain/auth.py's own statement and rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson
from psycopg import AsyncConnection
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool

from api.compiled.plan import Plan
from api.domain import auth
from api.domain.access import Actor
from api.domain.errors import Unauthenticated
from api.observability.requests import count_statement

log = logging.getLogger("chainstore.compiled")

# Tests register a callback here to count the statements the compiled path runs (the ORM's
# are counted through SQLAlchemy's events, which never see the raw driver).
STATEMENT_LISTENERS: list[Callable[[str], None]] = []


def _ran(statement: str) -> None:
    count_statement()
    for listener in STATEMENT_LISTENERS:
        listener(statement)


class Executor:
    def __init__(self, libpq_url: str, max_size: int, max_cost: int) -> None:
        self.max_cost = max_cost
        self.pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            libpq_url,
            min_size=1,
            max_size=max_size,
            kwargs={
                "autocommit": True,
                "prepare_threshold": 2,
                "application_name": "chainstore-compiled",
            },
            open=False,
        )

    async def open(self) -> None:
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close()

    async def answer(
        self, authorization: str, plans: Callable[[Actor], Plan | None], variables: object
    ) -> tuple[Actor, bytes] | None:
        """The caller and the response body (`{"data": ...}`), or None: the interpreter answers
        (a refused token, no plan for the caller's role, arguments the plan cannot take)."""
        try:
            digest = auth.authorization_digest(authorization)
        except Unauthenticated:
            return None
        async with self.pool.connection() as conn:
            cursor = conn.cursor(row_factory=namedtuple_row)
            await cursor.execute(auth.AUTHENTICATE_SQL_PSYCOPG, {"digest": digest})
            _ran(auth.AUTHENTICATE_SQL_PSYCOPG)
            try:
                actor = auth.actor_from_row(await cursor.fetchone())
            except Unauthenticated:
                return None
            plan = plans(actor)
            if plan is None:
                return None
            params = plan.bind(actor, variables)
            cost = plan.cost(variables)
            if params is None or cost > self.max_cost:
                return None
            statement = plan.statement_for(params)
            result = await conn.execute(statement, params)
            _ran(statement)
            row = await result.fetchone()
        if row is None or row[0] is None:
            return None
        # PostgreSQL's json spells ` : ` and `, `; orjson gives the interpreter's compact bytes.
        data = orjson.dumps(orjson.loads(row[0]))
        # api/limits.py's report, as QueryLimits.get_results gives it.
        extensions = b',"extensions":{"cost":{"requested":%d,"limit":%d}}}' % (cost, self.max_cost)
        return actor, b'{"data":' + data + extensions
