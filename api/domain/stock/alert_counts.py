"""Open stock alerts counted per store, for every store in the caller's scope: the board's map.

One grouped SELECT whatever the number of stores; a store with none is listed with zeros, so
the map can colour every store it plots.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_region, require
from db.models import AlertKind, AlertStatus, StockAlert, Store


@dataclass(frozen=True)
class StoreAlertCount:
    store: Store
    open_alerts: int
    low_stock: int


async def open_alert_counts(
    session: AsyncSession, actor: Actor | None, *, region_code: str | None = None
) -> list[StoreAlertCount]:
    """Each store in scope (of `region_code` when given) with its open alerts, by store code."""
    actor = require(actor, Permission.VIEW_STOCK)
    open_alert = and_(StockAlert.store_id == Store.id, StockAlert.status == AlertStatus.OPEN)
    stmt = (
        select(
            Store,
            func.count(StockAlert.id).label("open_alerts"),
            func.count(case((StockAlert.kind == AlertKind.LOW_STOCK, StockAlert.id))).label(
                "low_stock"
            ),
        )
        .outerjoin(StockAlert, open_alert)
        .where(actor.scope.where(Store.id))
        .group_by(Store.id)
        .order_by(Store.code)
    )
    if region_code is not None:
        region_id = await authorize_region(session, actor, region_code, Permission.VIEW_STOCK)
        stmt = stmt.where(Store.region_id == region_id)
    rows = await session.execute(stmt)
    return [
        StoreAlertCount(store=row.Store, open_alerts=row.open_alerts, low_stock=row.low_stock)
        for row in rows
    ]
