"""Shared steps for the partition tests: a clerk of store E1, sales recorded through the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor
from api.domain.sales import NewSale, RecordedSale, SaleLineInput, record_sale
from db.models import Role, Staff, TokenKind


async def clerk(session: AsyncSession) -> Actor:
    staff = (await session.execute(select(Staff).where(Staff.username == "clerk.e1"))).scalar_one()
    return Actor(
        staff_id=staff.id,
        username=staff.username,
        role=Role.CLERK,
        store_id=staff.store_id,
        region_id=None,
        token_id=0,
        token_kind=TokenKind.SESSION,
    )


async def sell(
    session: AsyncSession, receipt: str, sold_at: datetime, *, now: datetime
) -> RecordedSale:
    return await record_sale(
        session,
        await clerk(session),
        NewSale(
            store_code="E1",
            receipt_no=receipt,
            sold_at=sold_at,
            lines=[SaleLineInput("SKU-CORE-1", 1, 200), SaleLineInput("SKU-CORE-1", 2, 150)],
        ),
        now=now,
    )


async def partition_of(session: AsyncSession, table: str, where: str, **params: Any) -> list[str]:
    rows = await session.execute(
        text(f"SELECT DISTINCT tableoid::regclass::text FROM {table} WHERE {where}"),
        params,
    )
    return sorted(r[0] for r in rows)
