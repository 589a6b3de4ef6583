"""Recording a sale from the till: one data-modifying statement for the sale, one for the stock.

A sale is idempotent by (store, receipt number): the claim of the receipt in sale_receipt does
nothing on its primary key (sale itself is partitioned by month, alembic 0019, so it cannot
hold that key), no sale is written then, and a replay returns the first sale unchanged (a replay
with other content is a CONFLICT). A sale is never refused for lack of recorded stock: the goods
have left the shop, so the balance may go negative and is reported as a discrepancy.

Cost (the hot path of PERFORMANCE.md): one statement resolves the store, checks the caller's
scope and every SKU, and writes the sale and its lines only when all is well; then one each for
the ledger, the rollups and promotion redemption. A replay reads the first sale instead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import members
from api.domain.access import SCOPE_CHECK_SQL, Actor, Permission, require
from api.domain.analytics import rollups
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from api.domain.members.codes import DEFAULT_TTL_SECONDS
from api.domain.promotions import claims as promotion_claims
from api.domain.promotions import redemption as promotion_redemption
from api.domain.sales.documents import (
    NewSale,
    RecordedLine,
    RecordedSale,
    SaleLineInput,
    SaleOutcome,
    StockAfterSale,
)
from api.domain.stock.ledger import Change, apply_movements
from db.models import MovementKind
from db.pii import KeyRing

MAX_LINES = 200
MAX_BATCH = 500
MAX_QUANTITY = 100_000
# A till's prices and line totals stay far inside 32-bit cents (the schema's CHECK multiplies
# quantity by price in int4): past these a sale is a typo, refused, not an overflow (INTERNAL).
MAX_UNIT_PRICE_CENTS = 100_000_000  # ¥1,000,000
MAX_LINE_TOTAL_CENTS = 2**31 - 1
CLOCK_SKEW = timedelta(minutes=5)  # a till's clock may run a little ahead of the server's


_RECORD = text(
    f"""
    WITH s AS (
      SELECT s.id, s.region_id, {SCOPE_CHECK_SQL} AS allowed FROM store s WHERE s.code = :store_code
    ), lines AS (
      SELECT CAST(i.line_no AS int) AS line_no, i.sku, i.quantity, i.unit_price, i.discount,
             i.promotion_id, p.id AS product_id, p.region_id AS product_region
        FROM unnest(CAST(:skus AS text[]), CAST(:quantities AS int[]), CAST(:prices AS int[]),
                    CAST(:discounts AS int[]), CAST(:promotions AS bigint[]))
             WITH ORDINALITY AS i(sku, quantity, unit_price, discount, promotion_id, line_no)
        LEFT JOIN product p ON p.sku = i.sku
    ), verdict AS (
      SELECT s.id AS store_id, s.region_id, s.allowed,
             array_agg(l.sku ORDER BY l.line_no) FILTER (WHERE l.product_id IS NULL) AS unknown,
             array_agg(l.sku ORDER BY l.line_no)
               FILTER (WHERE l.product_region <> s.region_id) AS out_of_region,
             array_agg(l.product_id ORDER BY l.line_no) AS product_ids
        FROM s CROSS JOIN lines l
       GROUP BY s.id, s.region_id, s.allowed
    ), claim AS (
      INSERT INTO sale_receipt (store_id, receipt_no, sale_id, sold_at)
      SELECT v.store_id, :receipt_no, nextval('sale_id_seq'), :sold_at
        FROM verdict v
       WHERE v.allowed AND v.unknown IS NULL AND v.out_of_region IS NULL
      ON CONFLICT (store_id, receipt_no) DO NOTHING
      RETURNING store_id, sale_id
    ), sale AS (
      INSERT INTO sale (store_id, id, receipt_no, sold_at, staff_id, member_id, points_redeemed,
                        subtotal_cents, discount_cents, total_cents)
      SELECT c.store_id, c.sale_id, :receipt_no, :sold_at, :staff_id, :member_id, :points,
             :subtotal, :discount, :total
        FROM claim c
      RETURNING store_id, id
    ), saved AS (
      INSERT INTO sale_line (store_id, sale_id, sold_at, line_no, product_id, quantity,
                             unit_price_cents, discount_cents, line_total_cents,
                             returned_quantity, promotion_id)
      SELECT sale.store_id, sale.id, :sold_at, l.line_no, l.product_id, l.quantity,
             l.unit_price, l.discount, CAST(l.quantity AS bigint) * l.unit_price - l.discount,
             0, l.promotion_id
        FROM sale CROSS JOIN lines l
    )
    SELECT v.store_id, v.region_id, v.allowed, v.unknown, v.out_of_region, v.product_ids,
           sale.id AS sale_id
      FROM verdict v LEFT JOIN sale ON true
    """  # noqa: S608
)

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
    # A bad, expired or forged member code refuses the sale before anything is written.
    member_id = (
        await members.resolve_member_code(
            session,
            new.member_code,
            ring=ring,
            ttl_seconds=code_ttl_seconds,
            argument="memberCode",
        )
        if new.member_code is not None
        else None
    )
    claims = await promotion_claims.check_claims(
        session, actor, new, receipt_no=receipt_no, member_id=member_id
    )
    subtotal = sum(x.quantity * x.unit_price_cents for x in new.lines)
    discount = sum(x.discount_cents for x in new.lines)
    row = (
        await session.execute(
            _RECORD,
            {
                **actor.scope.sql_params(),
                "store_code": new.store_code,
                "skus": [x.sku for x in new.lines],
                "quantities": [x.quantity for x in new.lines],
                "prices": [x.unit_price_cents for x in new.lines],
                "discounts": [x.discount_cents for x in new.lines],
                "promotions": [x.promotion_id for x in new.lines],
                "receipt_no": receipt_no,
                "sold_at": new.sold_at,
                "staff_id": actor.staff_id,
                "member_id": member_id,
                "points": new.points_redeemed,
                "subtotal": subtotal,
                "discount": discount,
                "total": subtotal - discount,
            },
        )
    ).one_or_none()
    if row is None:
        raise NotFound(
            f"No store has code {new.store_code!r}.", argument="storeCode", storeCode=new.store_code
        )
    if not row.allowed:
        raise Forbidden(
            f"Store {new.store_code} is outside your scope.",
            reason=ErrorReason.OUTSIDE_SCOPE,
            storeCode=new.store_code,
        )
    problems = [f"lines: unknown SKU {sku}" for sku in row.unknown or []]
    problems += [
        f"lines: SKU {sku} is a regional SKU not sold in this store's region"
        for sku in row.out_of_region or []
    ]
    if problems:
        raise _invalid(problems)
    if row.sale_id is None:
        return await _replay(session, new, store_id=row.store_id, receipt_no=receipt_no)
    balances = await apply_movements(
        session,
        store_id=row.store_id,
        region_id=row.region_id,
        kind=MovementKind.SALE,
        changes=[
            Change(product_id, -x.quantity)
            for product_id, x in zip(row.product_ids, new.lines, strict=True)
        ],
        reference_type="sale",
        reference_id=str(row.sale_id),
        staff_id=actor.staff_id,
        sold_at=new.sold_at,
    )
    await promotion_claims.redeem_coupons(
        session, claims, member_id=member_id, store_id=row.store_id, sale_id=row.sale_id, now=now
    )
    bonus_spend = await promotion_redemption.track_sale(
        session,
        store_id=row.store_id,
        sold_at=new.sold_at,
        member_id=member_id,
        product_ids=row.product_ids,
        lines=new.lines,
    )
    if member_id is not None:
        await _credit_member(
            session,
            member_id=member_id,
            store_id=row.store_id,
            sale_id=row.sale_id,
            total_cents=subtotal - discount,
            points_redeemed=new.points_redeemed,
            promotion_types=claims.promotion_types if claims else None,
            bonus_spend_cents=bonus_spend,
            sold_at=new.sold_at,
        )
    sku_of = dict(zip(row.product_ids, (x.sku for x in new.lines), strict=True))
    sale = RecordedSale(
        id=row.sale_id,
        store_id=row.store_id,
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
        stock=[StockAfterSale(sku=sku_of[b.product_id], on_hand=b.on_hand) for b in balances],
        member_id=member_id,
    )
    await rollups.record_sale(session, sale, staff_id=actor.staff_id)
    return sale


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
