"""The demand model: a multiplicative exponential-smoothing forecast with known multipliers.

    units(t) = level(t) x weekday[t] x yearly(t) x (1 + beta x heat(t)) x promotion(t)

The level is simple exponential smoothing (ETS(A,N,N)) of the series divided by its multipliers,
its smoothing constant picked from a small grid by one-step-ahead squared error; so the whole is
ETS with multiplicative weekday seasonality and two regressors. Pure NumPy on arrays handed in:
no database, so the worker job, the tests and bench/forecast_backtest.py run the same code.

- weekday: each weekday's mean over the overall mean, shrunk toward a prior (the store's own
  weekday pattern, from all its SKUs) by `prior_strength` weeks: a SKU that sells twice a week
  borrows its store's rhythm, a fast seller keeps its own.
- yearly: with at least a year and four weeks of history, last year's ratio of the target week
  to the four weeks before the forecast's origin; otherwise 1.
- heat: degrees above the hot threshold; `beta` is estimated per category from the history by
  `estimate_weather_beta` (pooled over stores: one store's few hot days would be noise).
- promotion: the series' own promoted-day uplift when it has enough promoted days, else a prior.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5)
YEAR = 364  # 52 weeks: the same weekday a year ago
MIN_PROMOTED_DAYS = 3
MIN_HOT_DAYS = 5


@dataclass(frozen=True)
class SeriesHistory:
    """One series' days, oldest first: units sold (0 on days without a sale), degrees above the
    hot threshold, and whether a promotion ran on the SKU at the store."""

    first_day: date
    units: FloatArray
    heat: FloatArray
    promoted: BoolArray

    @property
    def next_day(self) -> date:
        return self.first_day + timedelta(days=len(self.units))


@dataclass(frozen=True)
class Signals:
    """What is known about the horizon's days: forecast heat and planned promotions."""

    heat: FloatArray
    promoted: BoolArray


@dataclass(frozen=True)
class Params:
    weather_beta: float = 0.0
    weekday_prior: FloatArray | None = None  # by date.weekday(); mean 1
    prior_strength: float = 4.0
    promotion_uplift: float = 1.3


@dataclass(frozen=True)
class Forecast:
    units: FloatArray  # per horizon day
    weather_factor: FloatArray  # per horizon day
    level: float
    weekday: FloatArray  # by date.weekday()
    yearly: FloatArray
    alpha: float
    promotion_uplift: float


def weekdays_of(first_day: date, count: int) -> npt.NDArray[np.int64]:
    return (np.arange(count) + first_day.weekday()) % 7


def weekday_index(
    values: FloatArray, first_day: date, prior: FloatArray | None, strength: float
) -> FloatArray:
    """Each weekday's mean over the overall mean (mean 1 over the week), shrunk toward `prior`
    by `strength` weeks' worth of weight."""
    base = np.ones(7) if prior is None else prior
    overall = float(values.mean()) if len(values) else 0.0
    if overall <= 0:
        return base.copy()
    days = weekdays_of(first_day, len(values))
    index = np.empty(7)
    for wd in range(7):
        own = values[days == wd]
        weeks = len(own)
        raw = float(own.mean()) / overall if weeks else base[wd]
        index[wd] = (weeks * raw + strength * base[wd]) / (weeks + strength) if weeks else base[wd]
    mean = float(index.mean())
    return index / mean if mean > 0 else np.ones(7)


def smooth_level(values: FloatArray, alphas: Sequence[float] = ALPHAS) -> tuple[float, float]:
    """Simple exponential smoothing: the final level and the alpha with the least one-step
    squared error (the first week's mean as the starting level)."""
    if len(values) == 0:
        return 0.0, alphas[0]
    start = float(values[: min(7, len(values))].mean())
    best: tuple[float, float, float] | None = None
    for alpha in alphas:
        level, sse = start, 0.0
        for value in values:
            sse += (value - level) ** 2
            level += alpha * (value - level)
        if best is None or sse < best[0]:
            best = (sse, level, alpha)
    assert best is not None
    return best[1], best[2]


