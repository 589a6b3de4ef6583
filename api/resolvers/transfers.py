"""Queries and mutations for transfers of stock between stores."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain import global_ids, transfers
from api.domain.access import Permission
from api.resolvers.idempotent import once
from api.schema.permissions import requires
from api.schema.relay import Connection, connection
from api.schema.transfers import (
    ApproveTransferPayload,
    CancelTransferPayload,
    ReceiveTransferInput,
    ReceiveTransferPayload,
    RequestTransferInput,
    RequestTransferPayload,
    ShipTransferInput,
    ShipTransferPayload,
    SkuQuantityInput,
    Transfer,
    TransferFilter,
    TransferLine,
)


def transfer_key(value: strawberry.ID, argument: str = "id") -> int:
    return global_ids.expect(value, "Transfer", argument=argument)


def line_inputs(lines: list[SkuQuantityInput]) -> list[transfers.LineInput]:
    return [transfers.LineInput(sku=line.sku.strip(), quantity=line.quantity) for line in lines]


async def _transfer(context: Context, transfer_id: int) -> Transfer:
    return Transfer.from_view(await transfers.transfer_view(context.session, transfer_id))


@strawberry.type
class TransferQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="A transfer from or to a store in your scope (else NOT_FOUND).",
    )
    async def transfer(self, info: Info, id: strawberry.ID) -> Transfer | None:
        # Nullable so that @requires can hide it; a missing transfer is NOT_FOUND.
        view = await transfers.get_transfer(
            info.context.session, info.context.actor, transfer_key(id)
        )
        return Transfer.from_view(view)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="Transfers from or to stores in your scope, oldest first.",
    )
    async def transfers(
        self,
        info: Info,
        filter: TransferFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Transfer]:
        f = filter or TransferFilter()
        page = await transfers.list_transfers(
            info.context.session,
            info.context.actor,
            filter=transfers.TransferFilter(store_code=f.store_code, status=f.status),
            first=first,
            after=after,
        )
        return connection(page, Transfer.from_view)


@strawberry.type
class TransferMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.REQUEST_TRANSFERS)],
        description="Ask another store for goods, for your store (or one in your scope).",
    )
    async def request_transfer(
        self, info: Info, input: RequestTransferInput
    ) -> RequestTransferPayload:
        context: Context = info.context
        actor = context.require_actor()
        new = transfers.NewTransfer(
            from_store_code=input.from_store_code.strip(),
            to_store_code=input.to_store_code.strip(),
            lines=line_inputs(input.lines),
            note=input.note,
        )

        async def perform() -> int:
            return await transfers.request_transfer(context.session, actor, new)

        transfer_id = await once(context, "requestTransfer", input, perform)
        return RequestTransferPayload(transfer=await _transfer(context, transfer_id))

    @strawberry.mutation(
        extensions=[requires(Permission.APPROVE_TRANSFERS)],
        description="Let the goods leave: the source store's manager, its region manager or HQ "
        "(never the requester).",
    )
    async def approve_transfer(self, info: Info, id: strawberry.ID) -> ApproveTransferPayload:
        transfer_id = transfer_key(id)
        await transfers.approve_transfer(info.context.session, info.context.actor, transfer_id)
        return ApproveTransferPayload(transfer=await _transfer(info.context, transfer_id))

    @strawberry.mutation(
        extensions=[requires(Permission.HANDLE_GOODS)],
        description="Source store staff send the goods (lines not given ship 0; at most what "
        "was requested). Stock leaves the source and is in transit to the destination.",
    )
    async def ship_transfer(self, info: Info, input: ShipTransferInput) -> ShipTransferPayload:
        context: Context = info.context
        transfer_id = transfer_key(input.transfer_id, "transferId")
        await _change_once(context, "shipTransfer", input, transfer_id, transfers.ship_transfer)
        return ShipTransferPayload(transfer=await _transfer(context, transfer_id))

    @strawberry.mutation(
        extensions=[requires(Permission.HANDLE_GOODS)],
        description="Destination store staff count what arrived (lines not given: 0 arrived). "
        "Differences from the shipment are recorded and returned, not refused.",
    )
    async def receive_transfer(
        self, info: Info, input: ReceiveTransferInput
    ) -> ReceiveTransferPayload:
        context: Context = info.context
        transfer_id = transfer_key(input.transfer_id, "transferId")
        await _change_once(
            context, "receiveTransfer", input, transfer_id, transfers.receive_transfer
        )
        view = await transfers.transfer_view(context.session, transfer_id)
        return ReceiveTransferPayload(
            transfer=Transfer.from_view(view),
            differences=[TransferLine.from_view(line) for line in view.differences],
        )

    @strawberry.mutation(
        extensions=[requires(Permission.REQUEST_TRANSFERS)],
        description="Call a transfer off before it ships: the destination's requesters or the "
        "source's approvers.",
    )
    async def cancel_transfer(self, info: Info, id: strawberry.ID) -> CancelTransferPayload:
        transfer_id = transfer_key(id)
        await transfers.cancel_transfer(info.context.session, info.context.actor, transfer_id)
        return CancelTransferPayload(transfer=await _transfer(info.context, transfer_id))


async def _change_once(
    context: Context,
    operation: str,
    input: ShipTransferInput | ReceiveTransferInput,
    transfer_id: int,
    change: transfers.LineChange,
) -> None:
    """Ship or receive: the shared adapter, keyed on the whole input."""
    actor = context.require_actor()
    given = line_inputs(input.lines)

    async def perform() -> int:
        await change(context.session, actor, transfer_id, given)
        return transfer_id

    await once(context, operation, input, perform)
