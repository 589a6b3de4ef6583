"""What the demo history's shoppers do: when they come (by store type, hour and weekday), what
they buy (by store type, season and region) and how many things at once. Pure functions of
their arguments, so the history is the same for the same seed.

Store types (the seed's three strategies): a business district store peaks at breakfast, lunch
and after work on weekdays and is quiet at weekends; a school store peaks before class, at
lunch and after class, and empties at weekends; a community store is steady, busiest in the
evening and at weekends. Seasons: ice cream and mosquito repellent sell in summer, sweet
dumplings and New Year boxes in winter, mooncakes before the Mid-Autumn festival; winter comes
to the north and west a month earlier and stronger than to the east, and the south barely
sees it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

from db.models import StoreType


@dataclass(frozen=True)
class Bump:
    hour: float
    height: float
    width: float


@dataclass(frozen=True)
class DayShape:
    receipts: float  # mean receipts on a full day of this kind
    base: float  # traffic between the peaks
    bumps: tuple[Bump, ...]


# (weekday shape, weekend shape) per store type.
SHAPES: dict[StoreType, tuple[DayShape, DayShape]] = {
    StoreType.BUSINESS_DISTRICT: (
        DayShape(300, 1.0, (Bump(8.5, 4, 0.8), Bump(12.5, 7, 0.9), Bump(18.5, 4, 1.0))),
        DayShape(135, 1.0, (Bump(14, 1.5, 3),)),
    ),
    StoreType.SCHOOL: (
        DayShape(220, 0.8, (Bump(7.5, 4, 0.7), Bump(12, 4, 0.8), Bump(16.5, 7, 1.0))),
        DayShape(80, 1.0, (Bump(15, 1, 3),)),
    ),
    StoreType.COMMUNITY: (
        DayShape(260, 1.5, (Bump(9, 2, 1.5), Bump(19, 5, 1.8))),
        DayShape(325, 1.5, (Bump(10, 2, 1.5), Bump(15, 2, 2), Bump(19, 4, 1.8))),
    ),
}

# Lines on a receipt: 1 to 6, most baskets small (mean about 2.35).
LINE_COUNTS = (1, 2, 3, 4, 5, 6)
LINE_WEIGHTS = (35, 28, 17, 10, 6, 4)
QUANTITIES = (1, 2, 3)
QUANTITY_WEIGHTS = (85, 12, 3)

CATEGORY_TASTE: dict[StoreType, dict[str, float]] = {
    StoreType.BUSINESS_DISTRICT: {
        "READY_MEALS": 3.0,
        "BEVERAGES": 2.0,
        "BAKERY": 2.0,
        "DELI": 1.5,
        "INSTANT_FOOD": 1.2,
        "FRESH_FRUIT": 0.6,
        "GROCERY": 0.4,
        "HOUSEHOLD": 0.4,
        "CONDIMENTS": 0.3,
        "STATIONERY": 0.6,
    },
    StoreType.SCHOOL: {
        "STATIONERY": 4.0,
        "SNACKS": 2.5,
        "BEVERAGES": 2.0,
        "INSTANT_FOOD": 1.5,
        "BAKERY": 1.5,
        "ALCOHOL": 0.05,
        "GROCERY": 0.3,
        "CONDIMENTS": 0.2,
        "HOUSEHOLD": 0.3,
    },
    StoreType.COMMUNITY: {
        "FRESH_FRUIT": 2.5,
        "GROCERY": 2.0,
        "HOUSEHOLD": 2.0,
        "CONDIMENTS": 2.0,
        "DAIRY": 1.8,
        "FROZEN": 1.5,
        "PERSONAL_CARE": 1.5,
        "ALCOHOL": 1.2,
        "READY_MEALS": 0.6,
        "STATIONERY": 0.4,
    },
}

# Seasonal SKUs by a word in their name: (peak month, how far the season reaches in months).
_SEASONS = (
    (
        (
            "冰",
            "雪糕",
            "梦龙",
            "可爱多",
            "巧乐兹",
            "哈根达斯",
            "钟薛高",
            "绿色心情",
            "笨NANA",
            "蚊",
        ),
        7.5,
        2.0,
    ),
    (("汤圆", "年货", "新年", "新春", "腊", "火锅"), 1.0, 2.0),
    (("月饼",), 9.3, 0.8),
    (("粽",), 6.0, 0.8),
)
# A region's winter starts earlier (negative: months earlier) and is stronger, or weaker.
_WINTER = {"NORTH": (-1.0, 1.6), "WEST": (-1.0, 1.5), "EAST": (0.0, 1.0), "SOUTH": (0.5, 0.5)}


def hour_weights(shape: DayShape, open_hour: int, close_hour: int) -> list[float]:
    """Relative traffic for each hour 0..23; nothing outside opening hours."""
    weights = []
    for hour in range(24):
        if not open_hour <= hour < close_hour:
            weights.append(0.0)
            continue
        mid = hour + 0.5
        bumps = sum(
            b.height * math.exp(-(((mid - b.hour) / b.width) ** 2) / 2) for b in shape.bumps
        )
        weights.append(shape.base + bumps)
    return weights


def _month_distance(month: float, peak: float) -> float:
    distance = abs(month - peak) % 12
    return min(distance, 12 - distance)


def season_factor(name: str, day: date, region: str) -> float:
    """How much a seasonal SKU sells on `day` in `region`, against its average (0.05 to ~3)."""
    month = day.month + (day.day - 1) / 31
    for words, peak, reach in _SEASONS:
        if any(word in name for word in words):
            strength = 1.0
            if peak < 3 or peak > 10:  # a winter line
                shift, strength = _WINTER.get(region, (0.0, 1.0))
                peak += shift
            distance = _month_distance(month, peak)
            return 0.05 + 2.5 * strength * math.exp(-((distance / reach) ** 2))
    return 1.0


# Each region's daily maximum temperature: (yearly mean, half the summer-winter swing) in °C,
# peaking in late July, with day-to-day noise. The demo's recorded weather is this curve.
_CLIMATE = {"NORTH": (14.0, 16.0), "WEST": (13.0, 18.0), "EAST": (21.0, 11.0), "SOUTH": (26.0, 7.0)}
# Cold drinks and frozen food sell more on hot days: this much more per degree above HOT_FROM_C
# (the forecaster estimates the same effect back from the history, api/domain/forecasting/).
WEATHER_CATEGORIES = ("BEVERAGES", "FROZEN")
HOT_FROM_C = 25.0
UPLIFT_PER_DEGREE = 0.05


def temperature(region: str, day: date, seed: int) -> tuple[float, float]:
    """The day's maximum temperature (°C, one decimal) and precipitation (mm) in `region`.
    Drawn from its own generator, so the receipts' random sequence is the same as without it."""
    mean, swing = _CLIMATE.get(region, (18.0, 12.0))
    rng = random.Random(f"{seed}:weather:{region}:{day.isoformat()}")  # noqa: S311 - demo data
    warmth = math.cos((day.timetuple().tm_yday - 205) / 365 * 2 * math.pi)  # 1 in late July
    temp = mean + swing * warmth + rng.gauss(0.0, 3.0)
    rain = rng.expovariate(1 / 8.0) if rng.random() < 0.3 else 0.0
    return round(temp, 1), round(rain, 1)


def weather_factor(category: str, temp_max_c: float) -> float:
    """How much more a weather-sensitive category sells at this day's maximum temperature."""
    if category not in WEATHER_CATEGORIES:
        return 1.0
    return 1.0 + UPLIFT_PER_DEGREE * max(0.0, temp_max_c - HOT_FROM_C)