def yearly_factors(units: FloatArray, horizon: int) -> FloatArray:
    """Last year's movement from the four weeks before the origin to each target week."""
    n = len(units)
    if n < YEAR + 28:
        return np.ones(horizon)
    before = units[n - YEAR - 28 : n - YEAR]
    if before.sum() < 20:  # too thin a year ago to say anything
        return np.ones(horizon)
    base = float(before.mean())
    out = np.empty(horizon)
    for h in range(horizon):
        lo, hi = n - YEAR + h - 3, min(n, n - YEAR + h + 4)
        out[h] = float(units[lo:hi].mean()) / base
    return np.clip(out, 0.25, 4.0)


def promotion_uplift(values: FloatArray, promoted: BoolArray, prior: float) -> float:
    """The promoted days' mean over the other days', when both are numerous enough."""
    on, off = values[promoted], values[~promoted]
    if len(on) < MIN_PROMOTED_DAYS or len(off) < 7 or off.mean() <= 0:
        return prior
    return float(np.clip(on.mean() / off.mean(), 1.0, 5.0))


def forecast(history: SeriesHistory, signals: Signals, params: Params) -> Forecast:
    """The horizon's daily units for one series (len(signals.heat) days after the history)."""
    horizon = len(signals.heat)
    weather_past = 1.0 + params.weather_beta * history.heat
    weather_next = 1.0 + params.weather_beta * signals.heat
    y = history.units / weather_past
    weekday = weekday_index(y, history.first_day, params.weekday_prior, params.prior_strength)
    # A weekday with index 0 is one the store is closed: left out of the level, forecast 0.
    index = weekday[weekdays_of(history.first_day, len(y))]
    open_days = index > 0
    deseasoned = y[open_days] / index[open_days]
    promoted = history.promoted[open_days]
    uplift = promotion_uplift(deseasoned, promoted, params.promotion_uplift)
    level, alpha = smooth_level(np.where(promoted, deseasoned / uplift, deseasoned))
    yearly = yearly_factors(history.units, horizon)
    promo_next = np.where(signals.promoted, uplift, 1.0)
    units = (
        level * weekday[weekdays_of(history.next_day, horizon)] * yearly * weather_next * promo_next
    )
    return Forecast(
        units=np.maximum(units, 0.0),
        weather_factor=weather_next,
        level=level,
        weekday=weekday,
        yearly=yearly,
        alpha=alpha,
        promotion_uplift=uplift,
    )


def estimate_weather_beta(series: Sequence[SeriesHistory], *, cap: float = 0.5) -> float:
    """The uplift per hot degree, pooled over series of one category (a store's category
    total is one series): each hot day's units over its series' weekday-adjusted level on
    days that were not hot, least squares through the origin. 0 with fewer than MIN_HOT_DAYS
    hot days in all, or when hot days sold no more."""
    cross = square = 0.0
    hot_days = 0
    for s in series:
        cool = s.heat <= 0
        if cool.sum() < 14 or (~cool).sum() == 0:
            continue
        days = weekdays_of(s.first_day, len(s.units))
        index = np.ones(7)
        cool_mean = float(s.units[cool].mean())
        if cool_mean <= 0:
            continue
        for wd in range(7):
            own = s.units[cool & (days == wd)]
            if len(own):
                index[wd] = float(own.mean()) / cool_mean
        expected = cool_mean * index[days]
        hot = ~cool & (expected > 0)
        ratio = s.units[hot] / expected[hot] - 1.0
        cross += float((s.heat[hot] * ratio).sum())
        square += float((s.heat[hot] ** 2).sum())
        hot_days += int(hot.sum())
    if hot_days < MIN_HOT_DAYS or square <= 0:
        return 0.0
    return float(np.clip(cross / square, 0.0, cap))
