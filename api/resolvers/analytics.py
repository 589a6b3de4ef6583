"""Queries for the analytics: the chain's monthly KPIs, store traffic and staff months."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain.access import Permission
from api.domain.analytics import kpis, operations
from api.schema.analytics import KpiReportType, StaffMonth, TrafficCell
from api.schema.permissions import requires
from api.schema.relay import Connection, connection


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_SALES)],
        description="Monthly KPIs over the store-local months that from..to touches, for one "
        "store, one region, or (neither given) every store in your scope; each with its "
        "baseline before go-live and its month-on-month trend. From the rollups.",
    )
    async def kpis(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        region_code: str | None = None,
        store_code: str | None = None,
    ) -> KpiReportType:
        context: Context = info.context
        report = await kpis.kpis(
            await context.read_session(),
            context.actor,
            first_day=from_,
            last_day=to,
            store_code=store_code,
            region_code=region_code,
            go_live=context.settings.analytics_go_live,
        )
        return KpiReportType.from_data(report)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_SALES)],
        description="A store's receipts by store-local weekday and hour over the store-local "
        "dates from..to inclusive (at most 366 days): all 168 cells, Monday 00:00 first.",
    )
    async def traffic_heatmap(
        self,
        info: Info,
        store_code: str,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> list[TrafficCell]:
        cells = await operations.traffic_heatmap(
            await info.context.read_session(),
            info.context.actor,
            store_code=store_code,
            first_day=from_,
            last_day=to,
        )
        return [TrafficCell.from_data(cell) for cell in cells]

    @strawberry.field(
        extensions=[requires(Permission.VIEW_SALES)],
        description="Each clerk's store-local month (the month of `month`) at one store, one "
        "region or every store in your scope, highest takings first.",
    )
    async def staff_ranking(
        self,
        info: Info,
        month: date,
        region_code: str | None = None,
        store_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StaffMonth]:
        page = await operations.staff_ranking(
            await info.context.read_session(),
            info.context.actor,
            month=month,
            store_code=store_code,
            region_code=region_code,
            first=first,
            after=after,
        )
        return connection(page, StaffMonth.from_data)
