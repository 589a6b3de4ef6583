"""Runs compiled plans: the token lookup and the plan's statement, on the raw psycopg driver.

Both statements run on an autocommit connection of the compiled path's own pool (prepared
after two uses: PERFORMANCE.md recipe items 3-4), so a hot read costs two round trips and no
transaction. The token is checked by api/domain/auth.py's own statement and rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from psycopg import AsyncConnection, AsyncRawCursor
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool

from api.compiled.plan import Plan
from api.compiled.sale import RECORD_SQL, SalePlan, SaleSettings
from api.domain import auth
from api.domain.access import Actor
from api.domain.errors import Unauthenticated
from api.domain.sales import record, record_statement
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
    def __init__(
        self,
        libpq_url: str,
        max_size: int,
        max_cost: int,
        sales: SaleSettings | None = None,
    ) -> None:
        self.max_cost = max_cost
        self.sales = sales  # None: recordSale stays on the interpreter (a read replica, say)
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

    async def record_sale(
        self, authorization: str, auth_sql: str, plans: Callable[[Actor], SalePlan | None],
        variables: object,
    ) -> tuple[Actor, bytes] | None:  # fmt: skip
        """The caller and the response body of a new sale recorded by the token statement and
        RECORD in one transaction (api/compiled/sale.py), or None, with nothing written: the
        interpreter answers (and records, refuses or replays) the request from the start."""
        settings = self.sales
        if settings is None:
            return None
        try:
            digest = auth.authorization_digest(authorization)
        except Unauthenticated:
            return None
        async with self.pool.connection() as conn:
            try:
                # BEGIN rides with the token statement, COMMIT with the pipeline's end.
                async with conn.pipeline(), conn.transaction():
                    answered = await self._record(
                        conn, digest, auth_sql, plans, variables, settings
                    )
            except _Interpret:
                return None
        return answered

    async def _record(
        self, conn: AsyncConnection[Any], digest: bytes, auth_sql: str,
        plans: Callable[[Actor], SalePlan | None], variables: object, settings: SaleSettings,
    ) -> tuple[Actor, bytes]:  # fmt: skip
        cursor = conn.cursor(row_factory=namedtuple_row)
        await cursor.execute(auth_sql, {"digest": digest})
        _ran(auth_sql)
        try:
            actor = auth.actor_from_row(await cursor.fetchone())
        except Unauthenticated:
            raise _Interpret from None
        plan = plans(actor)
        if plan is None or plan.cost() > self.max_cost:
            raise _Interpret
        bound = plan.bind(actor, variables, settings, datetime.now(UTC))
        if bound is None:
            raise _Interpret
        raw = AsyncRawCursor(conn, row_factory=namedtuple_row)
        await raw.execute(RECORD_SQL, bound.values)
        _ran(RECORD_SQL)
        written = record_statement.written_from(await raw.fetchone())
        if not record.completes(written):
            raise _Interpret  # rolled back: a refusal, a replay, an event, a points guard
        sale = record.fresh_sale(written, bound.new, receipt_no=bound.receipt_no)
        return actor, plan.body(sale, self.max_cost)


class _Interpret(Exception):
    """Roll the compiled transaction back; the interpreter answers the request."""
