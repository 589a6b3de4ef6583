"""The worker's forecasting job: forecasts and days-of-cover warnings for every store x SKU that
sold in the history window, a bounded slice per run.

A run takes the series after the one `forecast_progress` names, in (store, SKU) order, in
batches; it stops after `max_series` series or once `max_seconds` have passed (checked between
batches), saves where it stopped and commits with the worker's transaction, so the next run
resumes there; at the end of the list the next pass starts from the first series again. Each
batch replaces its series' forecasts and warnings, so a rerun of the same slice is harmless.
The weather sensitivity of each category is estimated at the start of each run from the
stores' category totals (one aggregate statement), pooled over stores.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.forecasting import model
from api.domain.forecasting.cover import cover
from api.domain.forecasting.series import (
    Batch,
    ForecastConfig,
    SeriesKey,
    Window,
    heat,
    load_batch,
    next_series,
    series_inputs,
)
from api.domain.forecasting.weather import WeatherAdapter, recorded_temperatures

JOB = "demand_forecast"
BATCH = 200


@dataclass(frozen=True)
class ForecastRun:
    series: int  # forecast this run
    warnings: int  # cover warnings among them
    pass_completed: bool  # the run reached the last series (the next starts over)
    weather_betas: dict[str, float]


_CATEGORY_DAYS = text(
    """
    SELECT d.store_id, p.category, d.day, sum(d.units) AS units
      FROM sales_daily d JOIN product p ON p.id = d.product_id
     WHERE p.category = ANY(CAST(:categories AS text[])) AND d.day >= :since AND d.day < :today
     GROUP BY d.store_id, p.category, d.day
    """
)


async def estimate_betas(
    session: AsyncSession, window: Window, config: ForecastConfig
) -> dict[str, float]:
    """Uplift per hot degree for each weather-sensitive category, from the history."""
    categories = sorted(config.weather_categories)
    totals: dict[tuple[int, str], dict[date, float]] = {}
    for r in await session.execute(
        _CATEGORY_DAYS, {"categories": categories, "since": window.since, "today": window.today}
    ):
        totals.setdefault((r.store_id, r.category), {})[r.day] = float(r.units)
    temps = await recorded_temperatures(
        session, sorted({k[0] for k in totals}), window.since, window.today - timedelta(days=1)
    )
    betas = {}
    for category in categories:
        series = []
        for (store_id, cat), days in totals.items():
            if cat != category:
                continue
            first = min(days)
            count = (window.today - first).days
            units = np.zeros(count)
            for day, value in days.items():
                units[(day - first).days] = value
            hot = heat(temps.get(store_id, {}), first, count, config.hot_from_c)
            series.append(model.SeriesHistory(first, units, hot, np.zeros(count, dtype=bool)))
        betas[category] = model.estimate_weather_beta(series)
    return betas


_DELETE = text(
    """
    DELETE FROM {table} t USING unnest(CAST(:store_ids AS int[]), CAST(:product_ids AS bigint[]))
        AS k(s, p)
     WHERE t.store_id = k.s AND t.product_id = k.p
    """
)

_INSERT_FORECASTS = text(
    """
    INSERT INTO demand_forecast (store_id, product_id, day, units, weather_factor)
    SELECT * FROM unnest(CAST(:s AS int[]), CAST(:p AS bigint[]), CAST(:d AS date[]),
                         CAST(:u AS float8[]), CAST(:w AS float8[]))
    """
)

_INSERT_WARNINGS = text(
    """
    INSERT INTO cover_warning (store_id, product_id, on_hand, in_transit, daily_demand,
                               days_of_cover, needed_days, suggested_quantity, target_units,
                               hot_days, first_day)
    SELECT *, CAST(:first_day AS date) FROM unnest(
        CAST(:s AS int[]), CAST(:p AS bigint[]), CAST(:on_hand AS int[]),
        CAST(:in_transit AS int[]), CAST(:demand AS float8[]), CAST(:cover AS float8[]),
        CAST(:needed AS int[]), CAST(:suggested AS int[]), CAST(:target AS int[]),
        CAST(:hot AS int[]))
    """
)


async def _forecast_batch(
    session: AsyncSession,
    batch: Batch,
    window: Window,
    config: ForecastConfig,
    adapter: WeatherAdapter,
    betas: dict[str, float],
) -> int:
    """Forecast and write one batch; the number of cover warnings it raised."""
    future = await adapter.max_temperatures(
        session, list(batch.stores.values()), window.today, window.last
    )
    needed = config.lead_time_days + config.safety_days
    f: dict[str, list[object]] = {k: [] for k in "spduw"}
    w: dict[str, list[object]] = {
        k: [] for k in ("s", "p", "on_hand", "in_transit", "demand", "cover", "needed",
                        "suggested", "target", "hot")
    }  # fmt: skip
    for key in batch.keys:
        history, signals = series_inputs(batch, key, window, future, config.hot_from_c)
        params = model.Params(
            weather_beta=betas.get(batch.categories.get(key[1], ""), 0.0),
            weekday_prior=batch.store_weekday.get(key[0]),
            promotion_uplift=config.promotion_uplift,
        )
        result = model.forecast(history, signals, params)
        for h in range(window.horizon_days):
            f["s"].append(key[0])
            f["p"].append(key[1])
            f["d"].append(window.today + timedelta(days=h))
            f["u"].append(float(result.units[h]))
            f["w"].append(float(result.weather_factor[h]))
        on_hand, in_transit = batch.stock.get(key, (0, 0))
        c = cover(
            on_hand, in_transit, result.units, needed_days=needed,
            cycle_days=config.order_cycle_days,
        )  # fmt: skip
        if c.warn:
            for name, value in (
                ("s", key[0]), ("p", key[1]), ("on_hand", on_hand), ("in_transit", in_transit),
                ("demand", c.daily_demand), ("cover", c.days), ("needed", needed),
                ("suggested", c.suggested_quantity), ("target", c.target_units),
                ("hot", int((result.weather_factor > 1.0).sum())),
            ):  # fmt: skip
                w[name].append(value)
    keys = {"store_ids": [k[0] for k in batch.keys], "product_ids": [k[1] for k in batch.keys]}
    await session.execute(text(_DELETE.text.format(table="demand_forecast")), keys)
    await session.execute(text(_DELETE.text.format(table="cover_warning")), keys)
    await session.execute(_INSERT_FORECASTS, f)
    if w["s"]:
        await session.execute(_INSERT_WARNINGS, {**w, "first_day": window.today})
    return len(w["s"])


_PROGRESS = text(
    """
    INSERT INTO forecast_progress (job, last_store_id, last_product_id, passes)
    VALUES (:job, 0, 0, 0)
    ON CONFLICT (job) DO UPDATE SET job = EXCLUDED.job
    RETURNING last_store_id, last_product_id, passes
    """
)

_SAVE = text(
    "UPDATE forecast_progress SET last_store_id = :s, last_product_id = :p, passes = :passes,"
    " updated_at = now() WHERE job = :job"
)


async def run_forecasts(
    session: AsyncSession,
    config: ForecastConfig,
    adapter: WeatherAdapter,
    *,
    today: date,
    max_series: int,
    max_seconds: float,
    clock: Callable[[], float] = time.monotonic,
    batch_size: int = BATCH,
) -> ForecastRun:
    """One bounded run of the job, in the caller's transaction (the worker's)."""
    started = clock()
    window = Window(today, config.history_days, config.horizon_days)
    progress = (await session.execute(_PROGRESS, {"job": JOB})).one()
    after: SeriesKey = (progress.last_store_id, progress.last_product_id)
    passes = progress.passes
    betas = await estimate_betas(session, window, config)
    done = warnings = 0
    completed = False
    while done < max_series and clock() - started < max_seconds:
        want = min(batch_size, max_series - done)
        keys: Sequence[SeriesKey] = await next_series(session, window, after, want)
        if keys:
            batch = await load_batch(session, window, keys)
            warnings += await _forecast_batch(session, batch, window, config, adapter, betas)
            done += len(keys)
            after = keys[-1]
        if len(keys) < want:
            completed, after, passes = True, (0, 0), passes + 1
            await session.execute(text("DELETE FROM demand_forecast WHERE day < :t"), {"t": today})
            break
    await session.execute(_SAVE, {"s": after[0], "p": after[1], "passes": passes, "job": JOB})
    return ForecastRun(done, warnings, completed, betas)
