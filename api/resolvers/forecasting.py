"""Queries for demand forecasts and days-of-cover warnings."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.domain.access import Permission
from api.domain.forecasting import queries
from api.schema.forecasting import CoverWarning, ForecastDay
from api.schema.permissions import requires
from api.schema.relay import Connection, connection


@strawberry.type
class ForecastingQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="Days-of-cover warnings of a store, a region, or (neither given) every "
        "store in your scope, by store and SKU; refreshed by the worker's forecast job.",
    )
    async def cover_warnings(
        self,
        info: Info,
        store_code: str | None = None,
        region_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CoverWarning]:
        page = await queries.list_cover_warnings(
            await info.context.read_session(),
            info.context.actor,
            store_code=store_code,
            region_code=region_code,
            first=first,
            after=after,
        )
        return connection(page, CoverWarning.from_row)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="A SKU's daily demand forecast at a store, or for a district (regionCode: "
        "the sum of its stores' forecasts); exactly one of storeCode and regionCode; optionally "
        "only the days `from` to `to`.",
    )
    async def demand_forecast(
        self,
        info: Info,
        sku: str,
        store_code: str | None = None,
        region_code: str | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> list[ForecastDay]:
        days = await queries.demand_forecast(
            info.context.session,
            info.context.actor,
            sku=sku,
            store_code=store_code,
            region_code=region_code,
            first_day=from_,
            last_day=to,
        )
        return [ForecastDay.from_domain(d) for d in days]
