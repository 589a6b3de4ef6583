"""A store's sales over a period, core and regional SKUs apart (one statement)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_store
from api.domain.errors import InvalidInput

MAX_PERIOD = timedelta(days=366)


@dataclass(frozen=True)
class SalesSummary:
    store_code: str
    start: datetime
    end: datetime
    receipts: int
    total_cents: int
    core_cents: int
    regional_cents: int
    core_units: int
    regional_units: int


_SUMMARY = text(
    """
    SELECT count(DISTINCT s.id) AS receipts,
           coalesce(sum(l.line_total_cents), 0) AS total_cents,
           coalesce(sum(l.line_total_cents) FILTER (WHERE p.region_id IS NULL), 0) AS core_cents,
           coalesce(sum(l.line_total_cents) FILTER (WHERE p.region_id IS NOT NULL), 0)
             AS regional_cents,
           coalesce(sum(l.quantity) FILTER (WHERE p.region_id IS NULL), 0) AS core_units,
           coalesce(sum(l.quantity) FILTER (WHERE p.region_id IS NOT NULL), 0) AS regional_units
      FROM sale s
      JOIN sale_line l ON l.store_id = s.store_id AND l.sale_id = s.id AND l.sold_at = s.sold_at
      JOIN product p ON p.id = l.product_id
     WHERE s.store_id = :store_id AND s.sold_at >= :start AND s.sold_at < :end
       AND l.sold_at >= :start AND l.sold_at < :end  -- both prune to the period's months
    """
)


async def sales_summary(
    session: AsyncSession, actor: Actor | None, *, store_code: str, start: datetime, end: datetime
) -> SalesSummary:
    """Sales with sold_at in [start, end) at a store in scope (returns are not netted off)."""
    problems = []
    if start.tzinfo is None or end.tzinfo is None:
        problems.append("from, to: give a time zone offset")
    elif not start < end <= start + MAX_PERIOD:
        problems.append("to: after from, and at most 366 days later")
    if problems:
        raise InvalidInput.listing(problems)
    store = await authorize_store(session, actor, store_code, Permission.VIEW_SALES)
    row = (
        await session.execute(_SUMMARY, {"store_id": store.id, "start": start, "end": end})
    ).one()
    return SalesSummary(
        store_code=store.code,
        start=start,
        end=end,
        receipts=row.receipts,
        total_cents=row.total_cents,
        core_cents=row.core_cents,
        regional_cents=row.regional_cents,
        core_units=row.core_units,
        regional_units=row.regional_units,
    )
