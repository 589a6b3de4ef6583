"""The chain's KPIs per store-local calendar month, for a store, a region or the caller's scope,
each with its baseline (its value before go-live) and its trend (the change on the month before).

Read from the rollups in one statement: the sales figures from the clerks' months (a store's
month is a handful of rows), repurchase from the members' months, and complaint handling from
the complaint rows (a small table). Every figure is a ratio of sums, so a region's value is
its stores' totals divided, never an average of their averages.

- average ticket: takings (line totals after discounts) over receipts
- items per basket: units over receipts
- customers served per staff hour: receipts over hours on duty (ended shifts, by the month
  they started in)
- member repurchase rate: of the members who bought in the month (at the stores asked
  about), the share who bought at least twice
- stock-outs: sales that took a SKU's recorded balance from above zero to zero or below
- complaint handling time: hours from filing to resolution, of complaints resolved that month
- promotion redemption rate: the share of receipts with a line a promotion discounted
- customers served per staff: receipts per clerk who sold or worked a shift that month
- inventory turnover days: the SKUs' closing stock (the balance after each SKU's last sale of
  the month: the clerks' months add up to it, see ClerkMonthly.closing_stock_change) over
  the month's units sold per day (the running month: per day so far)
- replenishment on-time rate: of the replenishment orders received that month, the share
  received within REPLENISHMENT_LEAD_HOURS of their approval
- NPS: promoters (9-10) minus detractors (0-6), per cent of the month's survey answers
  (api/domain/analytics/surveys.py; a small table, read directly)

The baseline is the figure over the BASELINE_MONTHS whole months before the go-live date's
month (stock-outs: their monthly average); without a go-live date there is none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_region, authorize_store, require
from api.domain.errors import InvalidInput
from db.models import Store

MAX_MONTHS = 24
BASELINE_MONTHS = 3
REPLENISHMENT_LEAD_HOURS = 48  # an order received this long after approval is on time

_FIGURES = text(
    """
    WITH months AS (
      SELECT CAST(m AS date) AS month,
             -- Days with sales so far: the month's, or up to today for the running month.
             LEAST(CAST(extract(day FROM m + interval '1 month' - interval '1 day') AS int),
                   GREATEST(0, CAST(:today AS date) - CAST(m AS date) + 1)) AS days
        FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 month') m
    ), traffic AS (
      SELECT month, sum(transactions) AS transactions, sum(units) AS units,
             sum(revenue_cents) AS revenue, sum(stockouts) AS stockouts,
             sum(shift_seconds) AS staff_seconds, sum(promoted_transactions) AS promoted,
             count(*) FILTER (WHERE transactions > 0 OR shifts > 0) AS staff_months,
             sum(closing_stock_change) AS closing_stock
        FROM clerk_monthly
       WHERE store_id = ANY(CAST(:store_ids AS int[])) AND month BETWEEN :first AND :last
       GROUP BY month
    ), buyers AS (
      SELECT month, count(*) AS buyers, count(*) FILTER (WHERE purchases >= 2) AS repeaters
        FROM (SELECT month, member_id, sum(transactions) AS purchases
                FROM member_monthly
               WHERE store_id = ANY(CAST(:store_ids AS int[])) AND month BETWEEN :first AND :last
               GROUP BY month, member_id) per_member
       GROUP BY month
    ), handled AS (
      SELECT month, count(*) AS resolved, sum(seconds) AS handling_seconds
        FROM (SELECT CAST(date_trunc('month', c.resolved_at AT TIME ZONE s.time_zone) AS date)
                       AS month,
                     extract(epoch FROM c.resolved_at - c.filed_at) AS seconds
                FROM complaint c JOIN store s ON s.id = c.store_id
               WHERE c.store_id = ANY(CAST(:store_ids AS int[])) AND c.resolved_at IS NOT NULL
                 AND c.resolved_at >= CAST(:first AS date) - interval '1 day'
                 AND c.resolved_at < CAST(:last AS date) + interval '1 month 1 day') r
       WHERE month BETWEEN :first AND :last
       GROUP BY month
    ), replenished AS (
      SELECT month, count(*) AS received, count(*) FILTER (WHERE on_time) AS on_time
        FROM (SELECT CAST(date_trunc('month', o.received_at AT TIME ZONE s.time_zone) AS date)
                       AS month,
                     o.received_at <= o.approved_at + make_interval(hours => :lead_hours)
                       AS on_time
                FROM replenishment_order o JOIN store s ON s.id = o.store_id
               WHERE o.store_id = ANY(CAST(:store_ids AS int[])) AND o.received_at IS NOT NULL
                 AND o.approved_at IS NOT NULL
                 AND o.received_at >= CAST(:first AS date) - interval '1 day'
                 AND o.received_at < CAST(:last AS date) + interval '1 month 1 day') r
       WHERE month BETWEEN :first AND :last
       GROUP BY month
    ), surveyed AS (
      SELECT month, count(*) AS answers,
             count(*) FILTER (WHERE score >= 9) AS promoters,
             count(*) FILTER (WHERE score <= 6) AS detractors
        FROM (SELECT CAST(date_trunc('month', a.answered_at AT TIME ZONE s.time_zone) AS date)
                       AS month, a.score
                FROM survey_answer a JOIN store s ON s.id = a.store_id
               WHERE a.store_id = ANY(CAST(:store_ids AS int[]))
                 AND a.answered_at >= CAST(:first AS date) - interval '1 day'
                 AND a.answered_at < CAST(:last AS date) + interval '1 month 1 day') v
       WHERE month BETWEEN :first AND :last
       GROUP BY month
    )
    SELECT months.month, months.days,
           coalesce(t.transactions, 0) AS transactions, coalesce(t.units, 0) AS units,
           coalesce(t.revenue, 0) AS revenue, coalesce(t.stockouts, 0) AS stockouts,
           coalesce(t.staff_seconds, 0) AS staff_seconds,
           coalesce(b.buyers, 0) AS buyers, coalesce(b.repeaters, 0) AS repeaters,
           coalesce(h.resolved, 0) AS resolved, coalesce(h.handling_seconds, 0) AS handling_seconds,
           coalesce(t.promoted, 0) AS promoted, coalesce(t.staff_months, 0) AS staff_months,
           coalesce(t.closing_stock, 0) AS closing_stock,
           coalesce(r.received, 0) AS replenishments, coalesce(r.on_time, 0) AS on_time,
           coalesce(v.answers, 0) AS answers, coalesce(v.promoters, 0) AS promoters,
           coalesce(v.detractors, 0) AS detractors
      FROM months
      LEFT JOIN traffic t USING (month)
      LEFT JOIN buyers b USING (month)
      LEFT JOIN handled h USING (month)
      LEFT JOIN replenished r USING (month)
      LEFT JOIN surveyed v USING (month)
     ORDER BY months.month
    """
)


@dataclass(frozen=True)
class Totals:
    """The sums a month's KPIs are ratios of; adding two gives the KPIs of both together."""

    transactions: int = 0
    units: int = 0
    revenue: int = 0
    stockouts: int = 0
    staff_seconds: int = 0
    buyers: int = 0
    repeaters: int = 0
    resolved: int = 0
    handling_seconds: float = 0.0
    days: int = 0
    promoted: int = 0
    staff_months: int = 0
    closing_stock: int = 0
    replenishments: int = 0
    on_time: int = 0
    answers: int = 0
    promoters: int = 0
    detractors: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


