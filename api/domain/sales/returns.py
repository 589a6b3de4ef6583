"""Returns at any store, against a receipt from any store, within the return window.

Quantities are capped by what was bought minus what was already returned, enforced by a guarded
UPDATE of sale_line.returned_quantity (and the table's CHECK), so concurrent returns of one
receipt cannot over-return. The refund is the price actually paid, pro rata in integer cents:
returning units r+1..r+q of a line refunds floor(total*(r+q)/n) - floor(total*r/n), so partial
returns never add up to more (or less) than the line's total.

Stock: every returned unit comes back into the returning store's stock as a RETURN movement;
damaged (not resaleable) units then leave it again as a WRITE_OFF, so the ledger shows both.
Points earned on the sale are taken back in proportion to the refund; the coupons a member's
receipt redeemed come back once all of it is returned (api/domain/promotions/claims.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import members
from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.analytics import rollups
from api.domain.error_reasons import ErrorReason
from api.domain.errors import InvalidInput, NotFound
from api.domain.promotions import claims as promotion_claims
from api.domain.stock.ledger import Change, apply_movements
from db.models import MovementKind

MAX_RETURN_LINES = 200


@dataclass(frozen=True)
class ReturnLineInput:
    sku: str
    quantity: int
    resaleable: bool = True


@dataclass(frozen=True)
class NewReturn:
    store_code: str  # where the goods are brought back
    original_store_code: str  # where they were bought
    receipt_no: str
    lines: list[ReturnLineInput]


@dataclass(frozen=True)
class RecordedReturnLine:
    line_no: int
    sku: str
    quantity: int
    refund_cents: int
    resaleable: bool


@dataclass(frozen=True)
class RecordedReturn:
    id: int
    store_id: int
    original_store_id: int
    original_sale_id: int
    receipt_no: str
    refund_cents: int
    points_reversed: int
    lines: list[RecordedReturnLine]


@dataclass
class _SoldLine:
    line_no: int
    product_id: int
    sku: str
    remaining: int


_SALE = text(
    """
    SELECT s.store_id, s.id, s.sold_at, s.member_id, l.line_no, l.product_id, p.sku,
           l.quantity - l.returned_quantity AS remaining
      FROM store st
      JOIN sale s ON s.store_id = st.id
      JOIN sale_line l ON l.store_id = s.store_id AND l.sale_id = s.id AND l.sold_at = s.sold_at
      JOIN product p ON p.id = l.product_id
     WHERE st.code = :store_code AND s.receipt_no = :receipt_no
     ORDER BY l.line_no
    """
)

# Guarded: a line is taken only if it still has the units; fewer rows back means a concurrent
# return got there first and this one must fail whole.
_TAKE = text(
    """
    UPDATE sale_line l SET returned_quantity = l.returned_quantity + r.quantity
      FROM unnest(CAST(:line_nos AS int[]), CAST(:quantities AS int[])) AS r(line_no, quantity)
     WHERE l.store_id = :store_id AND l.sale_id = :sale_id AND l.sold_at = :sold_at
       AND l.line_no = r.line_no
       AND l.returned_quantity + r.quantity <= l.quantity
    RETURNING l.line_no, l.quantity, l.line_total_cents, l.returned_quantity
    """
)

_INSERT_RETURN = text(
    """
    WITH r AS (
      INSERT INTO sale_return (store_id, original_store_id, original_sale_id, staff_id,
                               refund_cents, points_reversed)
      VALUES (:store_id, :original_store_id, :original_sale_id, :staff_id, :refund, 0)
      RETURNING store_id, id
    ), lines AS (
      INSERT INTO return_line (store_id, return_id, line_no, sale_line_no, product_id, quantity,
                               refund_cents, resaleable)
      SELECT r.store_id, r.id, CAST(x.line_no AS int), x.sale_line_no, x.product_id, x.quantity,
             x.refund, x.resaleable
        FROM r CROSS JOIN unnest(CAST(:sale_line_nos AS int[]), CAST(:product_ids AS bigint[]),
                                 CAST(:quantities AS int[]), CAST(:refunds AS bigint[]),
                                 CAST(:resaleable AS boolean[]))
             WITH ORDINALITY AS x(sale_line_no, product_id, quantity, refund, resaleable, line_no)
    )
    SELECT id FROM r
    """
)


def _check(new: NewReturn) -> None:
    problems = []
    if not 1 <= len(new.lines) <= MAX_RETURN_LINES:
        problems.append(f"lines: 1-{MAX_RETURN_LINES} lines")
    for i, line in enumerate(new.lines):
        if line.quantity <= 0:
            problems.append(f"lines[{i}].quantity: must be positive")
    if problems:
        raise InvalidInput.listing(problems)


def _allocate(
    new: NewReturn, sold: list[_SoldLine]
) -> list[tuple[int, ReturnLineInput, _SoldLine, int]]:
    """(input index, input line, sale line, units) in receipt order; every shortfall named."""
    by_sku: dict[str, list[_SoldLine]] = defaultdict(list)
    for sold_line in sold:
        by_sku[sold_line.sku].append(sold_line)
    taken: list[tuple[int, ReturnLineInput, _SoldLine, int]] = []
    problems = []
    for i, line in enumerate(new.lines):
        candidates = by_sku.get(line.sku)
        if not candidates:
            problems.append(f"lines[{i}].sku: {line.sku} is not on receipt {new.receipt_no}")
            continue
        wanted = line.quantity
        for candidate in candidates:
            units = min(wanted, candidate.remaining)
            if units > 0:
                taken.append((i, line, candidate, units))
                candidate.remaining -= units
                wanted -= units
        if wanted > 0:
            left = line.quantity - wanted
            problems.append(
                f"lines[{i}].quantity: only {left} of {line.sku} left to return on this receipt"
            )
    if problems:
        raise InvalidInput.listing(problems)
    return taken


def _refund(line_total: int, quantity: int, returned_after: int, units: int) -> int:
    before = returned_after - units
    return line_total * returned_after // quantity - line_total * before // quantity


async def record_return(
    session: AsyncSession,
    actor: Actor | None,
    new: NewReturn,
    *,
    now: datetime,
    window_days: int,
) -> RecordedReturn:
    """Take goods back at a store in the caller's scope; the receipt may be any store's."""
    actor = require(actor, Permission.RECORD_SALES)
    _check(new)
    store = await authorize_store(session, actor, new.store_code, Permission.RECORD_SALES)
    rows = (
        await session.execute(
            _SALE, {"store_code": new.original_store_code, "receipt_no": new.receipt_no.strip()}
        )
    ).all()
    if not rows:
        known_store = await session.scalar(
            text("SELECT count(*) FROM store WHERE code = :code"),
            {"code": new.original_store_code},
        )
        if not known_store:
            raise NotFound(
                f"No store has code {new.original_store_code!r}.",
                argument="originalStoreCode",
            )
        raise NotFound(
            f"No receipt {new.receipt_no!r} at store {new.original_store_code!r}.",
            argument="receiptNo",
        )
    original_store_id, sale_id, sold_at = rows[0].store_id, rows[0].id, rows[0].sold_at
    if sold_at < now - timedelta(days=window_days):
        raise InvalidInput(
            f"Receipt {new.receipt_no} is past the {window_days}-day return window.",
            reason=ErrorReason.INPUT_PROBLEMS,
            problems=[f"receiptNo: sold {sold_at.isoformat()}, past the return window"],
        )
    sold = [_SoldLine(r.line_no, r.product_id, r.sku, r.remaining) for r in rows]
    taken = _allocate(new, sold)
    per_line: dict[int, int] = defaultdict(int)
    for _, _, sale_line, units in taken:
        per_line[sale_line.line_no] += units
    updated = (
        await session.execute(
            _TAKE,
            {
                "store_id": original_store_id,
                "sale_id": sale_id,
                "sold_at": sold_at,  # the line's partition
                "line_nos": list(per_line),
                "quantities": list(per_line.values()),
            },
        )
    ).all()
    if len(updated) != len(per_line):
        raise InvalidInput(
            "Another return of this receipt was recorded meanwhile; check what is left.",
            reason=ErrorReason.INPUT_PROBLEMS,
            problems=["lines: more than what is left to return"],
        )
    after = {u.line_no: u for u in updated}
    # Refund each allocation in order, walking the line's returned count up to its new value.
    walked = {line_no: after[line_no].returned_quantity - n for line_no, n in per_line.items()}
    refunds = []
    for _, _, sale_line, units in taken:
        u = after[sale_line.line_no]
        walked[sale_line.line_no] += units
        refunds.append(_refund(u.line_total_cents, u.quantity, walked[sale_line.line_no], units))
    return_id = (
        await session.execute(
            _INSERT_RETURN,
            {
                "store_id": store.id,
                "original_store_id": original_store_id,
                "original_sale_id": sale_id,
                "staff_id": actor.staff_id,
                "refund": sum(refunds),
                "sale_line_nos": [t[2].line_no for t in taken],
                "product_ids": [t[2].product_id for t in taken],
                "quantities": [t[3] for t in taken],
                "refunds": refunds,
                "resaleable": [t[1].resaleable for t in taken],
            },
        )
    ).scalar_one()
    await apply_movements(
        session,
        store_id=store.id,
        region_id=store.region_id,
        kind=MovementKind.RETURN,
        changes=[Change(t[2].product_id, t[3]) for t in taken],
        reference_type="return",
        reference_id=str(return_id),
        staff_id=actor.staff_id,
    )
    points_reversed = 0
    member_id = rows[0].member_id
    if member_id is not None:
        change = await members.reverse_points_for_return(
            session,
            member_id=member_id,
            sale_store_id=original_store_id,
            sale_id=sale_id,
            return_store_id=store.id,
            return_id=return_id,
            refund_cents=sum(refunds),
        )
        points_reversed = -change.points
        await session.execute(
            text("UPDATE sale_return SET points_reversed = :p WHERE store_id = :s AND id = :r"),
            {"p": points_reversed, "s": store.id, "r": return_id},
        )
        await promotion_claims.give_back_coupons(
            session, store_id=original_store_id, sale_id=sale_id
        )
    await rollups.record_return(
        session,
        store_id=store.id,
        returned=[
            rollups.ReturnedUnits(t[2].product_id, t[3], refund)
            for t, refund in zip(taken, refunds, strict=True)
        ],
    )
    damaged = [Change(t[2].product_id, -t[3]) for t in taken if not t[1].resaleable]
    if damaged:
        await apply_movements(
            session,
            store_id=store.id,
            region_id=store.region_id,
            kind=MovementKind.WRITE_OFF,
            changes=damaged,
            reason="returned damaged",
            reference_type="return",
            reference_id=str(return_id),
            staff_id=actor.staff_id,
        )
    return RecordedReturn(
        id=return_id,
        store_id=store.id,
        original_store_id=original_store_id,
        original_sale_id=sale_id,
        receipt_no=new.receipt_no.strip(),
        refund_cents=sum(refunds),
        points_reversed=points_reversed,
        lines=[
            RecordedReturnLine(
                line_no=n,
                sku=t[1].sku,
                quantity=t[3],
                refund_cents=refund,
                resaleable=t[1].resaleable,
            )
            for n, (t, refund) in enumerate(zip(taken, refunds, strict=True), start=1)
        ],
    )
