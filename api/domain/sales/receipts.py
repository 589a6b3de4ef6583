"""A receipt read back for a return: what it sold and what is still returnable.

The clerk taking goods back scans or types the receipt; any store's receipt may be returned
at a store in the caller's scope (like `record_return`), so the rule is RECORD_SALES at the
returning store, not reading the other store's sales reports. Only the lines are shown (SKU,
name, units, what is left to return, the line's total): no member, no staff, no payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.errors import NotFound


@dataclass(frozen=True)
class ReceiptLine:
    line_no: int
    sku: str
    name: str
    quantity: int
    returnable: int  # bought minus already returned
    line_total_cents: int


@dataclass(frozen=True)
class ReturnableReceipt:
    store_code: str  # where it was bought
    receipt_no: str
    sold_at: datetime
    returnable_until: datetime
    lines: list[ReceiptLine]


_RECEIPT = text(
    """
    SELECT s.sold_at, l.line_no, p.sku, p.name, l.quantity,
           l.quantity - l.returned_quantity AS returnable, l.line_total_cents
      FROM store st
      JOIN sale s ON s.store_id = st.id
      JOIN sale_line l ON l.store_id = s.store_id AND l.sale_id = s.id
      JOIN product p ON p.id = l.product_id
     WHERE st.code = :store_code AND s.receipt_no = :receipt_no
     ORDER BY l.line_no
    """
)


async def receipt_for_return(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str,
    original_store_code: str | None,
    receipt_no: str,
    window_days: int,
) -> ReturnableReceipt:
    """The receipt `receipt_no` of `original_store_code` (default: the returning store)."""
    actor = require(actor, Permission.RECORD_SALES)
    await authorize_store(session, actor, store_code, Permission.RECORD_SALES)
    bought_at = (original_store_code or store_code).strip()
    number = receipt_no.strip()
    rows = (await session.execute(_RECEIPT, {"store_code": bought_at, "receipt_no": number})).all()
    if not rows:
        raise NotFound(f"No receipt {number!r} at store {bought_at!r}.", argument="receiptNo")
    sold_at = rows[0].sold_at
    return ReturnableReceipt(
        store_code=bought_at,
        receipt_no=number,
        sold_at=sold_at,
        returnable_until=sold_at + timedelta(days=window_days),
        lines=[
            ReceiptLine(r.line_no, r.sku, r.name, r.quantity, r.returnable, r.line_total_cents)
            for r in rows
        ],
    )