# Each KPI from totals over `months` months (only stock-outs are a count, so per month).
KPIS: dict[str, Callable[[Totals, int], float | None]] = {
    "average_ticket_cents": lambda t, n: _ratio(t.revenue, t.transactions),
    "items_per_basket": lambda t, n: _ratio(t.units, t.transactions),
    "customers_per_staff_hour": lambda t, n: _ratio(t.transactions, t.staff_seconds / 3600),
    "member_repurchase_rate": lambda t, n: _ratio(t.repeaters, t.buyers),
    "stock_outs": lambda t, n: _ratio(t.stockouts, n),
    "complaint_handling_hours": lambda t, n: _ratio(t.handling_seconds / 3600, t.resolved),
    "promotion_redemption_rate": lambda t, n: _ratio(t.promoted, t.transactions),
    "customers_per_staff": lambda t, n: _ratio(t.transactions, t.staff_months),
    # Average closing stock over units sold per day.
    "inventory_turnover_days": lambda t, n: (
        _ratio(t.closing_stock / n, t.units / t.days) if t.days else None
    ),
    "replenishment_on_time_rate": lambda t, n: _ratio(t.on_time, t.replenishments),
    "nps": lambda t, n: _ratio(100 * (t.promoters - t.detractors), t.answers),
}


@dataclass(frozen=True)
class Figure:
    value: float | None
    baseline: float | None  # the value before go-live
    trend: float | None  # value minus the month before's value


