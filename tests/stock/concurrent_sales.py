"""A worker process for the concurrency proof: several connections recording sales at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from api.domain.access import Actor
from api.domain.sales import NewSale, SaleLineInput, record_sale
from db.engine import create_engine, create_session_factory
from db.models import Role, Staff, TokenKind


async def _record(url: str, process_no: int, connections: int, sales_each: int) -> int:
    engine = create_engine(url, pool_size=connections, max_overflow=0)
    sessions = create_session_factory(engine)
    async with sessions() as s:
        staff = (await s.execute(select(Staff).where(Staff.username == "clerk.e1"))).scalar_one()
    actor = Actor(
        staff_id=staff.id,
        username=staff.username,
        role=Role.CLERK,
        store_id=staff.store_id,
        region_id=None,
        token_id=0,
        token_kind=TokenKind.SESSION,
    )

    async def connection(conn_no: int) -> int:
        recorded = 0
        for i in range(sales_each):
            async with sessions() as session, session.begin():
                await record_sale(
                    session,
                    actor,
                    NewSale(
                        store_code="E1",
                        receipt_no=f"P{process_no}-C{conn_no}-{i}",
                        sold_at=datetime.now(UTC),
                        lines=[SaleLineInput("SKU-CORE-1", 1 + i % 3, 200)],
                    ),
                    now=datetime.now(UTC),
                )
            recorded += 1 + i % 3
        return recorded

    try:
        return sum(await asyncio.gather(*(connection(c) for c in range(connections))))
    finally:
        await engine.dispose()


def record_in_process(url: str, process_no: int, connections: int, sales_each: int) -> int:
    """Units sold by this process (run in a child process)."""
    return asyncio.run(_record(url, process_no, connections, sales_each))
