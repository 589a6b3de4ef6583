"""Redemption per promotion and store, counted as sales arrive, and the under-redemption alert.

Where the counts live: `promotion_store_stats`, one row per promotion and store, updated in the
sale's own transaction (TRACK_CTES, part of recordSale's one statement; `track_sale` runs them
alone), so the counts are exact at every moment and roll back with a refused sale. Not
computed from sale lines on read: "eligible" needs the promotions in force at the receipt's
store-local time, which a read would have to re-derive for every sale of the window; the till
pays one upsert instead, inside its one statement (tests/sales/test_one_statement.py).

Eligible: a new sale at a store in scope, inside the window read in the store's time zone,
with a SKU of the promotion and the mechanism's precondition met on those SKUs (spend
threshold reached, buy X + get Y units, two units for a second-item discount, a member for
member-only ones). Redeemed: a line of it claims the promotion. Points multipliers are not
counted (nothing is claimed at the till: the member's card earns them); the same statement
finds the multiplier in force on each line instead, and recordSale credits the bonus points.

The rule (ALERT_RULE): a store's rate is compared with the rest of the chain's on that
promotion (every other store's counts pooled) by a one-sided two-proportion z-test; it alerts
when z <= -2.326 (p < 0.01) and the store has enough eligible transactions to be meaningful:
at least MIN_EXPECTED redemptions expected at the others' rate (n * p_others >= 5, the usual
condition for the normal approximation). The alert is raised once per promotion and store
(the `promotion_under_redeemed` row's key), as a PROMOTION_UNDER_REDEEMED event at the store
(HQ and the region's manager see it). The same statement tests and records it; the event costs
one more statement, only when an alert fires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor
from api.domain.events import PromotionUnderRedeemed, emit
from api.domain.promotions.claims import ClaimedLine

Z_CRITICAL = -2.326  # one-sided p < 0.01
MIN_EXPECTED = 5
ALERT_RULE = (
    "A store is under-redeeming when a one-sided two-proportion z-test of its redemption rate "
    "against the rest of the chain's pooled rate gives z <= -2.326 (p < 0.01) and at least "
    "5 redemptions were expected at the rest of the chain's rate (eligible x chain rate >= 5)."
)

# Counting a sale, as CTEs over three inputs (recordSale's one statement, sales/record_statement.py,
# reads them from its own CTEs; `_TRACK` below from parameters): `st` (the store: id, local
# time), `who` (member_id, NULL without a member) and `x` (the lines: product_id, quantity,
# gross, discount, promotion_id). `bonus` answers the points multiplier's extra spend and
# `flagged` the alerts raised.
TRACK_CTES = """
    running AS (
      SELECT p.* FROM st
        CROSS JOIN who
        JOIN promotion_store ps ON ps.store_id = st.id
        JOIN promotion p ON p.id = ps.promotion_id
       WHERE p.state = 'SCHEDULED'
         AND p.starts_at <= CAST(:sold_at AS timestamptz)
         AND p.ends_at > CAST(:sold_at AS timestamptz)
         AND CAST(st.local AS date) BETWEEN p.start_date AND p.end_date
         AND (p.weekdays IS NULL
              OR CAST(extract(isodow FROM st.local) AS smallint) = ANY(p.weekdays))
         AND (p.daily_start IS NULL OR (CAST(st.local AS time) >= p.daily_start
                                        AND CAST(st.local AS time) < p.daily_end))
         AND (NOT p.members_only OR who.member_id IS NOT NULL)
         AND (p.budget_cents IS NULL
              OR (SELECT coalesce(sum(b.discount_cents), 0) FROM promotion_store_stats b
                   WHERE b.promotion_id = p.id) < p.budget_cents)
    ), bonus AS (
      SELECT coalesce(sum((x.gross - x.discount) * (m.times - 1)), 0) AS spend
        FROM who CROSS JOIN x CROSS JOIN LATERAL (
          SELECT max(p.points_multiplier) AS times
            FROM running p JOIN promotion_product pp ON pp.promotion_id = p.id
           WHERE p.mechanism = 'POINTS_MULTIPLIER' AND pp.product_id = x.product_id
        ) m
       WHERE m.times IS NOT NULL AND who.member_id IS NOT NULL
    ), hit AS (
      SELECT p.id AS promotion_id, st.id AS store_id,
             coalesce(bool_or(x.promotion_id = p.id), false) AS redeemed,
             coalesce(sum(x.discount) FILTER (WHERE x.promotion_id = p.id), 0) AS discount
        FROM st
        CROSS JOIN running p
        JOIN promotion_product pp ON pp.promotion_id = p.id
        JOIN x ON x.product_id = pp.product_id
       WHERE p.mechanism <> 'POINTS_MULTIPLIER'
       GROUP BY p.id, st.id
      HAVING bool_or(x.promotion_id = p.id) OR CASE min(p.mechanism)
               WHEN 'SPEND_THRESHOLD' THEN sum(x.gross) >= min(p.threshold_cents)
               WHEN 'BUY_X_GET_Y' THEN sum(x.quantity) >= min(p.buy_quantity + p.get_quantity)
               WHEN 'SECOND_ITEM_DISCOUNT' THEN sum(x.quantity) >= 2
               ELSE true END
    ), up AS (
      INSERT INTO promotion_store_stats AS t (promotion_id, store_id, eligible, redeemed,
                                              discount_cents)
      SELECT promotion_id, store_id, 1, CAST(redeemed AS int), discount
        FROM hit ORDER BY promotion_id
      ON CONFLICT (promotion_id, store_id) DO UPDATE
        SET eligible = t.eligible + 1,
            redeemed = t.redeemed + EXCLUDED.redeemed,
            discount_cents = t.discount_cents + EXCLUDED.discount_cents
      RETURNING t.promotion_id, t.store_id, t.eligible, t.redeemed
    ), candidates AS (
      SELECT up.promotion_id, up.store_id, up.eligible AS n, up.redeemed AS k,
             sum(o.eligible) AS on_, sum(o.redeemed) AS ok
        FROM up
        JOIN promotion_store_stats o
          ON o.promotion_id = up.promotion_id AND o.store_id <> up.store_id
       WHERE NOT EXISTS (SELECT 1 FROM promotion_under_redeemed a
                          WHERE a.promotion_id = up.promotion_id AND a.store_id = up.store_id)
       GROUP BY up.promotion_id, up.store_id, up.eligible, up.redeemed
      HAVING sum(o.redeemed) > 0
         AND up.eligible * sum(o.redeemed) >= :min_expected * sum(o.eligible)
    ), tested AS (
      SELECT c.*,
             (CAST(k AS float8) / n - CAST(ok AS float8) / on_)
             / nullif(sqrt(CAST(k + ok AS float8) / (n + on_)
                           * (1 - CAST(k + ok AS float8) / (n + on_))
                           * (1.0 / n + 1.0 / on_)), 0) AS z
        FROM candidates c
    ), flagged AS (
      INSERT INTO promotion_under_redeemed (promotion_id, store_id, eligible, redeemed,
                                            others_eligible, others_redeemed, z_score)
      SELECT promotion_id, store_id, n, k, on_, ok, z FROM tested WHERE z <= :z_critical
      ON CONFLICT DO NOTHING
      RETURNING promotion_id, eligible, redeemed, others_eligible, others_redeemed, z_score
    )"""

_TRACK = text(
    f"""
    WITH st AS (
      SELECT s.id, s.region_id, s.code,
             CAST(:sold_at AS timestamptz) AT TIME ZONE s.time_zone AS local
        FROM store s WHERE s.id = :store_id
    ), who AS (
      SELECT CAST(:member_id AS bigint) AS member_id
    ), x AS (
      SELECT * FROM unnest(CAST(:product_ids AS bigint[]), CAST(:quantities AS bigint[]),
                           CAST(:gross AS bigint[]), CAST(:discounts AS bigint[]),
                           CAST(:promotions AS bigint[]))
             AS x(product_id, quantity, gross, discount, promotion_id)
    ), {TRACK_CTES}
    SELECT st.region_id, st.code, (SELECT spend FROM bonus) AS bonus_spend,
           (SELECT json_agg(f ORDER BY f.promotion_id) FROM flagged f) AS alerts
      FROM st
    """  # noqa: S608 (constant fragments; values are bound)
)


async def track_sale(
    session: AsyncSession,
    *,
    store_id: int,
    sold_at: datetime,
    member_id: int | None,
    product_ids: Sequence[int],
    lines: Sequence[ClaimedLine],
) -> int:
    """Count a newly recorded sale (never a replay) for every promotion it was eligible for:
    one statement; an alert it raises adds its event. Returns the member's bonus spend for
    points: each line's paid amount x (its points multiplier - 1), the highest multiplier in
    force on its SKU (0 without a member or a multiplier)."""
    row = (
        await session.execute(
            _TRACK,
            {
                "store_id": store_id,
                "sold_at": sold_at,
                "member_id": member_id,
                "product_ids": list(product_ids),
                "quantities": [x.quantity for x in lines],
                "gross": [x.quantity * x.unit_price_cents for x in lines],
                "discounts": [x.discount_cents for x in lines],
                "promotions": [x.promotion_id for x in lines],
                "min_expected": MIN_EXPECTED,
                "z_critical": Z_CRITICAL,
            },
        )
    ).one()
    for alert in row.alerts or []:
        await emit(
            session,
            PromotionUnderRedeemed(
                promotion_id=alert["promotion_id"],
                store_code=row.code,
                eligible=alert["eligible"],
                redeemed=alert["redeemed"],
                others_eligible=alert["others_eligible"],
                others_redeemed=alert["others_redeemed"],
                z_score=f"{alert['z_score']:.3f}",
            ),
            store_id=store_id,
            region_id=row.region_id,
        )
    return int(row.bonus_spend)


# ---- reading it back ------------------------------------------------------------------------

_REPORT = text(
    """
    SELECT s.id AS store_id, s.code, s.type, s.region_id,
           coalesce(t.eligible, 0) AS eligible, coalesce(t.redeemed, 0) AS redeemed,
           coalesce(t.discount_cents, 0) AS discount_cents, a.raised_at, a.z_score,
           p.budget_cents
      FROM promotion_store ps
      JOIN promotion p ON p.id = ps.promotion_id
      JOIN store s ON s.id = ps.store_id
      LEFT JOIN promotion_store_stats t
        ON t.promotion_id = ps.promotion_id AND t.store_id = ps.store_id
      LEFT JOIN promotion_under_redeemed a
        ON a.promotion_id = ps.promotion_id AND a.store_id = ps.store_id
     WHERE ps.promotion_id = :promotion_id
     ORDER BY s.code
    """
)


def rate(redeemed: int, eligible: int) -> float | None:
    return redeemed / eligible if eligible else None


@dataclass(frozen=True)
class StoreRedemption:
    store_id: int
    store_code: str
    store_type: str
    eligible: int
    redeemed: int
    discount_cents: int
    rate: float | None  # redeemed / eligible; None before any eligible transaction
    chain_rate: float | None  # every store of the promotion, pooled
    store_type_rate: float | None  # the stores of this one's type, pooled (itself included)
    under_redeemed_at: datetime | None  # when the alert fired, if it did
    z_score: float | None


@dataclass(frozen=True)
class RedemptionReport:
    promotion_id: int
    eligible: int  # the whole chain's
    redeemed: int
    rate: float | None
    discount_cents: int  # given so far, the whole chain
    budget_cents: int | None  # it stops applying once the discount given reaches it
    stores: list[StoreRedemption]  # those in the caller's scope
    method: str = ALERT_RULE


async def redemption_report(
    session: AsyncSession, actor: Actor, promotion_id: int
) -> RedemptionReport:
    """The promotion's counts at each store in the caller's scope, against the chain's and
    the same store type's pooled rates (those over every store of the promotion)."""
    rows = list(await session.execute(_REPORT, {"promotion_id": promotion_id}))
    by_type: dict[str, tuple[int, int]] = {}
    for row in rows:
        n, k = by_type.get(row.type, (0, 0))
        by_type[row.type] = (n + row.eligible, k + row.redeemed)
    eligible = sum(r.eligible for r in rows)
    redeemed = sum(r.redeemed for r in rows)
    chain = rate(redeemed, eligible)
    return RedemptionReport(
        promotion_id=promotion_id,
        eligible=eligible,
        redeemed=redeemed,
        rate=chain,
        discount_cents=sum(r.discount_cents for r in rows),
        budget_cents=rows[0].budget_cents if rows else None,
        stores=[
            StoreRedemption(
                store_id=r.store_id,
                store_code=r.code,
                store_type=r.type,
                eligible=r.eligible,
                redeemed=r.redeemed,
                discount_cents=r.discount_cents,
                rate=rate(r.redeemed, r.eligible),
                chain_rate=chain,
                store_type_rate=rate(by_type[r.type][1], by_type[r.type][0]),
                under_redeemed_at=r.raised_at,
                z_score=r.z_score,
            )
            for r in rows
            if actor.scope.allows(r.store_id, r.region_id)
        ],
    )
