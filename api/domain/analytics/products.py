"""Products and store types over store-local dates: best sellers, seasonal hits, regional demand
with its lead time, repurchase rate by category, and a strategy suggestion per store type from
its category mix, each with the numbers behind it.

Read from the SKU days (sales_daily), and the repurchase rate from the members' categories per
month (member_category_monthly: receipts with the category on them), so over the whole
store-local months the period touches, like the monthly KPIs: of the members who bought the
category in those months, the share who bought it on at least two receipts. Scoped like every
figure: one store, one region, or every store in the caller's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, require
from api.domain.analytics.kpis import _store_ids
from api.domain.analytics.operations import _check_period
from api.domain.errors import InvalidInput

TOP = 10
SEASONAL_MIN_UNITS = 10  # a hit sold at least this many units in the period
ONSET_SHARE = 0.25  # a region's season starts in its first month at this share of its peak
OVER_INDEX = 1.2  # a store type's category share this much above the chain's: lean into it

_BY_SKU = text(
    """
    SELECT p.sku, p.name, p.category, p.seasonal,
           coalesce(sum(d.units) FILTER (WHERE d.day >= :first), 0) AS units,
           coalesce(sum(d.revenue_cents) FILTER (WHERE d.day >= :first), 0) AS revenue,
           coalesce(sum(d.units) FILTER (WHERE d.day < :first), 0) AS units_before
      FROM sales_daily d JOIN product p ON p.id = d.product_id
     WHERE d.store_id = ANY(CAST(:store_ids AS int[])) AND d.day BETWEEN :before AND :last
     GROUP BY p.id
    """
)
_REGION_MONTHS = text(
    """
    SELECT p.category, r.code AS region, CAST(date_trunc('month', d.day) AS date) AS month,
           sum(d.units) AS units
      FROM sales_daily d JOIN product p ON p.id = d.product_id
      JOIN store s ON s.id = d.store_id JOIN region r ON r.id = s.region_id
     WHERE d.store_id = ANY(CAST(:store_ids AS int[])) AND d.day BETWEEN :year_ago AND :last
       AND p.category IN (SELECT category FROM product WHERE seasonal)
     GROUP BY 1, 2, 3
    """
)
_MIX = text(
    """
    SELECT s.type, p.category, sum(d.revenue_cents) AS revenue
      FROM sales_daily d JOIN product p ON p.id = d.product_id JOIN store s ON s.id = d.store_id
     WHERE d.store_id = ANY(CAST(:store_ids AS int[])) AND d.day BETWEEN :first AND :last
     GROUP BY 1, 2
    """
)
_REPURCHASE = text(
    """
    SELECT category, count(*) AS buyers, count(*) FILTER (WHERE purchases >= 2) AS repeaters
      FROM (SELECT category, member_id, sum(purchases) AS purchases
              FROM member_category_monthly
             WHERE store_id = ANY(CAST(:store_ids AS int[]))
               AND month BETWEEN date_trunc('month', CAST(:first AS date)) AND :last
             GROUP BY 1, 2) per_member
     GROUP BY 1 ORDER BY 1
    """
)


@dataclass(frozen=True)
class SkuFigure:
    sku: str
    name: str
    category: str
    units: int
    revenue_cents: int
    units_before: int  # the same number of days just before the period


@dataclass(frozen=True)
class RegionalOnset:
    category: str
    region_code: str
    onset_month: date
    units_at_peak: int
    lead_days: int  # after the earliest region's onset of the category
    suggestion: str


@dataclass(frozen=True)
class CategoryRepurchase:
    category: str
    buyers: int
    repeaters: int
    rate: float | None


@dataclass(frozen=True)
class StoreTypeStrategy:
    store_type: str
    category: str
    share: float  # of the store type's takings
    chain_share: float
    suggestion: str


@dataclass(frozen=True)
class ProductInsights:
    best_sellers: list[SkuFigure]
    seasonal_hits: list[SkuFigure]
    regional_demand: list[RegionalOnset]
    repurchase_by_category: list[CategoryRepurchase]
    strategies: list[StoreTypeStrategy]


def _onsets(rows: list[object]) -> list[RegionalOnset]:
    by: dict[str, dict[str, dict[date, int]]] = {}
    for r in rows:
        by.setdefault(r.category, {}).setdefault(r.region, {})[r.month] = int(r.units)  # type: ignore[attr-defined]
    out = []
    for category, regions in sorted(by.items()):
        starts = {}
        for region, months in regions.items():
            peak = max(months.values())
            if peak <= 0:
                continue
            starts[region] = (min(m for m, u in months.items() if u >= ONSET_SHARE * peak), peak)
        if not starts:
            continue
        leader, (lead_month, _) = min(starts.items(), key=lambda kv: (kv[1][0], kv[0]))
        for region, (month, peak) in sorted(starts.items(), key=lambda kv: (kv[1][0], kv[0])):
            lag = (month - lead_month).days
            if region == leader:
                text_ = f"{region} sells {category} from {month:%Y-%m} (first of the regions)"
            else:
                text_ = (
                    f"{leader} sells {category} from {lead_month:%Y-%m}, {region} from "
                    f"{month:%Y-%m}, {lag} days later: stock {region} when {leader}'s season "
                    f"starts"
                )
            out.append(RegionalOnset(category, region, month, peak, lag, text_))
    return out


def _strategies(rows: list[object]) -> list[StoreTypeStrategy]:
    mix: dict[str, dict[str, int]] = {}
    for r in rows:
        mix.setdefault(r.type, {})[r.category] = int(r.revenue)  # type: ignore[attr-defined]
    chain: dict[str, int] = {}
    for categories in mix.values():
        for category, revenue in categories.items():
            chain[category] = chain.get(category, 0) + revenue
    chain_total = sum(chain.values())
    out = []
    for store_type, categories in sorted(mix.items()):
        total = sum(categories.values())
        if not total or not chain_total:
            continue
        shares = {c: v / total for c, v in categories.items()}
        index = {c: shares[c] / (chain[c] / chain_total) for c in shares if chain[c]}
        category = max(index, key=lambda c: (index[c], c))
        share, chain_share = shares[category], chain[category] / chain_total
        advice = (
            "give it more facings and the first promotions"
            if index[category] >= OVER_INDEX
            else "no category stands out: keep the chain's range"
        )
        out.append(
            StoreTypeStrategy(
                store_type,
                category,
                share,
                chain_share,
                f"{store_type}: {category} is {share:.1%} of takings against {chain_share:.1%} "
                f"across these stores: {advice}",
            )
        )
    return out


async def product_insights(
    session: AsyncSession,
    actor: Actor | None,
    *,
    first_day: date,
    last_day: date,
    store_code: str | None = None,
    region_code: str | None = None,
) -> ProductInsights:
    actor = require(actor, Permission.VIEW_SALES)
    _check_period(first_day, last_day)
    if store_code is not None and region_code is not None:
        raise InvalidInput(
            "storeCode: give storeCode or regionCode, not both", argument="storeCode"
        )
    store_ids = await _store_ids(session, actor, store_code, region_code)
    length = (last_day - first_day).days + 1
    args = {
        "store_ids": store_ids,
        "first": first_day,
        "last": last_day,
        "before": first_day - timedelta(days=length),
        "year_ago": (last_day - timedelta(days=365)).replace(day=1),
    }
    rows = list(await session.execute(_BY_SKU, args))
    skus = [
        SkuFigure(r.sku, r.name, r.category, int(r.units), int(r.revenue), int(r.units_before))
        for r in rows
    ]
    seasonal = {r.sku for r in rows if r.seasonal}
    best = sorted(skus, key=lambda s: (-s.units, s.sku))[:TOP]
    hits = sorted(
        (s for s in skus if s.sku in seasonal and s.units >= SEASONAL_MIN_UNITS),
        key=lambda s: (-(s.units / max(s.units_before, 1)), s.sku),
    )[:TOP]
    repurchase = [
        CategoryRepurchase(
            r.category,
            int(r.buyers),
            int(r.repeaters),
            int(r.repeaters) / int(r.buyers) if r.buyers else None,
        )
        for r in await session.execute(_REPURCHASE, args)
    ]
    return ProductInsights(
        best_sellers=[s for s in best if s.units > 0],
        seasonal_hits=hits,
        regional_demand=_onsets(list(await session.execute(_REGION_MONTHS, args))),
        repurchase_by_category=repurchase,
        strategies=_strategies(list(await session.execute(_MIX, args))),
    )