@dataclass(frozen=True)
class KpiMonth:
    month: date  # its first day
    totals: Totals
    figures: dict[str, Figure]


@dataclass(frozen=True)
class KpiReport:
    first_month: date
    last_month: date
    store_count: int
    go_live: date | None
    baseline_first_month: date | None
    baseline_last_month: date | None
    months: list[KpiMonth]


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _check(
    first_day: date, last_day: date, store_code: str | None, region_code: str | None
) -> None:
    problems = []
    if last_day < first_day:
        problems.append("to: on or after from")
    elif add_months(first_day.replace(day=1), MAX_MONTHS) <= last_day:
        problems.append(f"to: at most {MAX_MONTHS} months after from")
    if store_code is not None and region_code is not None:
        problems.append("storeCode: give storeCode or regionCode, not both")
    if problems:
        raise InvalidInput.listing(problems)


async def _store_ids(
    session: AsyncSession, actor: Actor, store_code: str | None, region_code: str | None
) -> list[int]:
    """The stores asked about, through the scope: one store, a whole region, or all in scope."""
    if store_code is not None:
        return [(await authorize_store(session, actor, store_code, Permission.VIEW_SALES)).id]
    stmt = select(Store.id).where(actor.scope.where(Store.id))
    if region_code is not None:
        region_id = await authorize_region(session, actor, region_code, Permission.VIEW_SALES)
        stmt = stmt.where(Store.region_id == region_id)
    return list((await session.scalars(stmt.order_by(Store.id))).all())


async def _totals(
    session: AsyncSession, store_ids: list[int], first: date, last: date, today: date
) -> dict[date, Totals]:
    rows = await session.execute(
        _FIGURES,
        {
            "store_ids": store_ids,
            "first": first,
            "last": last,
            "today": today,
            "lead_hours": REPLENISHMENT_LEAD_HOURS,
        },
    )
    out: dict[date, Totals] = {}
    for row in rows:
        values: dict[str, Any] = dict(row._mapping)
        month = values.pop("month")
        values["handling_seconds"] = float(values["handling_seconds"])
        out[month] = Totals(
            **{k: v if k == "handling_seconds" else int(v) for k, v in values.items()}
        )
    return out


def _trend(value: float | None, before: float | None) -> float | None:
    return None if value is None or before is None else value - before


async def kpis(
    session: AsyncSession,
    actor: Actor | None,
    *,
    first_day: date,
    last_day: date,
    store_code: str | None = None,
    region_code: str | None = None,
    go_live: date | None = None,
    today: date | None = None,
) -> KpiReport:
    """Monthly KPIs over the store-local months that [first_day, last_day] touches; the
    running month (`today`'s, default the UTC date) counts its days so far."""
    actor = require(actor, Permission.VIEW_SALES)
    _check(first_day, last_day, store_code, region_code)
    store_ids = await _store_ids(session, actor, store_code, region_code)
    first, last = first_day.replace(day=1), last_day.replace(day=1)
    reach = add_months(first, -1)  # the month before the first, for its trend
    baseline_first = baseline_last = None
    if go_live is not None:
        baseline_first = add_months(go_live.replace(day=1), -BASELINE_MONTHS)
        baseline_last = add_months(go_live.replace(day=1), -1)
        reach = min(reach, baseline_first)
    totals = await _totals(
        session,
        store_ids,
        reach,
        max(last, baseline_last or last),
        today or datetime.now(UTC).date(),
    )
    baseline: dict[str, float | None] = dict.fromkeys(KPIS)
    if baseline_first is not None and baseline_last is not None:
        window = [add_months(baseline_first, i) for i in range(BASELINE_MONTHS)]
        summed = sum((totals[m] for m in window), Totals())
        baseline = {name: kpi(summed, BASELINE_MONTHS) for name, kpi in KPIS.items()}
    months = []
    month = first
    while month <= last:
        now, before = totals[month], totals[add_months(month, -1)]
        figures = {}
        for name, kpi in KPIS.items():
            value = kpi(now, 1)
            figures[name] = Figure(value, baseline[name], _trend(value, kpi(before, 1)))
        months.append(KpiMonth(month=month, totals=now, figures=figures))
        month = add_months(month, 1)
    return KpiReport(
        first_month=first,
        last_month=last,
        store_count=len(store_ids),
        go_live=go_live,
        baseline_first_month=baseline_first,
        baseline_last_month=baseline_last,
        months=months,
    )
