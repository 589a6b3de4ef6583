"""Days of cover: how long a store's stock of a SKU lasts against its forecast, and what a
replenishment draft orders when that is shorter than the supplier's lead time plus safety days.

Cover walks the forecast day by day (stock on hand over each day's forecast demand), so three
hot days ahead shorten it by what they will sell, not by the horizon's average; for a flat
forecast it is exactly on hand / daily demand. Past the horizon the horizon's mean carries on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from api.domain.forecasting.model import FloatArray


@dataclass(frozen=True)
class Cover:
    days: float  # math.inf when nothing is forecast to sell
    daily_demand: float  # the horizon's mean
    target_units: int  # stock that lasts the needed days plus an order cycle
    suggested_quantity: int  # target - on hand - in transit, at least 0
    warn: bool


def days_of_cover(on_hand: int, daily: FloatArray) -> float:
    stock = float(max(on_hand, 0))
    for day, demand in enumerate(daily):
        if stock < demand:
            return day + stock / float(demand)
        stock -= float(demand)
    mean = float(daily.mean()) if len(daily) else 0.0
    return math.inf if mean <= 0 else len(daily) + stock / mean


def demand_over(daily: FloatArray, days: int) -> float:
    """Forecast units over the next `days` days (the horizon's mean beyond it)."""
    within = float(daily[:days].sum())
    beyond = max(0, days - len(daily))
    return within + (beyond * float(daily.mean()) if len(daily) else 0.0)


def cover(
    on_hand: int, in_transit: int, daily: FloatArray, *, needed_days: int, cycle_days: int
) -> Cover:
    days = days_of_cover(on_hand, daily)
    target = math.ceil(demand_over(daily, needed_days + cycle_days) - 1e-9)
    return Cover(
        days=days,
        daily_demand=float(np.mean(daily)) if len(daily) else 0.0,
        target_units=target,
        suggested_quantity=max(0, target - max(on_hand, 0) - in_transit),
        warn=days < needed_days,
    )
