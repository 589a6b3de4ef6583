"""Recording a sale from the till: one data-modifying statement (record_statement.py).

A sale is idempotent by (store, receipt number): the claim of the receipt in sale_receipt does
nothing on its primary key (sale itself is partitioned by month, alembic 0019, so it cannot
hold that key), no sale is written then, and a replay returns the first sale unchanged (a replay
with other content is a CONFLICT). A sale is never refused for lack of recorded stock: the goods
have left the shop, so the balance may go negative and is reported as a discrepancy.

Cost (the hot path of PERFORMANCE.md, issue 18): one statement checks the store, the caller's
scope, every SKU and the member code, and writes the sale, its lines, the stock, the promotion
counts, the rollups and the member's points, or nothing when anything is wrong. More statements
only where the rules need them: a receipt claiming promotions or coupons is priced first (and
its coupons redeemed after), points redeemed are taken by members.redeem_points (CONFLICT when
short), an alert's event, and the rare races record_statement.py describes. A replay reads the
first sale instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import members
from api.domain.access import Actor, Permission, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from api.domain.members.codes import DEFAULT_TTL_SECONDS, ParsedCode, parse_code
from api.domain.members.profile import unknown_member_code
from api.domain.promotions import claims as promotion_claims
from api.domain.sales import record_statement
from api.domain.sales.documents import (
    NewSale,
    RecordedLine,
    RecordedSale,
    SaleLineInput,
    SaleOutcome,
    StockAfterSale,
)
from db.pii import KeyRing

MAX_LINES = 200
MAX_BATCH = 500
MAX_QUANTITY = 100_000
# A till's prices and line totals stay far inside 32-bit cents (the schema's CHECK multiplies
# quantity by price in int4): past these a sale is a typo, refused, not an overflow (INTERNAL).
MAX_UNIT_PRICE_CENTS = 100_000_000  # ¥1,000,000
MAX_LINE_TOTAL_CENTS = 2**31 - 1
CLOCK_SKEW = timedelta(minutes=5)  # a till's clock may run a little ahead of the server's


_EXISTING = text(
    """
    SELECT s.id, s.store_id, s.receipt_no, s.sold_at, s.points_redeemed, s.subtotal_cents,
           s.discount_cents, s.total_cents, s.member_id,
           json_agg(json_build_array(l.line_no, p.sku, l.quantity, l.unit_price_cents,
                                     l.discount_cents, l.line_total_cents, l.returned_quantity,
                                     l.promotion_id)
                    ORDER BY l.line_no) AS lines
      FROM sale_receipt r
      JOIN sale s ON s.store_id = r.store_id AND s.id = r.sale_id AND s.sold_at = r.sold_at
      JOIN sale_line l ON l.store_id = s.store_id AND l.sale_id = s.id AND l.sold_at = s.sold_at
      JOIN product p ON p.id = l.product_id
     WHERE r.store_id = :store_id AND r.receipt_no = :receipt_no
     GROUP BY s.store_id, s.id, s.sold_at
    """
)


def _problems(new: NewSale, now: datetime) -> list[str]:
    problems: list[str] = []
    if not 1 <= len(new.receipt_no.strip()) <= 64:
        problems.append("receiptNo: 1-64 characters")
    if new.sold_at.tzinfo is None:
        problems.append("soldAt: give a time zone offset")
    elif new.sold_at > now + CLOCK_SKEW:
        problems.append("soldAt: in the future (check the till's clock)")
    if new.points_redeemed < 0:
        problems.append("pointsRedeemed: must not be negative")
    elif new.points_redeemed > 0 and new.member_code is None:
        problems.append("pointsRedeemed: points can only be redeemed with a memberCode")
    if not 1 <= len(new.lines) <= MAX_LINES:
        problems.append(f"lines: 1-{MAX_LINES} lines")
    for i, line in enumerate(new.lines):
        if not 0 < line.quantity <= MAX_QUANTITY:
            problems.append(f"lines[{i}].quantity: 1-{MAX_QUANTITY}")
        if line.unit_price_cents < 0:
            problems.append(f"lines[{i}].unitPriceCents: must not be negative")
        elif line.unit_price_cents > MAX_UNIT_PRICE_CENTS:
            problems.append(f"lines[{i}].unitPriceCents: at most {MAX_UNIT_PRICE_CENTS}")
        elif line.quantity * line.unit_price_cents > MAX_LINE_TOTAL_CENTS:
            problems.append(f"lines[{i}]: quantity x unitPriceCents over {MAX_LINE_TOTAL_CENTS}")
        if line.discount_cents < 0:
            problems.append(f"lines[{i}].discountCents: must not be negative")
        elif line.discount_cents > line.quantity * max(line.unit_price_cents, 0):
            problems.append(f"lines[{i}].discountCents: more than quantity x unitPriceCents")
    return problems


def _invalid(problems: list[str]) -> InvalidInput:
    return InvalidInput.listing(problems)


def _same_content(new: NewSale, existing: RecordedSale) -> bool:
    def key(x: SaleLineInput | RecordedLine) -> tuple[object, ...]:
        return (x.sku, x.quantity, x.unit_price_cents, x.discount_cents, x.promotion_id)

    sent, kept = [key(x) for x in new.lines], [key(x) for x in existing.lines]
    return (
        sent == kept
        and new.sold_at == existing.sold_at
        and new.points_redeemed == existing.points_redeemed
    )


def _recorded(row: Any, *, replayed: bool) -> RecordedSale:
    return RecordedSale(
        id=row.id,
        store_id=row.store_id,
        receipt_no=row.receipt_no,
        sold_at=row.sold_at,
        points_redeemed=row.points_redeemed,
        subtotal_cents=row.subtotal_cents,
        discount_cents=row.discount_cents,
        total_cents=row.total_cents,
        lines=[RecordedLine(*line) for line in row.lines],
        member_id=row.member_id,
        replayed=replayed,
    )


async def load_sale(session: AsyncSession, store_id: int, receipt_no: str) -> RecordedSale | None:
    row = (
        await session.execute(_EXISTING, {"store_id": store_id, "receipt_no": receipt_no})
    ).one_or_none()
    return None if row is None else _recorded(row, replayed=True)


async def record_sale(
    session: AsyncSession,
    actor: Actor | None,
    new: NewSale,
    *,
    now: datetime,
    ring: KeyRing | None = None,
    code_ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> RecordedSale:
    """Record a till receipt at a store in the caller's scope, in the caller's transaction."""
    actor = require(actor, Permission.RECORD_SALES)
    problems = _problems(new, now)
    if problems:
        raise _invalid(problems)
    receipt_no = new.receipt_no.strip()
    claiming = bool(new.coupon_ids) or any(x.promotion_id is not None for x in new.lines)
    member_id: int | None = None
    code: ParsedCode | None = None
    if new.member_code is not None and claiming:
        # Claims are priced for the member: resolve the code first (NOT_FOUND refuses it).
        member_id = await members.resolve_member_code(
            session, new.member_code, ring=ring, ttl_seconds=code_ttl_seconds,
            argument="memberCode",
        )  # fmt: skip
    elif new.member_code is not None:
        # A bad, expired or forged code refuses the sale before anything is written; an
        # unknown member is the statement's to find (it writes nothing then).
        code = parse_code(ring, new.member_code, ttl_seconds=code_ttl_seconds)
    claims = await promotion_claims.check_claims(
        session, actor, new, receipt_no=receipt_no, member_id=member_id
    )
    written = await record_statement.record(
        session, actor, new, receipt_no=receipt_no, member_id=member_id, code=code, claims=claims
    )
    if new.member_code is not None and written.member_id is None:
        raise unknown_member_code("memberCode")
    if written.store_id is None:
        raise NotFound(
            f"No store has code {new.store_code!r}.", argument="storeCode", storeCode=new.store_code
        )
    if not written.allowed:
        raise Forbidden(
            f"Store {new.store_code} is outside your scope.",
            reason=ErrorReason.OUTSIDE_SCOPE,
            storeCode=new.store_code,
        )
    problems = [f"lines: unknown SKU {sku}" for sku in written.unknown]
    problems += [
        f"lines: SKU {sku} is a regional SKU not sold in this store's region"
        for sku in written.out_of_region
    ]
    if problems:
        raise _invalid(problems)
    if written.sale_id is None:
        return await _replay(session, new, store_id=written.store_id, receipt_no=receipt_no)
    await record_statement.follow_up(session, written, new, actor=actor)
    member_id = written.member_id
    await promotion_claims.redeem_coupons(
        session, claims, member_id=member_id, store_id=written.store_id, sale_id=written.sale_id,
        now=now,
    )  # fmt: skip
    if member_id is not None and not written.credited:
        subtotal = sum(x.quantity * x.unit_price_cents for x in new.lines)
        discount = sum(x.discount_cents for x in new.lines)
        await _credit_member(
            session,
            member_id=member_id,
            store_id=written.store_id,
            sale_id=written.sale_id,
            total_cents=subtotal - discount,
            points_redeemed=new.points_redeemed,
            promotion_types=claims.promotion_types if claims else None,
            bonus_spend_cents=written.bonus_spend,
            sold_at=new.sold_at,
        )
    return fresh_sale(written, new, receipt_no=receipt_no)


@dataclass(frozen=True)
class PlainSale:
    """A receipt record_sale records with RECORD alone: nothing to price, no points redeemed."""

    receipt_no: str
    code: ParsedCode | None


def plain_sale(
    actor: Actor,
    new: NewSale,
    *,
    now: datetime,
    ring: KeyRing | None = None,
    code_ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> PlainSale | None:
    """What record_sale would bind RECORD with when RECORD is all it runs before answering
    (api/compiled/sale.py); None when it would refuse the receipt first, price claims, redeem
    points or resolve the member code in a statement of its own."""
    if Permission.RECORD_SALES not in actor.permissions or _problems(new, now):
        return None
    if new.coupon_ids or new.points_redeemed or any(x.promotion_id is not None for x in new.lines):
        return None
    code: ParsedCode | None = None
    if new.member_code is not None:
        try:
            code = parse_code(ring, new.member_code, ttl_seconds=code_ttl_seconds)
        except DomainError:
            return None
    return PlainSale(receipt_no=new.receipt_no.strip(), code=code)


def completes(written: record_statement.Written) -> bool:
    """Whether record_sale, after this RECORD of a PlainSale, answers a new sale with no
    statement more: written (not a refusal or replay), no event to emit, no closing to
    correct, the member's points credited by the statement."""
    return (
        written.sale_id is not None
        and not record_statement.needs_follow_up(written)
        and (written.member_id is None or written.credited)
    )


