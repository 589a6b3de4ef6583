"""Queries for the analytics: the chain's monthly KPIs."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain.access import Permission
from api.domain.analytics import kpis
from api.schema.analytics import KpiReportType
from api.schema.permissions import requires


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
            context.session,
            context.actor,
            first_day=from_,
            last_day=to,
            store_code=store_code,
            region_code=region_code,
            go_live=context.settings.analytics_go_live,
        )
        return KpiReportType.from_data(report)
