"""Queries and mutations for replenishment orders."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain import global_ids, replenishment
from api.domain.access import Permission
from api.resolvers.idempotent import once
from api.schema.permissions import requires
from api.schema.relay import Connection, connection
from api.schema.replenishment import (
    ApproveReplenishmentOrderPayload,
    CancelReplenishmentOrderPayload,
    GenerateReplenishmentOrdersPayload,
    ReceiveReplenishmentOrderInput,
    ReceiveReplenishmentOrderPayload,
    ReplenishmentOrder,
    ReplenishmentStatusEnum,
)


async def _order(context: Context, order_id: int) -> ReplenishmentOrder:
    return ReplenishmentOrder.from_view(await replenishment.order_view(context.session, order_id))


@strawberry.type
class ReplenishmentQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="Replenishment orders of stores in your scope, oldest first.",
    )
    async def replenishment_orders(
        self,
        info: Info,
        store_code: str | None = None,
        status: ReplenishmentStatusEnum | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ReplenishmentOrder]:
        page = await replenishment.list_orders(
            info.context.session,
            info.context.actor,
            store_code=store_code,
            status=status,
            first=first,
            after=after,
        )
        return connection(page, ReplenishmentOrder.from_view)


@strawberry.type
class ReplenishmentMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_REPLENISHMENT)],
        description="Draft orders from OPEN LOW_STOCK alerts (reorder target - on hand - in "
        "transit - on order), for one store or every store in your scope. Running it again "
        "refreshes each store's DRAFT instead of adding one.",
    )
    async def generate_replenishment_orders(
        self, info: Info, store_code: str | None = None
    ) -> GenerateReplenishmentOrdersPayload:
        views = await replenishment.generate_orders(
            info.context.session, info.context.actor, store_code=store_code
        )
        return GenerateReplenishmentOrdersPayload(
            replenishment_orders=[ReplenishmentOrder.from_view(v) for v in views]
        )

    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_REPLENISHMENT)],
        description="Approve a DRAFT: the store's manager, its region manager or HQ.",
    )
    async def approve_replenishment_order(
        self, info: Info, id: strawberry.ID
    ) -> ApproveReplenishmentOrderPayload:
        order_id = global_ids.expect(id, "ReplenishmentOrder", argument="id")
        await replenishment.approve_order(info.context.session, info.context.actor, order_id)
        return ApproveReplenishmentOrderPayload(
            replenishment_order=await _order(info.context, order_id)
        )

    @strawberry.mutation(
        extensions=[requires(Permission.HANDLE_GOODS)],
        description="Book an APPROVED order's delivery: RECEIPT movements and a batch per "
        "dated line. SKUs not given arrived 0.",
    )
    async def receive_replenishment_order(
        self, info: Info, input: ReceiveReplenishmentOrderInput
    ) -> ReceiveReplenishmentOrderPayload:
        context: Context = info.context
        actor = context.require_actor()
        order_id = global_ids.expect(
            input.replenishment_order_id, "ReplenishmentOrder", argument="replenishmentOrderId"
        )
        given = [
            replenishment.ReceiptLine(
                sku=x.sku.strip(), quantity=x.quantity, expires_on=x.expires_on
            )
            for x in input.lines
        ]

        async def perform() -> int:
            await replenishment.receive_order(context.session, actor, order_id, given)
            return order_id

        await once(context, "receiveReplenishmentOrder", input, perform)
        return ReceiveReplenishmentOrderPayload(replenishment_order=await _order(context, order_id))

    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_REPLENISHMENT)],
        description="Cancel a DRAFT or APPROVED order.",
    )
    async def cancel_replenishment_order(
        self, info: Info, id: strawberry.ID
    ) -> CancelReplenishmentOrderPayload:
        order_id = global_ids.expect(id, "ReplenishmentOrder", argument="id")
        await replenishment.cancel_order(info.context.session, info.context.actor, order_id)
        return CancelReplenishmentOrderPayload(
            replenishment_order=await _order(info.context, order_id)
        )
