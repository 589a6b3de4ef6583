"""Breach rates and handling times per store and per region, in one statement.

Over the complaints filed in [from, to) at stores in the caller's scope:
- first-response breach: responded after the target, or not yet and the target has passed
  (or flagged by the SLA job);
- resolution breach: likewise for the resolution target;
- handling time: filing to resolution, in minutes, of the resolved ones; p50 and p90 by
  percentile_cont (core SQL: no extension).
GROUPING SETS gives the store rows and the region rows from one scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import (
    SCOPE_CHECK_SQL,
    Actor,
    Permission,
    authorize_region,
    authorize_store,
    require,
)
from api.domain.errors import InvalidInput


@dataclass(frozen=True)
class StatsRow:
    region_id: int
    store_id: int | None  # None: the region's row
    count: int
    first_response_breaches: int
    resolution_breaches: int
    resolved: int
    handling_p50_minutes: float | None
    handling_p90_minutes: float | None

    @property
    def first_response_breach_rate(self) -> float:
        return self.first_response_breaches / self.count if self.count else 0.0

    @property
    def resolution_breach_rate(self) -> float:
        return self.resolution_breaches / self.count if self.count else 0.0


_STATS = text(
    f"""
    WITH c AS (
      SELECT c.region_id, c.store_id,
             (c.first_response_breached_at IS NOT NULL
              OR coalesce(c.first_responded_at, now()) > c.first_response_due_at) AS fr_breach,
             (c.resolution_breached_at IS NOT NULL
              OR coalesce(c.resolved_at, now()) > c.resolution_due_at) AS res_breach,
             extract(epoch FROM c.resolved_at - c.filed_at) / 60.0 AS handling_minutes
        FROM complaint c JOIN store s ON s.id = c.store_id
       WHERE c.filed_at >= :from_ AND c.filed_at < :to_
         AND {SCOPE_CHECK_SQL}
         AND (CAST(:region_id AS int) IS NULL OR c.region_id = CAST(:region_id AS int))
         AND (CAST(:store_id AS int) IS NULL OR c.store_id = CAST(:store_id AS int))
    )
    SELECT region_id, store_id, count(*) AS n,
           count(*) FILTER (WHERE fr_breach) AS fr_breaches,
           count(*) FILTER (WHERE res_breach) AS res_breaches,
           count(handling_minutes) AS resolved,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY handling_minutes) AS p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY handling_minutes) AS p90
      FROM c
     GROUP BY GROUPING SETS ((region_id, store_id), (region_id))
     ORDER BY region_id, store_id NULLS FIRST
    """  # noqa: S608 (SCOPE_CHECK_SQL is a constant; values are bound)
)


async def complaint_stats(
    session: AsyncSession,
    actor: Actor | None,
    *,
    from_: datetime,
    to: datetime,
    region_code: str | None = None,
    store_code: str | None = None,
) -> list[StatsRow]:
    actor = require(actor, Permission.VIEW_COMPLAINTS)
    if to <= from_:
        raise InvalidInput("`to` must be after `from`.", argument="to")
    region_id = (
        await authorize_region(session, actor, region_code, Permission.VIEW_COMPLAINTS)
        if region_code is not None
        else None
    )
    store_id = (
        (await authorize_store(session, actor, store_code, Permission.VIEW_COMPLAINTS)).id
        if store_code is not None
        else None
    )
    rows = await session.execute(
        _STATS,
        {
            "from_": from_,
            "to_": to,
            "region_id": region_id,
            "store_id": store_id,
            **actor.scope.sql_params(),
        },
    )
    return [
        StatsRow(
            region_id=r.region_id,
            store_id=r.store_id,
            count=r.n,
            first_response_breaches=r.fr_breaches,
            resolution_breaches=r.res_breaches,
            resolved=r.resolved,
            handling_p50_minutes=None if r.p50 is None else float(r.p50),
            handling_p90_minutes=None if r.p90 is None else float(r.p90),
        )
        for r in rows
    ]
