"""Reading the forecasts: days-of-cover warnings of a store, a region or everything in scope
(pages in store and SKU order), a store's or a district's daily forecast for a SKU, and the
warnings' quantities for replenishment drafts. Scope through the caller's StoreScope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_region, authorize_store, require
from api.domain.errors import InvalidInput, NotFound
from api.domain.pagination import Page, keyset_page
from db.models import CoverWarning, DemandForecast, Product, Store

_WARNING_COLUMNS: tuple[Any, ...] = (CoverWarning, Product, Store)


@dataclass(frozen=True)
class WarningRow:
    warning: CoverWarning
    product: Product
    store: Store


async def list_cover_warnings(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str | None,
    region_code: str | None,
    first: int | None,
    after: str | None,
) -> Page[WarningRow]:
    """Warnings of one store, one region, or every store in the caller's scope."""
    actor = require(actor, Permission.VIEW_STOCK)
    if store_code is not None and region_code is not None:
        raise InvalidInput.listing(["storeCode, regionCode: give one of them, or neither"])
    stmt: Select[Any] = (
        select(*_WARNING_COLUMNS)
        .join(Product, Product.id == CoverWarning.product_id)
        .join(Store, Store.id == CoverWarning.store_id)
        .where(actor.scope.sql(Store.id, Store.region_id))
    )
    if store_code is not None:
        store = await authorize_store(session, actor, store_code, Permission.VIEW_STOCK)
        stmt = stmt.where(CoverWarning.store_id == store.id)
    if region_code is not None:
        region_id = await authorize_region(session, actor, region_code, Permission.VIEW_STOCK)
        stmt = stmt.where(Store.region_id == region_id)
    page = await keyset_page(
        session,
        stmt,
        kind="cover_warning",
        key_columns=[CoverWarning.store_id, CoverWarning.product_id],
        key_of=lambda r: [r.CoverWarning.store_id, r.CoverWarning.product_id],
        first=first,
        after=after,
        scalars=False,
    )
    return Page(
        items=[(cursor, WarningRow(r[0], r[1], r[2])) for cursor, r in page.items],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )


@dataclass(frozen=True)
class ForecastDay:
    day: date
    units: float
    weather_factor: float


async def demand_forecast(
    session: AsyncSession,
    actor: Actor | None,
    *,
    sku: str,
    store_code: str | None,
    region_code: str | None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> list[ForecastDay]:
    """A SKU's daily forecast at one store, or for a district (region): the sum of its
    stores' forecasts (bottom-up, as the backtest scores it), with their mean weather factor;
    only the days from `first_day` to `last_day` when given."""
    actor = require(actor, Permission.VIEW_STOCK)
    if (store_code is None) == (region_code is None):
        raise InvalidInput.listing(["storeCode, regionCode: give exactly one of them"])
    if first_day is not None and last_day is not None and last_day < first_day:
        raise InvalidInput(f"to: {last_day} is before from ({first_day}).", argument="to")
    product_id = await session.scalar(select(Product.id).where(Product.sku == sku))
    if product_id is None:
        raise NotFound(f"No product has SKU {sku!r}.", argument="sku")
    stmt = select(
        DemandForecast.day,
        func.sum(DemandForecast.units).label("units"),
        func.avg(DemandForecast.weather_factor).label("weather_factor"),
    ).where(DemandForecast.product_id == product_id)
    if store_code is not None:
        store = await authorize_store(session, actor, store_code, Permission.VIEW_STOCK)
        stmt = stmt.where(DemandForecast.store_id == store.id)
    else:
        assert region_code is not None
        region_id = await authorize_region(session, actor, region_code, Permission.VIEW_STOCK)
        stmt = stmt.where(
            DemandForecast.store_id.in_(select(Store.id).where(Store.region_id == region_id))
        )
    if first_day is not None:
        stmt = stmt.where(DemandForecast.day >= first_day)
    if last_day is not None:
        stmt = stmt.where(DemandForecast.day <= last_day)
    rows = await session.execute(stmt.group_by(DemandForecast.day).order_by(DemandForecast.day))
    return [ForecastDay(r.day, float(r.units), float(r.weather_factor)) for r in rows]


# What a warning asks a draft to order now: up to its target, less what is on hand, in
# transit or already on an approved order.
_COVER_NEEDS = text(
    """
    SELECT w.store_id, w.product_id,
           w.target_units - greatest(coalesce(l.on_hand, 0), 0) - coalesce(l.in_transit, 0)
             - coalesce(on_order.quantity, 0) AS quantity
      FROM cover_warning w
      LEFT JOIN stock_level l ON l.store_id = w.store_id AND l.product_id = w.product_id
      LEFT JOIN LATERAL (
        SELECT sum(rl.quantity) AS quantity
          FROM replenishment_order o
          JOIN replenishment_line rl ON rl.store_id = o.store_id AND rl.order_id = o.id
         WHERE o.store_id = w.store_id AND o.status = 'APPROVED'
           AND rl.product_id = w.product_id
      ) on_order ON true
     WHERE w.store_id = ANY(CAST(:store_ids AS int[]))
    """
)


@dataclass(frozen=True)
class Need:
    store_id: int
    product_id: int
    quantity: int


async def with_cover_needs(
    session: AsyncSession, store_ids: Sequence[int], needs: Sequence[Need]
) -> list[Need]:
    """`needs` (from LOW_STOCK alerts) with the cover warnings' quantities: the larger of the
    two per store and SKU, positive ones only, in store and SKU order."""
    merged = {(n.store_id, n.product_id): n.quantity for n in needs}
    for r in await session.execute(_COVER_NEEDS, {"store_ids": list(store_ids)}):
        key = (r.store_id, r.product_id)
        merged[key] = max(merged.get(key, 0), int(r.quantity))
    return [Need(s, p, q) for (s, p), q in sorted(merged.items()) if q > 0]
