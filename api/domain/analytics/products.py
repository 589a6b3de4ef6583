"""Products and store types over store-local dates: best sellers, seasonal hits, regional demand
with its lead time, repurchase rate by category, and a strategy suggestion per store type from
its category mix, each with the numbers behind it.

Read from the SKU months (sales_monthly) for the whole months of a period and the SKU days
(sales_daily) for the days either side of them, and the repurchase rate from the members'
categories per month (member_category_monthly: receipts with the category on them), so over the
whole store-local months the period touches, like the monthly KPIs: of the members who bought
the category in those months, the share who bought it on at least two receipts. Scoped like
every figure: one store, one region, or every store in the caller's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, require
from api.domain.analytics.kpis import _store_ids, add_months
from api.domain.analytics.operations import _check_period
from api.domain.errors import InvalidInput

TOP = 10
SEASONAL_MIN_UNITS = 10  # a hit sold at least this many units in the period
ONSET_SHARE = 0.25  # a region's season starts in its first month at this share of its peak
OVER_INDEX = 1.2  # a store type's category share this much above the chain's: lean into it


def _sku_facts(w: str) -> str:
    """The SKU rows of window `w`: its whole months from the SKU months, the days before and
    after them from the SKU days (three plain ranges, so even a generic plan of the prepared
    statement reads each through its index); `month` is each row's store-local month."""
    days = """
      SELECT store_id, product_id, CAST(date_trunc('month', day) AS date) AS month, units,
             revenue_cents
        FROM sales_daily
       WHERE store_id = ANY(CAST(:store_ids AS int[])) AND day BETWEEN :{w}_{a} AND :{w}_{b}
    """
    return f"""
      {days.format(w=w, a="first", b="head_last")}
      UNION ALL
      SELECT store_id, product_id, month, units, revenue_cents
        FROM sales_monthly
       WHERE store_id = ANY(CAST(:store_ids AS int[]))
         AND month >= :{w}_whole_first AND month < :{w}_whole_end
      UNION ALL
      {days.format(w=w, a="tail_first", b="last")}
    """  # noqa: S608 (a window's name, no input)


# Per SKU and store type: the SKU figures sum the types, the store types' category mix sums
# the SKUs (one read of the period's SKU rows for both).
_BY_SKU = text(
    f"""
    SELECT p.sku, p.name, p.category, p.seasonal, s.type,
           coalesce(sum(f.units) FILTER (WHERE f.now), 0) AS units,
           coalesce(sum(f.revenue_cents) FILTER (WHERE f.now), 0) AS revenue,
           coalesce(sum(f.units) FILTER (WHERE NOT f.now), 0) AS units_before
      FROM (SELECT true AS now, * FROM ({_sku_facts("p")}) n
            UNION ALL
            SELECT false, * FROM ({_sku_facts("b")}) b) f
      JOIN product p ON p.id = f.product_id
      JOIN store s ON s.id = f.store_id
     GROUP BY p.id, s.type
    """  # noqa: S608 (constant fragments)
)
_REGION_MONTHS = text(
    f"""
    SELECT p.category, r.code AS region, f.month, sum(f.units) AS units
      FROM ({_sku_facts("y")}) f JOIN product p ON p.id = f.product_id
      JOIN store s ON s.id = f.store_id JOIN region r ON r.id = s.region_id
     WHERE p.category IN (SELECT category FROM product WHERE seasonal)
     GROUP BY 1, 2, 3
    """  # noqa: S608 (constant fragments)
)
_REPURCHASE = text(
    """
    SELECT category, count(*) AS buyers, count(*) FILTER (WHERE purchases >= 2) AS repeaters
      FROM (SELECT category, member_id, sum(purchases) AS purchases
              FROM member_category_monthly
             WHERE store_id = ANY(CAST(:store_ids AS int[]))
               AND month BETWEEN :first_month AND :last
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
    units_before: int  # as many days (whole months: months) just before the period


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


def _strategies(mix: dict[str, dict[str, int]]) -> list[StoreTypeStrategy]:
    """From the takings per store type and category."""
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


def _before(first: date, last: date) -> date:
    """The first day of the stretch a period is compared with: as many whole months before a
    period of whole months (so it reads the SKU months), else as many days."""
    after = last + timedelta(days=1)
    if first.day == 1 and after.day == 1:
        months = (after.year - first.year) * 12 + after.month - first.month
        return add_months(first, -months)
    return first - timedelta(days=(last - first).days + 1)


def _window(name: str, first: date, last: date) -> dict[str, date]:
    """A window's whole months [whole_first, whole_end) and its days before and after them
    ([first, head_last] and [tail_first, last], empty when inverted)."""
    whole_first = first if first.day == 1 else add_months(first.replace(day=1), 1)
    after = last + timedelta(days=1)
    whole_end = max(after if after.day == 1 else last.replace(day=1), whole_first)
    return {
        f"{name}_first": first,
        f"{name}_head_last": min(whole_first - timedelta(days=1), last),
        f"{name}_whole_first": whole_first,
        f"{name}_whole_end": whole_end,
        f"{name}_tail_first": max(whole_end, first),
        f"{name}_last": last,
    }


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
    args: dict[str, object] = {
        "store_ids": store_ids,
        "first_month": first_day.replace(day=1),
        "last": last_day,
    }
    for name, first, last in (
        ("p", first_day, last_day),
        ("b", _before(first_day, last_day), first_day - timedelta(days=1)),
        ("y", (last_day - timedelta(days=365)).replace(day=1), last_day),
    ):
        args |= _window(name, first, last)
    rows = list(await session.execute(_BY_SKU, args))
    totals: dict[str, list[int]] = {}
    mix: dict[str, dict[str, int]] = {}
    for r in rows:
        total = totals.setdefault(r.sku, [0, 0, 0])
        total[0] += int(r.units)
        total[1] += int(r.revenue)
        total[2] += int(r.units_before)
        if r.revenue:  # the period's takings (a store type that sold the category)
            by_type = mix.setdefault(r.type, {})
            by_type[r.category] = by_type.get(r.category, 0) + int(r.revenue)
    names = {r.sku: (r.name, r.category) for r in rows}
    skus = [SkuFigure(sku, *names[sku], *total) for sku, total in totals.items()]
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
        strategies=_strategies(mix),
    )