def fresh_sale(written: record_statement.Written, new: NewSale, *, receipt_no: str) -> RecordedSale:
    """The new sale record_sale answers once RECORD wrote it."""
    assert written.sale_id is not None and written.store_id is not None
    subtotal = sum(x.quantity * x.unit_price_cents for x in new.lines)
    discount = sum(x.discount_cents for x in new.lines)
    sku_of = dict(zip(written.product_ids, (x.sku for x in new.lines), strict=True))
    return RecordedSale(
        id=written.sale_id,
        store_id=written.store_id,
        receipt_no=receipt_no,
        sold_at=new.sold_at.astimezone(UTC),  # as a replay reads it back
        points_redeemed=new.points_redeemed,
        subtotal_cents=subtotal,
        discount_cents=discount,
        total_cents=subtotal - discount,
        lines=[
            RecordedLine(
                line_no=i,
                sku=x.sku,
                quantity=x.quantity,
                unit_price_cents=x.unit_price_cents,
                discount_cents=x.discount_cents,
                line_total_cents=x.quantity * x.unit_price_cents - x.discount_cents,
                promotion_id=x.promotion_id,
            )
            for i, x in enumerate(new.lines, start=1)
        ],
        stock=[StockAfterSale(sku=sku_of[p], on_hand=n) for p, n in written.stock],
        member_id=written.member_id,
    )


