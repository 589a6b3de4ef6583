"""Store operations and staff performance from the rollups: a store's traffic by store-local
weekday and hour, and its clerks' month ranked by takings.

Both read only rollup rows (store_hourly, clerk_monthly), scoped like every other figure: a
store through `authorize_store`, several through the caller's StoreScope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_region, authorize_store, require
from api.domain.errors import InvalidInput
from api.domain.pagination import Page, keyset_page
from db.models import ClerkMonthly, Staff, Store

MAX_PERIOD_DAYS = 366
LATE_MINUTES = 15

# Ratings and attendance of the page's clerk months: survey answers and shifts are small
# tables next to the sales, read for the clerks on the page only.
_EXTRAS = text(
    """
    WITH pairs AS (
      SELECT * FROM unnest(CAST(:stores AS int[]), CAST(:staff AS int[])) AS p(store_id, staff_id)
    ), rated AS (
      SELECT a.store_id, a.clerk_id AS staff_id, count(*) AS ratings, sum(a.score) AS points
        FROM survey_answer a JOIN store s ON s.id = a.store_id
        JOIN pairs p ON p.store_id = a.store_id AND p.staff_id = a.clerk_id
       WHERE CAST(date_trunc('month', a.answered_at AT TIME ZONE s.time_zone) AS date) = :month
       GROUP BY 1, 2
    ), duty AS (
      SELECT sh.store_id, sh.clerk_id AS staff_id,
             count(DISTINCT CAST(sh.started_at AT TIME ZONE s.time_zone AS date)) AS days,
             count(*) FILTER (WHERE sh.started_at > sh.window_start
                                    + make_interval(mins => :late)) AS late
        FROM shift sh JOIN store s ON s.id = sh.store_id
        JOIN pairs p ON p.store_id = sh.store_id AND p.staff_id = sh.clerk_id
       WHERE CAST(date_trunc('month', sh.started_at AT TIME ZONE s.time_zone) AS date) = :month
       GROUP BY 1, 2
    )
    SELECT p.store_id, p.staff_id, coalesce(r.ratings, 0) AS ratings,
           coalesce(r.points, 0) AS points, coalesce(d.days, 0) AS days,
           coalesce(d.late, 0) AS late
      FROM pairs p LEFT JOIN rated r USING (store_id, staff_id)
      LEFT JOIN duty d USING (store_id, staff_id)
    """
)

_HEATMAP = text(
    """
    SELECT CAST(extract(isodow FROM day) AS int) AS weekday, hour, sum(transactions) AS receipts,
           sum(units) AS units, sum(revenue_cents) AS revenue
      FROM store_hourly
     WHERE store_id = :store_id AND day BETWEEN :first AND :last
     GROUP BY 1, 2
    """
)


@dataclass(frozen=True)
class TrafficCell:
    weekday: int  # ISO: 1 Monday .. 7 Sunday
    hour: int  # store-local, 0..23
    receipts: int
    receipts_per_day: float  # over the period's days of that weekday
    units: int
    revenue_cents: int


def _check_period(first_day: date, last_day: date) -> None:
    if not first_day <= last_day <= first_day + timedelta(days=MAX_PERIOD_DAYS - 1):
        raise InvalidInput(
            f"to: on or after from, and at most {MAX_PERIOD_DAYS} days in all.", argument="to"
        )


def _weekdays(first_day: date, last_day: date) -> dict[int, int]:
    """How many of each ISO weekday the period holds."""
    counts = dict.fromkeys(range(1, 8), 0)
    day = first_day
    while day <= last_day:
        counts[day.isoweekday()] += 1
        day += timedelta(days=1)
    return counts


async def traffic_heatmap(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str,
    first_day: date,
    last_day: date,
) -> list[TrafficCell]:
    """All 168 weekday x hour cells of a store over store-local dates first..last inclusive."""
    _check_period(first_day, last_day)
    store = await authorize_store(session, actor, store_code, Permission.VIEW_SALES)
    found = {
        (r.weekday, r.hour): r
        for r in await session.execute(
            _HEATMAP, {"store_id": store.id, "first": first_day, "last": last_day}
        )
    }
    days = _weekdays(first_day, last_day)
    cells = []
    for weekday in range(1, 8):
        for hour in range(24):
            r = found.get((weekday, hour))
            receipts = int(r.receipts) if r else 0
            cells.append(
                TrafficCell(
                    weekday=weekday,
                    hour=hour,
                    receipts=receipts,
                    receipts_per_day=receipts / days[weekday] if days[weekday] else 0.0,
                    units=int(r.units) if r else 0,
                    revenue_cents=int(r.revenue) if r else 0,
                )
            )
    return cells


@dataclass(frozen=True)
class ClerkMonth:
    staff: Staff
    store: Store
    receipts: int
    units: int
    revenue_cents: int
    members_enrolled: int
    shifts: int
    hours_on_duty: float
    # From the month's survey answers about this clerk's receipts, and the shifts they started.
    ratings: int = 0
    rating_points: int = 0
    days_on_duty: int = 0
    late_starts: int = 0  # shifts started more than LATE_MINUTES after their window opened

    @property
    def average_rating(self) -> float | None:
        return self.rating_points / self.ratings if self.ratings else None

    @property
    def average_ticket_cents(self) -> float | None:
        return self.revenue_cents / self.receipts if self.receipts else None

    @property
    def receipts_per_hour(self) -> float | None:
        return self.receipts / self.hours_on_duty if self.hours_on_duty else None

    @property
    def enrolment_rate(self) -> float | None:
        """Members enrolled per receipt served: the sign-up conversion."""
        return self.members_enrolled / self.receipts if self.receipts else None


async def staff_ranking(
    session: AsyncSession,
    actor: Actor | None,
    *,
    month: date,
    store_code: str | None = None,
    region_code: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Page[ClerkMonth]:
    """Each clerk's store-local month at the stores asked about, highest takings first."""
    actor = require(actor, Permission.VIEW_SALES)
    if store_code is not None and region_code is not None:
        raise InvalidInput(
            "storeCode: give storeCode or regionCode, not both", argument="storeCode"
        )
    c = ClerkMonthly
    totals: Select[Any] = select(  # type: ignore[assignment]
        c.store_id,
        c.staff_id,
        func.sum(c.transactions).label("receipts"),
        func.sum(c.units).label("units"),
        func.sum(c.revenue_cents).label("revenue"),
        func.sum(c.members_enrolled).label("enrolled"),
        func.sum(c.shifts).label("shifts"),
        func.sum(c.shift_seconds).label("seconds"),
    ).where(c.month == month.replace(day=1), actor.scope.where(c.store_id))
    if store_code is not None:
        store = await authorize_store(session, actor, store_code, Permission.VIEW_SALES)
        totals = totals.where(c.store_id == store.id)
    if region_code is not None:
        region_id = await authorize_region(session, actor, region_code, Permission.VIEW_SALES)
        totals = totals.where(c.store_id.in_(select(Store.id).where(Store.region_id == region_id)))
    t = totals.group_by(c.store_id, c.staff_id).subquery()
    # Highest takings first, as an ascending key: minus the takings, then the staff id.
    rank = (-t.c.revenue).label("rank")
    stmt = (
        select(t, rank, Staff, Store)
        .join(Staff, Staff.id == t.c.staff_id)
        .join(Store, Store.id == t.c.store_id)
    )
    page = await keyset_page(
        session,
        stmt,
        kind="staffRanking",
        key_columns=[rank, t.c.store_id, t.c.staff_id],
        key_of=lambda r: [int(r.rank), r.store_id, r.staff_id],
        first=first,
        after=after,
        scalars=False,
    )

    pairs = [(r.store_id, r.staff_id) for _, r in page.items]
    extras = {}
    if pairs:
        extras = {
            (e.store_id, e.staff_id): e
            for e in await session.execute(
                _EXTRAS,
                {
                    "stores": [p[0] for p in pairs],
                    "staff": [p[1] for p in pairs],
                    "month": month.replace(day=1),
                    "late": LATE_MINUTES,
                },
            )
        }

    def clerk_month(r: Any) -> ClerkMonth:
        e = extras[(r.store_id, r.staff_id)]
        return ClerkMonth(
            staff=r.Staff,
            store=r.Store,
            receipts=int(r.receipts),
            units=int(r.units),
            revenue_cents=int(r.revenue),
            members_enrolled=int(r.enrolled),
            shifts=int(r.shifts),
            hours_on_duty=int(r.seconds) / 3600,
            ratings=int(e.ratings),
            rating_points=int(e.points),
            days_on_duty=int(e.days),
            late_starts=int(e.late),
        )

    return Page(
        items=[(cursor, clerk_month(r)) for cursor, r in page.items],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )
