"""Stock balances, nearby stock, stock alerts, and a store's safety levels."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api.domain.access import Permission
from api.domain.stock import alert_counts, queries
from api.domain.stock.counts import CountLine, record_stock_count
from api.domain.stock.thresholds import set_stock_thresholds
from api.resolvers.idempotent import once_with_result
from api.schema.permissions import requires
from api.schema.relay import Connection, connection
from api.schema.stock import (
    NearbyStock,
    RecordStockCountInput,
    RecordStockCountPayload,
    SetStockThresholdsPayload,
    StockAlert,
    StockAlertStatus,
    StockCountLine,
    StockLevel,
    StockLevelFilter,
    StoreAlertCount,
)
from db.models import AlertStatus


@strawberry.type
class StockQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="A SKU's balance at a store in your scope (zero if never stocked there).",
    )
    async def stock_level(self, info: Info, store_code: str, sku: str) -> StockLevel:
        row = await queries.get_stock_level(
            info.context.session, info.context.actor, store_code=store_code, sku=sku
        )
        return StockLevel.from_row(row)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="A store's balances with their products, by SKU.",
    )
    async def stock_levels(
        self,
        info: Info,
        store_code: str,
        filter: StockLevelFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StockLevel]:
        f = filter or StockLevelFilter()
        page = await queries.list_stock_levels(
            info.context.session,
            info.context.actor,
            store_code=store_code,
            filter=queries.StockFilter(
                below_safety=f.below_safety, category=f.category, search=f.search
            ),
            first=first,
            after=after,
        )
        return connection(page, StockLevel.from_row)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="Other stores holding the SKU (on hand > 0), nearest first by great-circle "
        "distance from a store in your scope; `first` 1-100.",
    )
    async def nearby_stock(
        self, info: Info, sku: str, store_code: str, first: int = 10
    ) -> list[NearbyStock]:
        rows = await queries.nearby_stock(
            info.context.session, info.context.actor, sku=sku, store_code=store_code, first=first
        )
        return [NearbyStock.from_row(r) for r in rows]

    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="A store's alerts, oldest first; OPEN ones unless `status` says otherwise.",
    )
    async def stock_alerts(
        self,
        info: Info,
        store_code: str,
        status: StockAlertStatus | None = AlertStatus.OPEN,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StockAlert]:
        page = await queries.list_stock_alerts(
            await info.context.read_session(),
            info.context.actor,
            store_code=store_code,
            status=status,
            first=first,
            after=after,
        )
        return connection(page, StockAlert.from_row)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="Every store in your scope (of `regionCode` when given) with its open "
        "stock alerts counted, by store code; stores with none are listed with zeros.",
    )
    async def open_stock_alert_counts(
        self, info: Info, region_code: str | None = None
    ) -> list[StoreAlertCount]:
        rows = await alert_counts.open_alert_counts(
            info.context.session, info.context.actor, region_code=region_code
        )
        return [StoreAlertCount.from_row(r) for r in rows]


@strawberry.type
class StockMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_STOCK)],
        description="Set a store's own safety level and reorder target for a SKU (overriding "
        "the product's defaults); the LOW_STOCK alert follows at once.",
    )
    async def set_stock_thresholds(
        self, info: Info, store_code: str, sku: str, safety_stock: int, reorder_target: int
    ) -> SetStockThresholdsPayload:
        row = await set_stock_thresholds(
            info.context.session,
            info.context.actor,
            store_code=store_code,
            sku=sku,
            safety_stock=safety_stock,
            reorder_target=reorder_target,
        )
        return SetStockThresholdsPayload(stock_level=StockLevel.from_row(row))

    @strawberry.mutation(
        extensions=[requires(Permission.HANDLE_GOODS)],
        description="Stock-take at a store in your scope: each counted SKU's balance becomes "
        "the count (one COUNT movement of counted - book each); the variances, in input order.",
    )
    async def record_stock_count(
        self, info: Info, input: RecordStockCountInput
    ) -> RecordStockCountPayload:
        context = info.context
        actor = context.require_actor()
        lines = [CountLine(sku=x.sku.strip(), counted=x.counted) for x in input.lines]

        async def perform() -> dict[str, Any]:
            counted = await record_stock_count(
                context.session, actor, store_code=input.store_code, lines=lines, note=input.note
            )
            return {"lines": [{**vars(c), "variance": c.variance} for c in counted]}

        result = await once_with_result(context, "recordStockCount", input, perform)
        return RecordStockCountPayload(lines=[StockCountLine(**x) for x in result["lines"]])