async def _credit_member(
    session: AsyncSession,
    *,
    member_id: int,
    store_id: int,
    sale_id: int,
    total_cents: int,
    points_redeemed: int,
    promotion_types: dict[int, str] | None = None,
    bonus_spend_cents: int = 0,
    sold_at: datetime | None = None,
) -> None:
    """Redeem points as money off (atomically: CONFLICT when the balance is short), then earn
    points on what was actually paid and update the member's preferences."""
    points_value = 0
    if points_redeemed > 0:
        await members.redeem_points(
            session,
            member_id=member_id,
            points=points_redeemed,
            store_id=store_id,
            sale_id=sale_id,
            max_discount_cents=total_cents,
        )
        points_value = points_redeemed * members.CENTS_PER_POINT_REDEEMED
    await members.record_member_sale(
        session,
        member_id=member_id,
        store_id=store_id,
        sale_id=sale_id,
        paid_cents=total_cents - points_value,
        promotion_types=promotion_types,
        bonus_spend_cents=bonus_spend_cents,
        sold_at=sold_at,
    )


async def _replay(
    session: AsyncSession, new: NewSale, *, store_id: int, receipt_no: str
) -> RecordedSale:
    # The first recording committed (the INSERT waited for it), so this statement sees it.
    existing = await load_sale(session, store_id, receipt_no)
    if existing is None:  # its receipt is kept, its month was archived (api/ops/partitions.py)
        raise Conflict(
            f"Receipt {receipt_no} was recorded at {new.store_code} in an archived month.",
            reason=ErrorReason.RECEIPT_ALREADY_RECORDED,
            receiptNo=receipt_no,
        )
    if not _same_content(new, existing):
        raise Conflict(
            f"Receipt {receipt_no} was already recorded at {new.store_code} with other content.",
            reason=ErrorReason.RECEIPT_ALREADY_RECORDED,
            receiptNo=receipt_no,
        )
    return existing


async def record_sales(
    session: AsyncSession,
    actor: Actor | None,
    sales: list[NewSale],
    *,
    now: datetime,
    ring: KeyRing | None = None,
    code_ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> list[SaleOutcome]:
    """Record up to MAX_BATCH receipts; each succeeds or fails alone (one savepoint each)."""
    actor = require(actor, Permission.RECORD_SALES)
    if not 1 <= len(sales) <= MAX_BATCH:
        raise InvalidInput(f"inputs: 1-{MAX_BATCH} receipts per batch", argument="inputs")
    outcomes: list[SaleOutcome] = []
    for new in sales:
        try:
            async with session.begin_nested():
                sale = await record_sale(
                    session, actor, new, now=now, ring=ring, code_ttl_seconds=code_ttl_seconds
                )
            outcomes.append(SaleOutcome(receipt_no=new.receipt_no, sale=sale, error=None))
        except DomainError as exc:
            outcomes.append(SaleOutcome(receipt_no=new.receipt_no, sale=None, error=exc))
    return outcomes
