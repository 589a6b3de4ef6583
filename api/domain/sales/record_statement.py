"""recordSale's one data-modifying statement: everything a new receipt writes, in one round trip.

Why one statement (issue 18, PERFORMANCE.md's recipe): every statement costs the API a round
trip and its Python around it; a sale used to take five (sale, ledger, promotion counts,
rollups, then the member's points in ten more). Here the receipt's claim gates every other
part: when the store, the scope, a SKU or the member code is wrong, or the receipt was already
recorded, the claim inserts nothing and no part below it writes a row (each reads `sale`).

The parts, in the order their rows are locked (the same for every sale, so two tills never wait
on each other in a cycle): the receipt and the sale; the stock balances in product order (read
through `balance`, sorted, so every balance is updated before any part below reads one); the
movements and the LOW_STOCK alerts a crossing opens or clears (stock/ledger.py's rules); the
promotion counts (promotions/redemption.py's `_TRACK`); the analytics rollups
(analytics/rollups.py's `_SALE`); the member's points, ledger and preferences
(members/points.py, members/preferences.py).

Snapshots. One statement reads one snapshot, taken before it waits for any row lock, where the
old sequence of statements read after each wait. Only three reads depend on rows a concurrent
sale may have changed meanwhile, and each is guarded:
- balances: INSERT ... ON CONFLICT DO UPDATE always updates the newest row version;
- a SKU's month closing stock before this sale (the clerk's `closing_stock_change`): read
  FOR NO KEY UPDATE after the SKU's balance lock, so the newest version; a month row another
  sale inserted after the snapshot cannot be seen at all, so it is returned as `stale_closing`
  and record.py corrects the clerk's month (`CORRECT_CLOSING`, a rare second statement);
- the member's points (expiry and the 12-month spend read the ledger): the member UPDATE only
  applies when the member row is the version the snapshot read (`xmin`); otherwise nothing of
  the member part is written and record.py credits the points the old way.

The events of alerts (LOW_STOCK, PROMOTION_UNDER_REDEEMED) are emitted by record.py from what
the statement returns: only a crossing costs a statement more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events
from api.domain.access import SCOPE_CHECK_SQL, Actor
from api.domain.analytics.rollups import SALE_CTES
from api.domain.members.codes import ParsedCode
from api.domain.members.sale_points import POINTS_CTES
from api.domain.promotions.claims import CheckedClaims
from api.domain.promotions.redemption import MIN_EXPECTED, TRACK_CTES, Z_CRITICAL
from api.domain.sales.documents import NewSale
from api.domain.stock.ledger import BALANCE_CTES, CROSSING_CTES
from db.models import MovementKind

RECORD = text(
    f"""
    WITH s AS (
      SELECT s.id, s.region_id, {SCOPE_CHECK_SQL} AS allowed FROM store s WHERE s.code = :store_code
    ), who AS (
      -- The member a scanned code names (card number or a QR code's id), NULL without one.
      SELECT (SELECT m.id FROM member m
               WHERE m.card_number = CAST(:member_card AS text)
                  OR m.id = CAST(:member_ref AS bigint)) AS member_id
    ), lines AS (
      SELECT CAST(i.line_no AS int) AS line_no, i.sku, i.quantity, i.unit_price, i.discount,
             i.promotion_id, p.id AS product_id, p.region_id AS product_region, p.category,
             p.default_safety_stock
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
      -- The receipt first: a replay (or any refusal) inserts nothing, so nothing below writes.
      INSERT INTO sale_receipt (store_id, receipt_no, sale_id, sold_at)
      SELECT v.store_id, :receipt_no, nextval('sale_id_seq'), :sold_at
        FROM verdict v CROSS JOIN who
       WHERE v.allowed AND v.unknown IS NULL AND v.out_of_region IS NULL
         AND (who.member_id IS NOT NULL
              OR (CAST(:member_card AS text) IS NULL AND CAST(:member_ref AS bigint) IS NULL))
      ON CONFLICT (store_id, receipt_no) DO NOTHING
      RETURNING store_id, sale_id
    ), sale AS (
      INSERT INTO sale (store_id, id, receipt_no, sold_at, staff_id, member_id, points_redeemed,
                        subtotal_cents, discount_cents, total_cents)
      SELECT c.store_id, c.sale_id, :receipt_no, :sold_at, :staff_id, who.member_id, :points,
             :subtotal, :discount, :total
        FROM claim c CROSS JOIN who
      RETURNING store_id, id
    ), saved AS (
      INSERT INTO sale_line (store_id, sale_id, sold_at, line_no, product_id, quantity,
                             unit_price_cents, discount_cents, line_total_cents,
                             returned_quantity, promotion_id)
      SELECT sale.store_id, sale.id, :sold_at, l.line_no, l.product_id, l.quantity,
             l.unit_price, l.discount, CAST(l.quantity AS bigint) * l.unit_price - l.discount,
             0, l.promotion_id
        FROM sale CROSS JOIN lines l
    ), delta AS (
      -- One net change per product: a statement touches each balance row once.
      SELECT sale.store_id, l.product_id, -sum(l.quantity) AS quantity,
             min(l.default_safety_stock) AS default_safety_stock,
             CAST(sale.id AS text) AS reference_id
        FROM sale CROSS JOIN lines l
       GROUP BY sale.store_id, sale.id, l.product_id
    ), {BALANCE_CTES}, {CROSSING_CTES}, st AS (
      SELECT s.id, s.region_id, s.code, l.local,
             CAST(date_trunc('month', l.local) AS date) AS month
        FROM sale JOIN store s ON s.id = sale.store_id
        CROSS JOIN LATERAL (SELECT CAST(:sold_at AS timestamptz) AT TIME ZONE s.time_zone
                              AS local) l
    ), x AS (
      SELECT l.product_id, CAST(l.quantity AS bigint) AS quantity,
             CAST(l.quantity AS bigint) * l.unit_price AS gross,
             CAST(l.discount AS bigint) AS discount, l.promotion_id
        FROM sale CROSS JOIN lines l
    ), {TRACK_CTES}, sold AS (
      -- Per SKU: units, takings, a stock-out (from above zero to zero or below), the balance.
      SELECT l.product_id, sum(l.quantity) AS units,
             sum(CAST(l.quantity AS bigint) * l.unit_price - l.discount) AS revenue,
             CAST(min(b.on_hand) <= 0 AND 0 < min(b.on_hand) + sum(l.quantity) AS int)
               AS stockouts,
             min(b.on_hand) AS on_hand
        FROM lines l JOIN balance b USING (product_id)
       GROUP BY l.product_id
    ), {SALE_CTES}, {POINTS_CTES}
    SELECT v.store_id, v.region_id, v.allowed, v.unknown, v.out_of_region, v.product_ids,
           sale.id AS sale_id, who.member_id,
           (SELECT array_agg(product_id ORDER BY product_id) FROM balance) AS stock_products,
           (SELECT array_agg(on_hand ORDER BY product_id) FROM balance) AS stock_on_hand,
           (SELECT json_agg(json_build_array(id, product_id)) FROM opened) AS opened,
           (SELECT json_agg(json_build_array(id, product_id)) FROM cleared) AS cleared,
           (SELECT spend FROM bonus) AS bonus_spend,
           (SELECT json_agg(f ORDER BY f.promotion_id) FROM flagged f) AS promotion_alerts,
           (SELECT count(*) FROM held) AS held,
           EXISTS (SELECT 1 FROM credited) AS credited,
           (SELECT json_agg(json_build_array(m.product_id, mv.id))
              FROM closing c JOIN monthly m USING (product_id) JOIN moved mv USING (product_id)
             WHERE c.found IS NULL AND NOT m.inserted) AS stale_closing
      FROM who LEFT JOIN verdict v ON true LEFT JOIN sale ON true
    """  # noqa: S608 (constant fragments and SCOPE_CHECK_SQL only; values are bound)
)

# The rare second statement: a SKU's month row that another sale inserted after RECORD's
# snapshot. Its closing before this sale is the balance after the SKU's previous sale of the
# same store-local month (movements are numbered in balance-lock order), as rebuild.py reads it.
CORRECT_CLOSING = text(
    """
    UPDATE clerk_monthly c
       SET closing_stock_change = c.closing_stock_change - prev.total
      FROM (
        SELECT coalesce(sum(p.balance_after), 0) AS total
          FROM unnest(CAST(:product_ids AS bigint[]), CAST(:movement_ids AS bigint[]))
               AS x(product_id, movement_id)
          CROSS JOIN LATERAL (
            SELECT m.balance_after FROM stock_movement m
              JOIN sale s ON s.store_id = m.store_id AND CAST(s.id AS text) = m.reference_id
              JOIN store st ON st.id = s.store_id
             WHERE m.store_id = :store_id AND m.product_id = x.product_id AND m.kind = 'SALE'
               AND m.reference_type = 'sale' AND m.id < x.movement_id
               AND date_trunc('month', s.sold_at AT TIME ZONE st.time_zone)
                   = date_trunc('month', CAST(:sold_at AS timestamptz) AT TIME ZONE st.time_zone)
             ORDER BY m.id DESC LIMIT 1
          ) p
      ) prev
      JOIN store st ON st.id = :store_id
     WHERE c.store_id = :store_id AND c.staff_id = :staff_id
       AND c.month = CAST(date_trunc('month', CAST(:sold_at AS timestamptz)
                                              AT TIME ZONE st.time_zone) AS date)
    """
)


@dataclass(frozen=True)
class Written:
    """What RECORD answers: the checks' verdict and, when the sale was written, its effects."""

    store_id: int | None  # None: no such store
    region_id: int | None
    allowed: bool
    unknown: list[str]
    out_of_region: list[str]
    product_ids: list[int]  # per line
    sale_id: int | None  # None: refused or a replay, nothing written
    member_id: int | None  # None: no code, or a code of no member
    stock: list[tuple[int, int]]  # (product id, on hand after), in product order
    opened: list[tuple[int, int]]  # LOW_STOCK alerts (id, product id) opened by the sale
    cleared: list[tuple[int, int]]  # and cleared
    bonus_spend: int  # a points multiplier's extra spend (promotions/redemption.py)
    promotion_alerts: list[dict[str, Any]]  # PROMOTION_UNDER_REDEEMED rows raised
    credited: bool  # the member's points were credited by the statement
    stale_closing: list[tuple[int, int]]  # (product id, movement id): see CORRECT_CLOSING


def _pairs(value: list[list[int]] | None) -> list[tuple[int, int]]:
    return [(a, b) for a, b in value or []]


def record_params(
    actor: Actor,
    new: NewSale,
    *,
    receipt_no: str,
    member_id: int | None,
    code: ParsedCode | None,
    claims: CheckedClaims | None,
) -> dict[str, Any]:
    """RECORD's parameters for a checked receipt: `member_id` when the code was resolved
    already, else `code` (the statement resolves it) or neither (no member). The compiled
    path (api/compiled/sale.py) binds the same values."""
    subtotal = sum(x.quantity * x.unit_price_cents for x in new.lines)
    discount = sum(x.discount_cents for x in new.lines)
    types = claims.promotion_types if claims else {}
    has_member = member_id is not None or code is not None
    return {
        **actor.scope.sql_params(),
        "store_code": new.store_code,
        "member_card": code.card_number if code else None,
        "member_ref": member_id if member_id is not None else code and code.member_id,
        "skus": [x.sku for x in new.lines],
        "quantities": [x.quantity for x in new.lines],
        "prices": [x.unit_price_cents for x in new.lines],
        "discounts": [x.discount_cents for x in new.lines],
        "promotions": [x.promotion_id for x in new.lines],
        "receipt_no": receipt_no,
        "sold_at": new.sold_at,
        "staff_id": actor.staff_id,
        "points": new.points_redeemed,
        "subtotal": subtotal,
        "discount": discount,
        "total": subtotal - discount,
        "promoted": int(any(x.promotion_id is not None for x in new.lines)),
        "min_expected": MIN_EXPECTED,
        "z_critical": Z_CRITICAL,
        # Points redeemed go through members.redeem_points (CONFLICT when short).
        "earn_here": has_member and new.points_redeemed == 0,
        "promotion_type_ids": list(types),
        "promotion_type_names": list(types.values()),
        "kind": MovementKind.SALE.value,
        "reference_type": "sale",
        "reason": None,
    }


def written_from(row: Any) -> Written:
    """RECORD's row (an ORM row or a psycopg named tuple) as a Written."""
    return Written(
        store_id=row.store_id,
        region_id=row.region_id,
        allowed=bool(row.allowed),
        unknown=row.unknown or [],
        out_of_region=row.out_of_region or [],
        product_ids=row.product_ids or [],
        sale_id=row.sale_id,
        member_id=row.member_id,
        stock=list(zip(row.stock_products or [], row.stock_on_hand or [], strict=True)),
        opened=_pairs(row.opened),
        cleared=_pairs(row.cleared),
        bonus_spend=int(row.bonus_spend or 0),
        promotion_alerts=row.promotion_alerts or [],
        credited=bool(row.credited),
        stale_closing=_pairs(row.stale_closing),
    )


async def record(
    session: AsyncSession,
    actor: Actor,
    new: NewSale,
    *,
    receipt_no: str,
    member_id: int | None,
    code: ParsedCode | None,
    claims: CheckedClaims | None,
) -> Written:
    """Run RECORD for a checked receipt (record_params says what it binds)."""
    params = record_params(
        actor, new, receipt_no=receipt_no, member_id=member_id, code=code, claims=claims
    )
    return written_from((await session.execute(RECORD, params)).one())


def needs_follow_up(written: Written) -> bool:
    """Whether `follow_up` has anything to run for this written sale."""
    return bool(
        written.opened or written.cleared or written.promotion_alerts or written.stale_closing
    )


async def follow_up(session: AsyncSession, written: Written, new: NewSale, *, actor: Actor) -> None:
    """The statements a written sale needs only sometimes: its alerts' events and the closing
    stock correction (none on the common path)."""
    where = {"store_id": written.store_id, "region_id": written.region_id}
    for alert_id, product_id in written.opened:
        await events.emit(
            session, events.LowStockRaised(alert_id=alert_id, product_id=product_id), **where
        )
    for alert_id, product_id in written.cleared:
        await events.emit(
            session, events.LowStockCleared(alert_id=alert_id, product_id=product_id), **where
        )
    for alert in written.promotion_alerts:
        await events.emit(
            session,
            events.PromotionUnderRedeemed(
                promotion_id=alert["promotion_id"],
                store_code=new.store_code,
                eligible=alert["eligible"],
                redeemed=alert["redeemed"],
                others_eligible=alert["others_eligible"],
                others_redeemed=alert["others_redeemed"],
                z_score=f"{alert['z_score']:.3f}",
            ),
            **where,
        )
    if written.stale_closing:
        await session.execute(
            CORRECT_CLOSING,
            {
                "store_id": written.store_id,
                "staff_id": actor.staff_id,
                "sold_at": new.sold_at,
                "product_ids": [p for p, _ in written.stale_closing],
                "movement_ids": [m for _, m in written.stale_closing],
            },
        )
