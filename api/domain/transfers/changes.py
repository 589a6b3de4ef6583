"""Changing a transfer: request, approve, ship (in transit), receive, cancel.

Each state change is one guarded UPDATE (`WHERE status IN expected`): of two concurrent changes
to a transfer the second waits for the first's row lock, re-checks, matches nothing and gets
CONFLICT. Stock moves only through the ledger: TRANSFER_OUT at the source when shipped,
TRANSFER_IN at the destination when received; shipped goods count in the destination's
`stock_level.in_transit` until they arrive. Every change is announced to both stores (one event
row per store, so store-scoped subscribers of either side receive it).

Rules decided here: the requester may not approve their own request (separation of duties, so
a region manager asking for goods needs someone else's yes); a shipment may not exceed what was
requested; a receipt may differ from the shipment either way and the difference is recorded on
the line, not refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events, global_ids
from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, Forbidden, NotFound
from api.domain.stock.ledger import Change, apply_movements
from api.domain.transfers.lines import (
    LineInput,
    adjust_in_transit,
    check_lines,
    products_by_sku,
    raise_if,
    unknown_skus,
)
from api.domain.transfers.queries import load_visible_transfer, transfer_stores
from db.models import MovementKind, Store, Transfer, TransferLine, TransferStatus

MAX_NOTE_LENGTH = 500

# ship_transfer and receive_transfer: (session, caller, transfer id, lines) -> None
LineChange = Callable[[AsyncSession, Actor | None, int, list[LineInput]], Awaitable[None]]


@dataclass(frozen=True)
class NewTransfer:
    from_store_code: str
    to_store_code: str
    lines: list[LineInput]
    note: str | None = None


async def _announce(
    session: AsyncSession, event: Callable[..., events.TransferChanged], transfer: Transfer
) -> None:
    """`event`: a TransferChanged type, or a partial of one with its own fields given."""
    source, destination = await transfer_stores(session, transfer)
    sides = ((events.TransferSide.SOURCE, source), (events.TransferSide.DESTINATION, destination))
    for side, store in sides:
        await events.emit(
            session,
            event(
                transfer_id=transfer.id,
                from_store_code=source.code,
                to_store_code=destination.code,
                side=side,
            ),
            store_id=store.id,
            region_id=store.region_id,
        )


async def _authorize_side(
    session: AsyncSession, actor: Actor, transfer: Transfer, *, store_id: int, what: str
) -> None:
    store = await session.get_one(Store, store_id)
    if not actor.scope.allows(store.id, store.region_id):
        raise Forbidden(f"Only staff of store {store.code} can {what} transfer {transfer.id}.")


async def _transition(
    session: AsyncSession,
    transfer: Transfer,
    *,
    expected: set[TransferStatus],
    new: TransferStatus,
    verb: str,
    values: dict[str, Any],
) -> None:
    changed = await session.scalar(
        update(Transfer)
        .where(Transfer.id == transfer.id, Transfer.status.in_(expected))
        .values(status=new, **values)
        .returning(Transfer.id)
        .execution_options(synchronize_session=False)
    )
    if changed is None:
        current = await session.scalar(select(Transfer.status).where(Transfer.id == transfer.id))
        public = global_ids.encode("Transfer", transfer.id)
        raise Conflict(
            f"Transfer {public} is {current}: it cannot be {verb}.",
            transferId=public,
            reason=ErrorReason.WRONG_STATUS,
            status=str(current),
        )


async def request_transfer(session: AsyncSession, actor: Actor | None, new: NewTransfer) -> int:
    """Ask `from_store` for goods on behalf of `to_store` (the caller's store, or one in scope)."""
    actor = require(actor, Permission.REQUEST_TRANSFERS)
    problems = check_lines(new.lines, field="lines", allow_zero=False)
    if new.from_store_code == new.to_store_code:
        problems.append("fromStoreCode: a store cannot transfer to itself")
    if new.note is not None and len(new.note) > MAX_NOTE_LENGTH:
        problems.append(f"note: at most {MAX_NOTE_LENGTH} characters")
    raise_if(problems)
    destination = await authorize_store(
        session, actor, new.to_store_code, Permission.REQUEST_TRANSFERS, argument="toStoreCode"
    )
    source = await session.scalar(select(Store).where(Store.code == new.from_store_code))
    if source is None:
        raise NotFound(
            f"No store has code {new.from_store_code!r}.",
            argument="fromStoreCode",
            storeCode=new.from_store_code,
        )
    found = await products_by_sku(session, (line.sku for line in new.lines))
    problems = unknown_skus(new.lines, found, field="lines")
    problems += [
        f"lines[{i}].sku: {line.sku} is a regional SKU not sold at {new.to_store_code}"
        for i, line in enumerate(new.lines)
        if line.sku in found and found[line.sku].region_id not in (None, destination.region_id)
    ]
    raise_if(problems)
    transfer = Transfer(
        from_store_id=source.id,
        to_store_id=destination.id,
        status=TransferStatus.REQUESTED,
        note=new.note.strip() if new.note and new.note.strip() else None,
        requested_by_id=actor.staff_id,
    )
    session.add(transfer)
    await session.flush()
    session.add_all(
        TransferLine(
            transfer_id=transfer.id,
            product_id=found[line.sku].id,
            quantity_requested=line.quantity,
        )
        for line in new.lines
    )
    await session.flush()
    await _announce(session, events.TransferRequested, transfer)
    return transfer.id


async def approve_transfer(session: AsyncSession, actor: Actor | None, transfer_id: int) -> None:
    """The source store's manager, its region manager or HQ lets the goods go."""
    actor = require(actor, Permission.APPROVE_TRANSFERS)
    transfer = await load_visible_transfer(session, actor, transfer_id)
    await _authorize_side(session, actor, transfer, store_id=transfer.from_store_id, what="approve")
    if transfer.requested_by_id == actor.staff_id:
        raise Forbidden("You requested this transfer: someone else must approve it.")
    await _transition(
        session,
        transfer,
        expected={TransferStatus.REQUESTED},
        new=TransferStatus.APPROVED,
        verb="approved",
        values={"approved_by_id": actor.staff_id, "approved_at": text("now()")},
    )
    await _announce(session, events.TransferApproved, transfer)


async def _lines_by_product(session: AsyncSession, transfer_id: int) -> dict[int, TransferLine]:
    rows = await session.scalars(
        select(TransferLine)
        .where(TransferLine.transfer_id == transfer_id)
        .execution_options(populate_existing=True)
    )
    return {line.product_id: line for line in rows}


async def _quantities(
    session: AsyncSession, transfer_id: int, lines: list[LineInput], *, field: str
) -> tuple[dict[int, TransferLine], dict[int, int], dict[str, int]]:
    """The transfer's lines by product, the given quantity per product (0 for lines not
    mentioned), and the product id of each given SKU."""
    problems = check_lines(lines, field=field, allow_zero=True)
    raise_if(problems)
    existing = await _lines_by_product(session, transfer_id)
    found = await products_by_sku(session, (line.sku for line in lines))
    problems = unknown_skus(lines, found, field=field)
    problems += [
        f"{field}[{i}].sku: {line.sku} is not on transfer {transfer_id}"
        for i, line in enumerate(lines)
        if line.sku in found and found[line.sku].id not in existing
    ]
    raise_if(problems)
    ids = {line.sku: found[line.sku].id for line in lines}
    given = {ids[line.sku]: line.quantity for line in lines}
    return existing, {pid: given.get(pid, 0) for pid in existing}, ids


_SET_LINES = text(
    """
    UPDATE transfer_line t SET {column} = d.quantity
      FROM unnest(CAST(:product_ids AS bigint[]), CAST(:quantities AS int[]))
           AS d(product_id, quantity)
     WHERE t.transfer_id = :transfer_id AND t.product_id = d.product_id
    """
)


async def _set_line_quantities(
    session: AsyncSession, transfer_id: int, column: str, quantities: dict[int, int]
) -> None:
    await session.execute(
        text(_SET_LINES.text.format(column=column)),
        {
            "transfer_id": transfer_id,
            "product_ids": list(quantities),
            "quantities": list(quantities.values()),
        },
    )


async def ship_transfer(
    session: AsyncSession, actor: Actor | None, transfer_id: int, lines: list[LineInput]
) -> None:
    """Source store staff send the goods: TRANSFER_OUT at the source, in transit at the other."""
    actor = require(actor, Permission.HANDLE_GOODS)
    transfer = await load_visible_transfer(session, actor, transfer_id, argument="transferId")
    await _authorize_side(session, actor, transfer, store_id=transfer.from_store_id, what="ship")
    existing, shipped, ids = await _quantities(session, transfer_id, lines, field="lines")
    requested = {sku: existing[pid].quantity_requested for sku, pid in ids.items()}
    problems = [
        f"lines[{i}].quantity: {line.quantity} is more than the {requested[line.sku]} requested"
        for i, line in enumerate(lines)
        if line.quantity > requested[line.sku]
    ]
    if not any(shipped.values()):
        problems.append("lines: nothing to ship; cancel the transfer instead")
    raise_if(problems)
    await _transition(
        session,
        transfer,
        expected={TransferStatus.APPROVED},
        new=TransferStatus.SHIPPED,
        verb="shipped",
        values={"shipped_by_id": actor.staff_id, "shipped_at": text("now()")},
    )
    await _set_line_quantities(session, transfer_id, "quantity_shipped", shipped)
    source, destination = await transfer_stores(session, transfer)
    await apply_movements(
        session,
        store_id=source.id,
        region_id=source.region_id,
        kind=MovementKind.TRANSFER_OUT,
        changes=[Change(pid, -qty) for pid, qty in shipped.items() if qty],
        reference_type="transfer",
        reference_id=str(transfer_id),
        staff_id=actor.staff_id,
    )
    await adjust_in_transit(session, store_id=destination.id, changes=shipped)
    shipment = partial(events.TransferShipped, units_shipped=sum(shipped.values()))
    await _announce(session, shipment, transfer)


async def receive_transfer(
    session: AsyncSession, actor: Actor | None, transfer_id: int, lines: list[LineInput]
) -> None:
    """Destination staff count what arrived: TRANSFER_IN, in transit falls by what was shipped,
    and any difference from the shipment is recorded on its line."""
    actor = require(actor, Permission.HANDLE_GOODS)
    transfer = await load_visible_transfer(session, actor, transfer_id, argument="transferId")
    await _authorize_side(session, actor, transfer, store_id=transfer.to_store_id, what="receive")
    existing, received, _ = await _quantities(session, transfer_id, lines, field="lines")
    await _transition(
        session,
        transfer,
        expected={TransferStatus.SHIPPED},
        new=TransferStatus.RECEIVED,
        verb="received",
        values={"received_by_id": actor.staff_id, "received_at": text("now()")},
    )
    await _set_line_quantities(session, transfer_id, "quantity_received", received)
    destination = await session.get_one(Store, transfer.to_store_id)
    await apply_movements(
        session,
        store_id=destination.id,
        region_id=destination.region_id,
        kind=MovementKind.TRANSFER_IN,
        changes=[Change(pid, qty) for pid, qty in received.items() if qty],
        reference_type="transfer",
        reference_id=str(transfer_id),
        staff_id=actor.staff_id,
    )
    shipped = {pid: line.quantity_shipped or 0 for pid, line in existing.items()}
    await adjust_in_transit(
        session, store_id=destination.id, changes={pid: -qty for pid, qty in shipped.items()}
    )
    differences = tuple(
        events.ReceivedDifference(product_id=pid, shipped=shipped[pid], received=received[pid])
        for pid in existing
        if received[pid] != shipped[pid]
    )
    await _announce(session, partial(events.TransferReceived, differences=differences), transfer)


async def cancel_transfer(session: AsyncSession, actor: Actor | None, transfer_id: int) -> None:
    """Before shipping, either side may call it off: whoever could request it for the
    destination, or whoever could approve it at the source."""
    actor = require(actor, Permission.REQUEST_TRANSFERS)
    transfer = await load_visible_transfer(session, actor, transfer_id)
    source, destination = await transfer_stores(session, transfer)
    may_cancel = (
        actor.can(Permission.REQUEST_TRANSFERS)
        and actor.scope.allows(destination.id, destination.region_id)
    ) or (
        actor.can(Permission.APPROVE_TRANSFERS) and actor.scope.allows(source.id, source.region_id)
    )
    if not may_cancel:
        raise Forbidden(f"You can neither request nor approve transfer {transfer_id}.")
    await _transition(
        session,
        transfer,
        expected={TransferStatus.REQUESTED, TransferStatus.APPROVED},
        new=TransferStatus.CANCELLED,
        verb="cancelled",
        values={"cancelled_by_id": actor.staff_id, "cancelled_at": text("now()")},
    )
    await _announce(session, events.TransferCancelled, transfer)
