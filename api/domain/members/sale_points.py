"""A member sale's points as CTEs of recordSale's one statement (sales/record_statement.py):
the same rules as points.py's earn_points_for_sale and preferences.py's
update_preferences_for_sale, written once more in SQL because there they are no round trip.

Inputs: `sale` (store_id, id: no row when nothing was written), `who` (member_id), `lines`
(sku, category, quantity, unit_price, discount, promotion_id) and `bonus` (spend: a points
multiplier's extra, promotions/redemption.py). Parameters: :earn_here (a member sale without
points redeemed: with them, members.redeem_points runs first, CONFLICT when short), :total
(what was paid), :sold_at, :promotion_type_ids and :promotion_type_names (the claimed
promotions' mechanisms).

The snapshot guard: due expiry and the 12-month spend read the ledger as of the statement's
snapshot, taken before it waited for the member's row. `credited` therefore updates the member
only when its row is the version that snapshot read (`xmin`): any ledger change since came with
a balance update, so a newer row means a stale read, and then nothing of this part is written
(`credited` is empty) and the caller credits the points the old way, statement by statement.
"""

from __future__ import annotations

from datetime import timedelta

from api.domain.members.points import (
    EARN_TENTHS_PER_YUAN,
    POINTS_VALIDITY,
    SPEND_WINDOW,
    TIER_MINIMUM_HOLD,
    TIER_ORDER,
    TIER_THRESHOLD_CENTS,
)


def _days(delta: timedelta) -> str:
    return f"interval '{delta.days} days'"


_TIERS = "ARRAY[" + ", ".join(f"'{t.value}'" for t in TIER_ORDER) + "]"
_EARN_TENTHS = " ".join(f"WHEN '{t.value}' THEN {n}" for t, n in EARN_TENTHS_PER_YUAN.items())
_TIER_FOR_SPEND = " ".join(
    f"WHEN e.new_spend >= {TIER_THRESHOLD_CENTS[t]} THEN '{t.value}'" for t in reversed(TIER_ORDER)
)
# A tier is kept at least TIER_MINIMUM_HOLD; past it, a spend below it moves one tier down.
_DOWN = f"e.target < e.rank AND e.tier_since <= now() - {_days(TIER_MINIMUM_HOLD)}"

POINTS_CTES = f"""
    held AS (
      -- A member sale that earns afterwards (points redeemed) locks the member here, where an
      -- earning one does (`credited`), before the rollups: one lock order for both.
      SELECT m.id FROM sale CROSS JOIN who JOIN member m ON m.id = who.member_id
       WHERE NOT CAST(:earn_here AS boolean)
         FOR NO KEY UPDATE OF m
    ), mem AS (
      -- The member as the snapshot read it, its points due to expire (expired credits less
      -- every debit: the oldest points go first) and its 12-month spend with this sale.
      SELECT m.id, m.tier, m.tier_since, m.points_balance, m.xmin AS version, e.expired,
             e.new_spend
        FROM sale CROSS JOIN who
        JOIN member m ON m.id = who.member_id
       CROSS JOIN LATERAL (
         SELECT greatest(coalesce(sum(e.points) FILTER (WHERE e.kind IN ('EARN', 'BONUS')
                                                          AND e.expires_at <= now()), 0)
                         + coalesce(sum(e.points) FILTER (WHERE e.points < 0), 0), 0)
                  AS expired,
                coalesce(sum(e.spend_cents)
                           FILTER (WHERE e.occurred_at > now() - {_days(SPEND_WINDOW)}), 0)
                  + :total AS new_spend
           FROM points_ledger e WHERE e.member_id = m.id
       ) e
       WHERE CAST(:earn_here AS boolean)
    ), earning AS (
      -- Points on what was paid (and the multiplier's extra) at the tier held before the sale.
      SELECT e.*, least(e.expired, e.points_balance) AS due,
             CAST((:total + greatest(CAST((SELECT spend FROM bonus) AS bigint), 0))
                  * CASE e.tier {_EARN_TENTHS} END / 1000 AS int) AS earned,
             array_position({_TIERS}, CAST(e.tier AS text)) AS rank,
             array_position({_TIERS}, CASE {_TIER_FOR_SPEND} END) AS target
        FROM mem e
    ), credited AS (
      UPDATE member m
         SET points_balance = m.points_balance - e.due + e.earned,
             tier = CASE WHEN e.target > e.rank THEN ({_TIERS})[e.target]
                         WHEN {_DOWN} THEN ({_TIERS})[e.rank - 1]
                         ELSE m.tier END,
             tier_since = CASE WHEN e.target > e.rank OR {_DOWN} THEN now()
                               ELSE m.tier_since END
        FROM earning e
       WHERE m.id = e.id AND m.xmin = e.version
      RETURNING m.id
    ), entries AS (
      -- The EXPIRE entry (when points were due), then the EARN one, in that order.
      INSERT INTO points_ledger (member_id, kind, points, balance_after, spend_cents, store_id,
                                 sale_store_id, sale_id, expires_at)
      SELECT e.id, k.kind, k.points, k.balance_after, k.spend, k.store_id, k.store_id, k.sale_id,
             k.expires_at
        FROM credited c JOIN earning e USING (id) CROSS JOIN sale
       CROSS JOIN LATERAL (VALUES
         (1, 'EXPIRE', -e.due, e.points_balance - e.due, CAST(0 AS bigint), CAST(NULL AS int),
          CAST(NULL AS bigint), CAST(NULL AS timestamptz)),
         (2, 'EARN', e.earned, e.points_balance - e.due + e.earned, CAST(:total AS bigint),
          sale.store_id, sale.id, now() + {_days(POINTS_VALIDITY)})
       ) AS k(n, kind, points, balance_after, spend, store_id, sale_id, expires_at)
       WHERE k.kind = 'EARN' OR e.due > 0
       ORDER BY k.n
    ), prefs AS (
      -- The sale's categories, SKUs and claimed promotion types, one purchase each.
      INSERT INTO member_preference AS mp (member_id, kind, key, purchases, quantity,
                                           spend_cents, last_purchased_at)
      SELECT c.id, t.kind, t.key, 1, sum(t.quantity), sum(t.spend), CAST(:sold_at AS timestamptz)
        FROM credited c CROSS JOIN (
          SELECT k.kind, k.key, l.quantity,
                 CAST(l.quantity AS bigint) * l.unit_price - l.discount AS spend
            FROM lines l
            LEFT JOIN unnest(CAST(:promotion_type_ids AS bigint[]),
                             CAST(:promotion_type_names AS text[])) AS pt(id, name)
              ON pt.id = l.promotion_id AND pt.name <> ''
           CROSS JOIN LATERAL (VALUES ('CATEGORY', l.category), ('PRODUCT', l.sku),
                                      ('PROMOTION_TYPE', left(pt.name, 64))) AS k(kind, key)
           WHERE k.key IS NOT NULL
        ) t
       GROUP BY c.id, t.kind, t.key
       ORDER BY t.kind, t.key
      ON CONFLICT (member_id, kind, key) DO UPDATE
        SET purchases = mp.purchases + 1, quantity = mp.quantity + EXCLUDED.quantity,
            spend_cents = mp.spend_cents + EXCLUDED.spend_cents,
            last_purchased_at = greatest(mp.last_purchased_at, EXCLUDED.last_purchased_at)
    )"""  # noqa: S608 (constants only; values are bound)
