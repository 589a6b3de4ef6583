"""Recorded sales and returns read back by id, for whoever may read the store's sales.

The rule is the sales reports' (VIEW_SALES at a store in scope); an id of a store outside the
scope is absent, as if there were none, so ids reveal nothing. Both tables carry `store_id`
in their primary key, and the scope filter keeps a store caller's look-up on that key.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, require
from api.domain.sales.documents import RecordedSale
from api.domain.sales.record import load_sale
from api.domain.sales.returns import RecordedReturn, RecordedReturnLine
from db.models import Product, ReturnLine, Sale, SaleReceipt, SaleReturn


async def sales_by_id(
    session: AsyncSession, actor: Actor | None, sale_ids: Sequence[int]
) -> dict[int, RecordedSale]:
    actor = require(actor, Permission.VIEW_SALES)
    found: dict[int, RecordedSale] = {}
    for row in await session.execute(
        select(Sale.id, Sale.store_id, Sale.receipt_no).where(
            Sale.id.in_(list(sale_ids)), actor.scope.where(Sale.store_id)
        )
    ):
        sale = await load_sale(session, row.store_id, row.receipt_no)
        if sale is not None:
            found[row.id] = sale
    return found


async def returns_by_id(
    session: AsyncSession, actor: Actor | None, return_ids: Sequence[int]
) -> dict[int, RecordedReturn]:
    actor = require(actor, Permission.VIEW_SALES)
    heads = (
        await session.execute(
            # sale_receipt names the sale in one unpartitioned probe (its FK target).
            select(SaleReturn, SaleReceipt.receipt_no)
            .join(
                SaleReceipt,
                (SaleReceipt.store_id == SaleReturn.original_store_id)
                & (SaleReceipt.sale_id == SaleReturn.original_sale_id),
            )
            .where(SaleReturn.id.in_(list(return_ids)), actor.scope.where(SaleReturn.store_id))
        )
    ).all()
    lines: dict[int, list[RecordedReturnLine]] = {r.id: [] for r, _ in heads}
    if heads:
        for line, sku in await session.execute(
            select(ReturnLine, Product.sku)
            .join(Product, Product.id == ReturnLine.product_id)
            .where(
                ReturnLine.return_id.in_(list(lines)),
                ReturnLine.store_id.in_({r.store_id for r, _ in heads}),
            )
            .order_by(ReturnLine.return_id, ReturnLine.line_no)
        ):
            lines[line.return_id].append(
                RecordedReturnLine(
                    line_no=line.line_no,
                    sku=sku,
                    quantity=line.quantity,
                    refund_cents=line.refund_cents,
                    resaleable=line.resaleable,
                )
            )
    return {
        r.id: RecordedReturn(
            id=r.id,
            store_id=r.store_id,
            original_store_id=r.original_store_id,
            original_sale_id=r.original_sale_id,
            receipt_no=receipt_no,
            refund_cents=r.refund_cents,
            points_reversed=r.points_reversed,
            lines=lines[r.id],
        )
        for r, receipt_no in heads
    }
