"""Return on a promotion: incremental units and revenue against a baseline, the discount it
cost, and the cost per incremental yuan, per promotion and per mechanism (METHOD says how).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, require
from db.models import Promotion

METHOD = (
    "Promotion period: its dates up to today, at its stores, on its SKUs (sales_daily, net of "
    "discounts and before returns). Baseline: the same stores' same SKUs over the same number "
    "of days just before it started, scaled by the change over those two periods at "
    "comparable stores outside it (same store types, not in its scope); without such stores, "
    "unscaled. Incremental = period - baseline (units and revenue). Discount cost: the "
    "discount given on the lines that claimed it. No unit costs are recorded, so the margin is "
    "the incremental revenue net of discount (contribution before cost of goods). Cost per "
    "incremental yuan = discount cost / incremental revenue (null when nothing was gained). "
    "A mechanism sums its promotions' figures."
)

_FIGURES = text(
    """
    WITH mine AS (SELECT store_id FROM promotion_store WHERE promotion_id = :id),
    types AS (SELECT DISTINCT s.type FROM store s JOIN mine m ON m.store_id = s.id),
    products AS (SELECT product_id FROM promotion_product WHERE promotion_id = :id),
    d AS (
      SELECT d.*, d.store_id IN (SELECT store_id FROM mine) AS inside,
             d.day >= CAST(:start AS date) AS during
        FROM sales_daily d JOIN store s ON s.id = d.store_id
       WHERE d.product_id IN (SELECT product_id FROM products)
         AND d.day BETWEEN CAST(:before AS date) AND CAST(:end AS date)
         AND (d.store_id IN (SELECT store_id FROM mine) OR s.type IN (SELECT type FROM types))
    )
    SELECT coalesce(sum(units) FILTER (WHERE inside AND during), 0) AS units,
           coalesce(sum(revenue_cents) FILTER (WHERE inside AND during), 0) AS revenue,
           coalesce(sum(units) FILTER (WHERE inside AND NOT during), 0) AS units_before,
           coalesce(sum(revenue_cents) FILTER (WHERE inside AND NOT during), 0) AS revenue_before,
           coalesce(sum(units) FILTER (WHERE NOT inside AND during), 0) AS c_units,
           coalesce(sum(revenue_cents) FILTER (WHERE NOT inside AND during), 0) AS c_revenue,
           coalesce(sum(units) FILTER (WHERE NOT inside AND NOT during), 0) AS c_units_before,
           coalesce(sum(revenue_cents) FILTER (WHERE NOT inside AND NOT during), 0)
             AS c_revenue_before,
           (SELECT coalesce(sum(discount_cents), 0) FROM promotion_store_stats
             WHERE promotion_id = :id) AS discount
      FROM d
    """
)


@dataclass(frozen=True)
class Figures:
    units: int
    revenue_cents: int
    baseline_units: float
    baseline_revenue_cents: float
    discount_cents: int

    @property
    def incremental_units(self) -> float:
        return self.units - self.baseline_units

    @property
    def incremental_revenue_cents(self) -> float:
        return self.revenue_cents - self.baseline_revenue_cents

    @property
    def cost_per_incremental_yuan(self) -> float | None:
        gained = self.incremental_revenue_cents
        return self.discount_cents / gained if gained > 0 else None

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.units + other.units,
            self.revenue_cents + other.revenue_cents,
            self.baseline_units + other.baseline_units,
            self.baseline_revenue_cents + other.baseline_revenue_cents,
            self.discount_cents + other.discount_cents,
        )


@dataclass(frozen=True)
class PromotionReturn:
    promotion_id: int
    mechanism: str
    days: int
    figures: Figures


@dataclass(frozen=True)
class Returns:
    promotions: list[PromotionReturn]
    mechanisms: dict[str, Figures]
    method: str = METHOD


def _scaled(before: int, control_now: int, control_before: int) -> float:
    return before * control_now / control_before if control_before > 0 else float(before)


async def promotion_returns(
    session: AsyncSession, actor: Actor | None, ids: Sequence[int], *, today: date
) -> Returns:
    """HQ's comparison of these promotions (those started by today), side by side."""
    require(actor, Permission.APPROVE_PROMOTIONS)
    found: list[PromotionReturn] = []
    promotions = await session.scalars(
        select(Promotion).where(Promotion.id.in_(list(ids))).order_by(Promotion.id)
    )
    for p in list(promotions):
        end = min(p.end_date, today)
        if end < p.start_date:
            continue
        days = (end - p.start_date).days + 1
        row = (
            await session.execute(
                _FIGURES,
                {
                    "id": p.id,
                    "start": p.start_date,
                    "end": end,
                    "before": p.start_date - timedelta(days=days),
                },
            )
        ).one()
        figures = Figures(
            units=int(row.units),
            revenue_cents=int(row.revenue),
            baseline_units=_scaled(row.units_before, row.c_units, row.c_units_before),
            baseline_revenue_cents=_scaled(row.revenue_before, row.c_revenue, row.c_revenue_before),
            discount_cents=int(row.discount),
        )
        found.append(PromotionReturn(p.id, p.mechanism.value, days, figures))
    mechanisms: dict[str, Figures] = {}
    for r in found:
        mechanisms[r.mechanism] = (
            mechanisms[r.mechanism] + r.figures if r.mechanism in mechanisms else r.figures
        )
    return Returns(promotions=found, mechanisms=mechanisms)
