"""A store's operations over store-local dates: average ticket, items per basket, service time,
traffic per clerk on shift with staffing suggestions at its peaks, and membership sign-up
conversion against the chain average. Every suggestion carries the numbers behind it.

Receipts come from the store's hours (store_hourly); time on duty from its ended shifts (a
shift counts in each store-local hour it covers, wholly or in part); sign-ups from the members
enrolled there. The chain average is the whole chain's sign-ups over its receipts in the same
dates (one figure, no store's own numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_store
from api.domain.analytics.operations import _check_period, _weekdays

PEAKS = 3
# A peak is understaffed when each clerk there serves this much more than the period's rate.
BUSY_FACTOR = 1.5
# Sign-ups below this share of the chain's conversion: coach the store.
COACH_BELOW = 0.5
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_TRAFFIC = text(
    """
    SELECT CAST(extract(isodow FROM day) AS int) AS weekday, hour, sum(transactions) AS receipts,
           sum(units) AS units, sum(revenue_cents) AS revenue
      FROM store_hourly
     WHERE store_id = :store AND day BETWEEN :first AND :last
     GROUP BY 1, 2
    """
)
_ON_SHIFT = text(
    """
    SELECT CAST(extract(isodow FROM h) AS int) AS weekday,
           CAST(extract(hour FROM h) AS int) AS hour, count(*) AS clerk_hours
      FROM shift sh JOIN store s ON s.id = sh.store_id
     CROSS JOIN LATERAL generate_series(
             date_trunc('hour', sh.started_at AT TIME ZONE s.time_zone),
             (sh.ended_at AT TIME ZONE s.time_zone) - interval '1 microsecond',
             interval '1 hour') AS h
     WHERE sh.store_id = :store AND sh.ended_at IS NOT NULL
       AND CAST(h AS date) BETWEEN :first AND :last
     GROUP BY 1, 2
    """
)
_DUTY = text(
    """
    SELECT coalesce(sum(extract(epoch FROM sh.ended_at - sh.started_at)), 0) AS seconds
      FROM shift sh JOIN store s ON s.id = sh.store_id
     WHERE sh.store_id = :store AND sh.ended_at IS NOT NULL
       AND CAST(sh.started_at AT TIME ZONE s.time_zone AS date) BETWEEN :first AND :last
    """
)
_SIGN_UPS = text(
    """
    WITH enrolled AS (
      SELECT m.enrolled_store_id AS store_id, count(*) AS members
        FROM member m JOIN store s ON s.id = m.enrolled_store_id
       WHERE CAST(m.enrolled_at AT TIME ZONE s.time_zone AS date) BETWEEN :first AND :last
       GROUP BY 1
    ), served AS (
      SELECT store_id, sum(transactions) AS receipts
        FROM store_hourly WHERE day BETWEEN :first AND :last GROUP BY 1
    )
    SELECT coalesce(sum(e.members) FILTER (WHERE st.id = :store), 0) AS store_members,
           coalesce(sum(v.receipts) FILTER (WHERE st.id = :store), 0) AS store_receipts,
           coalesce(sum(e.members), 0) AS chain_members,
           coalesce(sum(v.receipts), 0) AS chain_receipts
      FROM store st
      LEFT JOIN enrolled e ON e.store_id = st.id
      LEFT JOIN served v ON v.store_id = st.id
    """
)


@dataclass(frozen=True)
class PeakHour:
    weekday: int
    hour: int
    receipts_per_day: float
    clerks_on_shift_per_day: float
    receipts_per_clerk_hour: float | None
    extra_clerks: int  # suggested, 0 when the peak is staffed
    suggestion: str


@dataclass(frozen=True)
class StoreOperations:
    receipts: int
    units: int
    revenue_cents: int
    average_ticket_cents: float | None
    items_per_basket: float | None
    hours_on_duty: float
    customers_per_duty_hour: float | None
    peaks: list[PeakHour]
    members_enrolled: int
    sign_up_rate: float | None  # members enrolled per receipt
    chain_sign_up_rate: float | None
    sign_up_suggestion: str | None


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def _peak(
    weekday: int, hour: int, receipts: int, clerk_hours: int, days: int, rate: float | None
) -> PeakHour:
    per_day = receipts / days if days else 0.0
    clerks = clerk_hours / days if days else 0.0
    per_clerk = _ratio(receipts, clerk_hours)
    when = f"{WEEKDAYS[weekday - 1]} {hour:02d}:00-{(hour + 1) % 24:02d}:00"
    extra = 0
    if per_clerk is None:
        extra = max(1, math.ceil(per_day / rate)) if rate else 1
        text_ = f"{when}: {per_day:.1f} receipts a day and no clerk on shift on record"
    elif rate is not None and per_clerk > BUSY_FACTOR * rate:
        extra = max(1, math.ceil(per_day / rate - clerks))
        text_ = (
            f"{when}: traffic up, {per_day:.1f} receipts a day with {clerks:.1f} clerk(s) on "
            f"shift ({per_clerk:.1f} per clerk-hour against {rate:.1f} over the period)"
        )
    else:
        text_ = (
            f"{when}: {per_day:.1f} receipts a day with {clerks:.1f} clerk(s) on shift "
            f"({per_clerk:.1f} per clerk-hour"
            + (f" against {rate:.1f} over the period" if rate is not None else "")
            + "): staffed"
        )
    if extra:
        text_ += f": put {extra} more clerk(s) on the tills"
    return PeakHour(weekday, hour, per_day, clerks, per_clerk, extra, text_)


async def store_operations(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str,
    first_day: date,
    last_day: date,
) -> StoreOperations:
    _check_period(first_day, last_day)
    store = await authorize_store(session, actor, store_code, Permission.VIEW_SALES)
    period = {"store": store.id, "first": first_day, "last": last_day}
    traffic = {(r.weekday, r.hour): r for r in await session.execute(_TRAFFIC, period)}
    on_shift = {
        (r.weekday, r.hour): int(r.clerk_hours) for r in await session.execute(_ON_SHIFT, period)
    }
    seconds = float(await session.scalar(_DUTY, period) or 0)
    sign_ups = (await session.execute(_SIGN_UPS, period)).one()
    receipts = sum(int(r.receipts) for r in traffic.values())
    units = sum(int(r.units) for r in traffic.values())
    revenue = sum(int(r.revenue) for r in traffic.values())
    hours = seconds / 3600
    rate = _ratio(receipts, hours)
    days = _weekdays(first_day, last_day)
    busiest = sorted(
        traffic.items(),
        key=lambda kv: (-(int(kv[1].receipts) / days[kv[0][0]]), kv[0]),
    )[:PEAKS]
    peaks = [
        _peak(wd, hr, int(r.receipts), on_shift.get((wd, hr), 0), days[wd], rate)
        for (wd, hr), r in busiest
    ]
    store_rate = _ratio(int(sign_ups.store_members), int(sign_ups.store_receipts))
    chain_rate = _ratio(int(sign_ups.chain_members), int(sign_ups.chain_receipts))
    advice = None
    if store_rate is not None and chain_rate:
        advice = (
            f"{store_code}: {store_rate:.1%} of receipts signed up a member against the chain's "
            f"{chain_rate:.1%}"
        )
        advice += (
            ": send a top clerk to coach" if store_rate < COACH_BELOW * chain_rate else ": on par"
        )
    return StoreOperations(
        receipts=receipts,
        units=units,
        revenue_cents=revenue,
        average_ticket_cents=_ratio(revenue, receipts),
        items_per_basket=_ratio(units, receipts),
        hours_on_duty=hours,
        customers_per_duty_hour=rate,
        peaks=peaks,
        members_enrolled=int(sign_ups.store_members),
        sign_up_rate=store_rate,
        chain_sign_up_rate=chain_rate,
        sign_up_suggestion=advice,
    )
