"""What the forecaster reads for a batch of store x SKU series: a fixed handful of statements
per batch, whatever its size (daily units from the sales_daily rollup, the stores' weekday
rhythm, recorded temperatures, promotions, stock), turned into the model's arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.forecasting.model import FloatArray, SeriesHistory, Signals, weekday_index
from api.domain.forecasting.weather import StorePlace, Temperatures, recorded_temperatures

SeriesKey = tuple[int, int]  # (store_id, product_id)


@dataclass(frozen=True)
class ForecastConfig:
    """The forecasting settings, as the domain sees them (built from api/config.py)."""

    horizon_days: int = 14
    history_days: int = 400
    lead_time_days: int = 2
    safety_days: int = 1
    order_cycle_days: int = 7
    hot_from_c: float = 25.0
    weather_categories: frozenset[str] = frozenset({"BEVERAGES", "FROZEN"})
    promotion_uplift: float = 1.3


@dataclass(frozen=True)
class Window:
    """History [since, today) and horizon [today, today + horizon_days)."""

    today: date
    history_days: int
    horizon_days: int

    @property
    def since(self) -> date:
        return self.today - timedelta(days=self.history_days)

    @property
    def last(self) -> date:
        return self.today + timedelta(days=self.horizon_days - 1)


@dataclass(frozen=True)
class Batch:
    keys: list[SeriesKey]
    stores: dict[int, StorePlace]
    categories: dict[int, str]  # product id -> category
    units: dict[SeriesKey, FloatArray]
    store_weekday: dict[int, FloatArray]
    store_first_day: dict[int, date]  # its first day with a sale: history starts there
    past_temps: Temperatures
    promoted: dict[SeriesKey, set[date]]
    stock: dict[SeriesKey, tuple[int, int]]  # on hand, in transit


_NEXT_SERIES = text(
    """
    SELECT DISTINCT store_id, product_id FROM sales_daily
     WHERE day >= :since AND day < :today AND (store_id, product_id) > (:store_id, :product_id)
     ORDER BY store_id, product_id LIMIT :n
    """
)

_UNITS = text(
    """
    SELECT d.store_id, d.product_id, d.day, d.units
      FROM unnest(CAST(:store_ids AS int[]), CAST(:product_ids AS bigint[])) AS k(s, p)
      JOIN sales_daily d ON d.store_id = k.s AND d.product_id = k.p
     WHERE d.day >= :since AND d.day < :today
    """
)

_STORE_DAYS = text(
    """
    SELECT store_id, day, sum(units) AS units FROM sales_daily
     WHERE store_id = ANY(CAST(:store_ids AS int[])) AND day >= :since AND day < :today
     GROUP BY store_id, day
    """
)

_STORES = text(
    "SELECT id, code, region_id, latitude, longitude FROM store"
    " WHERE id = ANY(CAST(:store_ids AS int[]))"
)

_CATEGORIES = text(
    "SELECT id, category FROM product WHERE id = ANY(CAST(:product_ids AS bigint[]))"
)

# A SCHEDULED promotion listing the SKU at the store, on its days (weekdays ISO, or all).
_PROMOTIONS = text(
    """
    SELECT ps.store_id, pp.product_id, p.start_date, p.end_date, p.weekdays
      FROM promotion p
      JOIN promotion_store ps ON ps.promotion_id = p.id
      JOIN promotion_product pp ON pp.promotion_id = p.id
     WHERE p.state = 'SCHEDULED' AND p.end_date >= :since AND p.start_date <= :last
       AND ps.store_id = ANY(CAST(:store_ids AS int[]))
       AND pp.product_id = ANY(CAST(:product_ids AS bigint[]))
    """
)

_STOCK = text(
    """
    SELECT l.store_id, l.product_id, l.on_hand, l.in_transit
      FROM unnest(CAST(:store_ids AS int[]), CAST(:product_ids AS bigint[])) AS k(s, p)
      JOIN stock_level l ON l.store_id = k.s AND l.product_id = k.p
    """
)


async def next_series(
    session: AsyncSession, window: Window, after: SeriesKey, limit: int
) -> list[SeriesKey]:
    """The next `limit` series with a sale in the history window, after `after`."""
    rows = await session.execute(
        _NEXT_SERIES,
        {
            "since": window.since,
            "today": window.today,
            "store_id": after[0],
            "product_id": after[1],
            "n": limit,
        },
    )
    return [(r.store_id, r.product_id) for r in rows]


def _day_array(window: Window, values: dict[date, float]) -> FloatArray:
    out = np.zeros(window.history_days)
    for day, value in values.items():
        out[(day - window.since).days] = value
    return out


async def load_batch(session: AsyncSession, window: Window, keys: Sequence[SeriesKey]) -> Batch:
    store_ids = sorted({k[0] for k in keys})
    product_ids = sorted({k[1] for k in keys})
    pairs = {"store_ids": [k[0] for k in keys], "product_ids": [k[1] for k in keys]}
    span = {"since": window.since, "today": window.today}
    stores = {
        r.id: StorePlace(r.id, r.code, r.region_id, r.latitude, r.longitude)
        for r in await session.execute(_STORES, {"store_ids": store_ids})
    }
    categories = {
        r.id: r.category for r in await session.execute(_CATEGORIES, {"product_ids": product_ids})
    }
    daily: dict[SeriesKey, dict[date, float]] = {k: {} for k in keys}
    for r in await session.execute(_UNITS, {**pairs, **span}):
        daily[(r.store_id, r.product_id)][r.day] = float(r.units)
    store_days: dict[int, dict[date, float]] = {s: {} for s in store_ids}
    for r in await session.execute(_STORE_DAYS, {"store_ids": store_ids, **span}):
        store_days[r.store_id][r.day] = float(r.units)
    store_first_day = {s: min(days, default=window.today) for s, days in store_days.items()}
    store_weekday = {
        s: _store_weekday(window, store_first_day[s], days) for s, days in store_days.items()
    }
    promoted: dict[SeriesKey, set[date]] = {}
    for r in await session.execute(
        _PROMOTIONS,
        {"store_ids": store_ids, "product_ids": product_ids, "since": window.since,
         "last": window.last},
    ):  # fmt: skip
        days = promoted.setdefault((r.store_id, r.product_id), set())
        day = max(r.start_date, window.since)
        while day <= min(r.end_date, window.last):
            if not r.weekdays or day.isoweekday() in r.weekdays:
                days.add(day)
            day += timedelta(days=1)
    stock = {
        (r.store_id, r.product_id): (r.on_hand, r.in_transit)
        for r in await session.execute(_STOCK, pairs)
    }
    past = await recorded_temperatures(
        session, store_ids, window.since, window.today - timedelta(days=1)
    )
    return Batch(
        keys=list(keys),
        stores=stores,
        categories=categories,
        units={k: _day_array(window, v) for k, v in daily.items()},
        store_weekday=store_weekday,
        store_first_day=store_first_day,
        past_temps=past,
        promoted=promoted,
        stock=stock,
    )


def _store_weekday(window: Window, first: date, days: dict[date, float]) -> FloatArray:
    """The store's weekday rhythm over all its SKUs, from its first day with a sale."""
    start = (first - window.since).days
    return weekday_index(_day_array(window, days)[start:], first, None, 0.0)


def heat(temps: dict[date, float], first: date, days: int, hot_from_c: float) -> FloatArray:
    """Degrees above the hot threshold per day (0 where no temperature is known)."""
    return np.array(
        [max(0.0, temps.get(first + timedelta(days=i), hot_from_c) - hot_from_c)
         for i in range(days)]
    )  # fmt: skip


def series_inputs(
    batch: Batch, key: SeriesKey, window: Window, future: Temperatures, hot_from_c: float
) -> tuple[SeriesHistory, Signals]:
    store_id = key[0]
    promoted = batch.promoted.get(key, set())
    first = batch.store_first_day.get(store_id, window.since)
    start, days = (first - window.since).days, (window.today - first).days
    history = SeriesHistory(
        first_day=first,
        units=batch.units[key][start:],
        heat=heat(batch.past_temps.get(store_id, {}), first, days, hot_from_c),
        promoted=np.array([first + timedelta(days=i) in promoted for i in range(days)], dtype=bool),
    )
    signals = Signals(
        heat=heat(future.get(store_id, {}), window.today, window.horizon_days, hot_from_c),
        promoted=np.array(
            [window.today + timedelta(days=i) in promoted for i in range(window.horizon_days)],
            dtype=bool,
        ),
    )
    return history, signals
