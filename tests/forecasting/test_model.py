"""The model and days of cover on constructed series whose answers can be worked by hand."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from api.domain.forecasting.cover import cover, days_of_cover
from api.domain.forecasting.model import (
    Params,
    SeriesHistory,
    Signals,
    estimate_weather_beta,
    forecast,
    yearly_factors,
)

MONDAY = date(2026, 6, 1)
# Weekdays sell 10, weekends 20: the week's mean is 90 / 7, Monday's index 10 / (90 / 7) = 7/9.
WEEK = [10.0, 10, 10, 10, 10, 20, 20]


def series(units: list[float], heat: list[float] | None = None, promoted=None) -> SeriesHistory:
    n = len(units)
    return SeriesHistory(
        first_day=MONDAY,
        units=np.array(units, dtype=float),
        heat=np.array(heat or [0.0] * n),
        promoted=np.array(promoted or [False] * n, dtype=bool),
    )


def quiet(days: int) -> Signals:
    return Signals(heat=np.zeros(days), promoted=np.zeros(days, dtype=bool))


def test_a_weekday_pattern_comes_back_exactly() -> None:
    result = forecast(series(WEEK * 4), quiet(7), Params(prior_strength=0.0))
    # Deseasonalised, every day is 90 / 7: the level; each day is that times its index.
    assert result.level == pytest.approx(90 / 7)
    assert result.weekday[0] == pytest.approx(7 / 9)
    assert result.weekday[5] == pytest.approx(14 / 9)
    assert result.units == pytest.approx(np.array(WEEK))  # the horizon starts on a Monday


def test_a_thin_series_borrows_its_store_weekday_rhythm() -> None:
    # Three weeks of a flat 6 a day, the store's weekends twice its weekdays (prior 7/9, 14/9),
    # weighed as 4 weeks against the series' own 3: Monday (3 x 1 + 4 x 7/9) / 7 = 0.8730...
    prior = np.array([7 / 9] * 5 + [14 / 9] * 2)
    result = forecast(series([6.0] * 21), quiet(7), Params(weekday_prior=prior))
    raw = np.array([(3 + 4 * p) / 7 for p in prior])
    assert result.weekday == pytest.approx(raw / raw.mean())


def test_hot_days_raise_the_forecast_by_the_estimated_factor() -> None:
    # 5% a degree: a day 10 degrees above the threshold sells 1.5 times as much.
    future = Signals(heat=np.array([10.0, 0, 4, 0, 0, 0, 0]), promoted=np.zeros(7, dtype=bool))
    result = forecast(series([10.0] * 28), future, Params(weather_beta=0.05))
    assert result.units == pytest.approx([15.0, 10, 12, 10, 10, 10, 10])
    assert result.weather_factor[0] == pytest.approx(1.5)


def test_the_weather_factor_is_estimated_back_from_hot_days_in_the_history() -> None:
    # 28 cool days at 10 and 6 hot days at 15, 10 degrees over: (15 / 10 - 1) / 10 = 0.05.
    units = [10.0] * 28 + [15.0] * 6
    heat = [0.0] * 28 + [10.0] * 6
    assert estimate_weather_beta([series(units, heat)]) == pytest.approx(0.05)
    # Too few hot days say nothing.
    assert estimate_weather_beta([series(units[:32], heat[:32])]) == 0.0
    # Hot days that sold less do not lower demand: the uplift is never negative.
    assert estimate_weather_beta([series([10.0] * 28 + [5.0] * 6, heat)]) == 0.0


def test_a_hot_history_is_not_mistaken_for_a_higher_level() -> None:
    units = [10.0] * 28 + [15.0] * 6  # the last six days hot
    heat = [0.0] * 28 + [10.0] * 6
    result = forecast(series(units, heat), quiet(3), Params(weather_beta=0.05))
    assert result.level == pytest.approx(10.0)
    assert result.units == pytest.approx([10.0, 10.0, 10.0])


def test_promotions_uplift_from_the_series_own_history_or_the_prior() -> None:
    promoted = [day % 7 == 3 for day in range(28)]  # every Thursday
    units = [24.0 if p else 12.0 for p in promoted]
    future = Signals(heat=np.zeros(2), promoted=np.array([True, False]))
    # prior_strength 0 and flat weekdays: Thursdays stand out only for the promotion.
    own = forecast(series(units, promoted=promoted), future, Params(prior_strength=1e9))
    assert own.promotion_uplift == pytest.approx(2.0)
    assert own.units == pytest.approx([24.0, 12.0])
    # No promoted days in the history: the prior (1.3) applies.
    fresh = forecast(series([12.0] * 28), future, Params(promotion_uplift=1.3))
    assert fresh.units == pytest.approx([15.6, 12.0])


def test_yearly_seasonality_needs_a_year_and_four_weeks() -> None:
    assert yearly_factors(np.ones(300), 7) == pytest.approx(np.ones(7))
    # A year ago (day 400 - 364 = 36) sales doubled from 10 to 20 a day. Each target day is
    # the week around it a year ago over the four weeks before: the first straddles the step,
    # (3 x 10 + 4 x 20) / 7 / 10, then (2 x 10 + 5 x 20) / 70, (10 + 6 x 20) / 70, then 2.
    units = np.full(400, 10.0)
    units[36:60] = 20.0
    assert yearly_factors(units, 7) == pytest.approx([11 / 7, 12 / 7, 13 / 7, 2, 2, 2, 2])


def test_days_of_cover_walk_the_forecast_day_by_day() -> None:
    daily = np.array([5.0, 5, 10, 10, 10, 10, 10])
    # 20 on hand: 5 and 5 leave 10, the third day takes all 10; none is left for the fourth.
    assert days_of_cover(20, daily) == pytest.approx(3.0)
    assert days_of_cover(25, daily) == pytest.approx(3.5)
    assert days_of_cover(-4, daily) == 0.0  # a negative balance is an empty shelf
    # Beyond the horizon its mean (60 / 7) carries on: 100 - 60 = 40 more, 40 / (60 / 7).
    assert days_of_cover(100, daily) == pytest.approx(7 + 40 / (60 / 7))
    assert math.isinf(days_of_cover(3, np.zeros(7)))


def test_a_warning_when_cover_is_under_lead_time_and_safety_and_its_order() -> None:
    daily = np.full(14, 10.0)
    short = cover(25, 5, daily, needed_days=3, cycle_days=7)
    # 2.5 days < 3; stock for 3 + 7 days is 100 units, less 25 on hand and 5 in transit.
    assert short.warn and short.days == pytest.approx(2.5)
    assert (short.target_units, short.suggested_quantity) == (100, 70)
    assert not cover(30, 0, daily, needed_days=3, cycle_days=7).warn  # exactly 3 days is enough


def test_a_weekday_the_store_is_closed_forecasts_nothing() -> None:
    # The store never opens on Sundays (its prior says 0 there): the other days keep 12.
    units = [0.0 if day % 7 == 6 else 12.0 for day in range(28)]
    prior = np.array([7 / 6] * 6 + [0.0])
    result = forecast(series(units), quiet(7), Params(weekday_prior=prior, prior_strength=0.0))
    assert result.units == pytest.approx([12.0] * 6 + [0.0])
