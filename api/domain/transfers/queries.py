"""Reading transfers: one transfer or a page, with lines and products batched in one query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.errors import NotFound
from api.domain.pagination import Page, keyset_page
from db.models import Product, Store, Transfer, TransferLine, TransferStatus


@dataclass(frozen=True)
class TransferFilter:
    store_code: str | None = None  # either side
    status: TransferStatus | None = None


@dataclass(frozen=True)
class TransferLineView:
    product: Product
    quantity_requested: int
    quantity_shipped: int | None
    quantity_received: int | None

    @property
    def difference(self) -> int | None:
        """Received minus shipped once received: negative is missing, positive is extra."""
        if self.quantity_shipped is None or self.quantity_received is None:
            return None
        return self.quantity_received - self.quantity_shipped


@dataclass(frozen=True)
class TransferView:
    transfer: Transfer
    lines: list[TransferLineView]

    @property
    def differences(self) -> list[TransferLineView]:
        return [line for line in self.lines if line.difference]


async def with_lines(session: AsyncSession, transfers: list[Transfer]) -> list[TransferView]:
    """Transfers with their lines and products: one query for any number of transfers."""
    ids = [t.id for t in transfers]
    rows = (
        await session.execute(
            select(TransferLine, Product)
            .join(Product, Product.id == TransferLine.product_id)
            .where(TransferLine.transfer_id.in_(ids))
            .order_by(TransferLine.transfer_id, Product.sku)
            .execution_options(populate_existing=True)
        )
    ).all()
    lines: dict[int, list[TransferLineView]] = {i: [] for i in ids}
    for line, product in rows:
        lines[line.transfer_id].append(
            TransferLineView(
                product=product,
                quantity_requested=line.quantity_requested,
                quantity_shipped=line.quantity_shipped,
                quantity_received=line.quantity_received,
            )
        )
    return [TransferView(transfer=t, lines=lines[t.id]) for t in transfers]


async def transfer_view(session: AsyncSession, transfer_id: int) -> TransferView:
    """A transfer the caller was already authorised for (after a mutation)."""
    [view] = await with_lines(session, [await load_transfer(session, transfer_id)])
    return view


async def get_transfer(
    session: AsyncSession, actor: Actor | None, transfer_id: int
) -> TransferView:
    """A transfer either of whose stores is in the caller's scope, else NOT_FOUND."""
    actor = require(actor, Permission.VIEW_STOCK)
    transfer = await load_visible_transfer(session, actor, transfer_id)
    [view] = await with_lines(session, [transfer])
    return view


async def load_visible_transfer(
    session: AsyncSession, actor: Actor, transfer_id: int, *, argument: str = "id"
) -> Transfer:
    """The transfer if either of its stores is in the caller's scope. One between stores
    outside it is not there for the caller: the same NOT_FOUND as an id no transfer has."""
    transfer = await session.scalar(
        select(Transfer).where(Transfer.id == transfer_id).execution_options(populate_existing=True)
    )
    if transfer is not None:
        source, destination = await transfer_stores(session, transfer)
        if actor.scope.allows(source.id, source.region_id) or actor.scope.allows(
            destination.id, destination.region_id
        ):
            return transfer
    public = global_ids.encode("Transfer", transfer_id)
    raise NotFound(f"No transfer {public} from or to a store in your scope.", argument=argument)


async def list_transfers(
    session: AsyncSession,
    actor: Actor | None,
    *,
    filter: TransferFilter,
    first: int | None,
    after: str | None,
) -> Page[TransferView]:
    """Transfers to or from stores in the caller's scope, oldest first."""
    actor = require(actor, Permission.VIEW_STOCK)
    stmt = select(Transfer).where(
        or_(actor.scope.where(Transfer.from_store_id), actor.scope.where(Transfer.to_store_id))
    )
    if filter.store_code is not None:
        store = await authorize_store(session, actor, filter.store_code, Permission.VIEW_STOCK)
        stmt = stmt.where(or_(Transfer.from_store_id == store.id, Transfer.to_store_id == store.id))
    if filter.status is not None:
        stmt = stmt.where(Transfer.status == filter.status)
    page = await keyset_page(
        session,
        stmt.execution_options(populate_existing=True),
        kind="transfer",
        key_columns=[Transfer.id],
        key_of=lambda t: [t.id],
        first=first,
        after=after,
    )
    loaded = await with_lines(session, [t for _, t in page.items])
    return Page(
        items=[(cursor, view) for (cursor, _), view in zip(page.items, loaded, strict=True)],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )


async def load_transfer(session: AsyncSession, transfer_id: int) -> Transfer:
    transfer = await session.scalar(
        select(Transfer).where(Transfer.id == transfer_id).execution_options(populate_existing=True)
    )
    if transfer is None:
        public = global_ids.encode("Transfer", transfer_id)
        raise NotFound(f"No transfer has id {public}.", argument="id")
    return transfer


async def transfer_stores(session: AsyncSession, transfer: Transfer) -> tuple[Store, Store]:
    """The source and the destination."""
    rows = await session.scalars(
        select(Store).where(Store.id.in_([transfer.from_store_id, transfer.to_store_id]))
    )
    by_id = {s.id: s for s in rows}
    return by_id[transfer.from_store_id], by_id[transfer.to_store_id]
