"""Where stock could come from: other stores by great-circle distance, and transfer suggestions.

Distances are computed in plain SQL (haversine with radians/sin/asin; no PostGIS or
earthdistance: the embedded PostgreSQL ships no contrib). Suggestions for a whole page of
alerts come from one statement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
SUGGESTIONS_PER_ALERT = 5


def great_circle_km_sql(origin: str, other: str) -> str:
    """Haversine distance between two store rows aliased `origin` and `other`, in km."""
    lat1, lon1 = f"radians({origin}.latitude)", f"radians({origin}.longitude)"
    lat2, lon2 = f"radians({other}.latitude)", f"radians({other}.longitude)"
    return (
        f"(2 * {EARTH_RADIUS_KM} * asin(least(1.0, sqrt("
        f"power(sin(({lat2} - {lat1}) / 2), 2)"
        f" + cos({lat1}) * cos({lat2}) * power(sin(({lon2} - {lon1}) / 2), 2)))))"
    )


@dataclass(frozen=True)
class Shortfall:
    alert_id: int
    store_id: int
    product_id: int
    quantity: int


@dataclass(frozen=True)
class TransferSuggestion:
    from_store_id: int
    quantity: int
    distance_km: float


# For each alert, donors nearest first; each gives min(its surplus above its own safety level,
# what is still missing after the nearer donors), until the shortfall is covered.
_SUGGEST = text(
    f"""
    SELECT a.alert_id, d.store_id, d.quantity, d.distance_km
      FROM unnest(CAST(:alert_ids AS bigint[]), CAST(:store_ids AS int[]),
                  CAST(:product_ids AS bigint[]), CAST(:shortfalls AS int[]))
           AS a(alert_id, store_id, product_id, shortfall)
      JOIN store origin ON origin.id = a.store_id
     CROSS JOIN LATERAL (
       SELECT c.store_id, least(c.surplus, a.shortfall - c.given_before) AS quantity,
              c.distance_km
         FROM (
           SELECT l.store_id, c0.surplus, c0.distance_km,
                  coalesce(sum(c0.surplus) OVER (
                    ORDER BY c0.distance_km, l.store_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS given_before
             FROM stock_level l
             JOIN store other ON other.id = l.store_id
             JOIN product p ON p.id = l.product_id
            CROSS JOIN LATERAL (
              SELECT l.on_hand - coalesce(l.safety_stock, p.default_safety_stock) AS surplus,
                     {great_circle_km_sql("origin", "other")} AS distance_km
            ) c0
            WHERE l.product_id = a.product_id AND l.store_id <> a.store_id AND c0.surplus > 0
         ) c
        WHERE c.given_before < a.shortfall
        ORDER BY c.distance_km, c.store_id
        LIMIT :per_alert
     ) d
     ORDER BY a.alert_id, d.distance_km, d.store_id
    """  # noqa: S608
)


async def transfer_suggestions(
    session: AsyncSession, shortfalls: list[Shortfall]
) -> dict[int, list[TransferSuggestion]]:
    """Suggestions by alert id for every alert given, in one statement."""
    wanted = [s for s in shortfalls if s.quantity > 0]
    found: dict[int, list[TransferSuggestion]] = defaultdict(list)
    if not wanted:
        return found
    rows = await session.execute(
        _SUGGEST,
        {
            "alert_ids": [s.alert_id for s in wanted],
            "store_ids": [s.store_id for s in wanted],
            "product_ids": [s.product_id for s in wanted],
            "shortfalls": [s.quantity for s in wanted],
            "per_alert": SUGGESTIONS_PER_ALERT,
        },
    )
    for row in rows:
        found[row.alert_id].append(
            TransferSuggestion(
                from_store_id=row.store_id,
                quantity=row.quantity,
                distance_km=round(float(row.distance_km), 3),
            )
        )
    return found
