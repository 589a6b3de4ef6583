"""A member's recent purchases at any store, newest first, for the member card."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.members.paging import newest_first_page
from api.domain.pagination import Page
from db.models import Product, Sale, SaleLine

MAX_LINES_SHOWN = 20


@dataclass(frozen=True)
class PurchaseLine:
    sku: str
    name: str
    quantity: int
    line_total_cents: int


@dataclass(frozen=True)
class Purchase:
    store_id: int
    sale_id: int
    receipt_no: str
    sold_at: datetime
    total_cents: int
    points_redeemed: int
    lines: list[PurchaseLine]


def _parse_key(key: list[Any]) -> list[Any]:
    return [datetime.fromisoformat(str(key[0])), int(key[1]), int(key[2])]


async def recent_purchases(
    session: AsyncSession, member_id: int, *, first: int | None, after: str | None
) -> Page[Purchase]:
    page = await newest_first_page(
        session,
        select(
            Sale.store_id,
            Sale.id,
            Sale.receipt_no,
            Sale.sold_at,
            Sale.total_cents,
            Sale.points_redeemed,
        ).where(Sale.member_id == member_id),
        kind="memberPurchase",
        key_columns=[Sale.sold_at, Sale.store_id, Sale.id],
        key_of=lambda s: [s.sold_at.isoformat(), s.store_id, s.id],
        first=first,
        after=after,
        scalars=False,
        parse_key=_parse_key,
    )
    keys = [(row.store_id, row.id, row.sold_at) for _, row in page.items]
    lines: dict[tuple[int, int], list[PurchaseLine]] = defaultdict(list)  # by (store, sale)
    if keys:
        for line in await session.execute(
            select(
                SaleLine.store_id,
                SaleLine.sale_id,
                Product.sku,
                Product.name,
                SaleLine.quantity,
                SaleLine.line_total_cents,
            )
            .join(Product, Product.id == SaleLine.product_id)
            .where(tuple_(SaleLine.store_id, SaleLine.sale_id, SaleLine.sold_at).in_(keys))
            .order_by(SaleLine.store_id, SaleLine.sale_id, SaleLine.line_no)
        ):
            shown = lines[(line.store_id, line.sale_id)]
            if len(shown) < MAX_LINES_SHOWN:
                shown.append(
                    PurchaseLine(line.sku, line.name, line.quantity, line.line_total_cents)
                )
    return Page(
        items=[
            (
                cursor,
                Purchase(
                    store_id=row.store_id,
                    sale_id=row.id,
                    receipt_no=row.receipt_no,
                    sold_at=row.sold_at,
                    total_cents=row.total_cents,
                    points_redeemed=row.points_redeemed,
                    lines=lines[(row.store_id, row.id)],
                ),
            )
            for cursor, row in page.items
        ],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )
