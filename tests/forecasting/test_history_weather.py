"""The demo history's weather: each region's temperature a pure function of the seed and day,
hot days selling more cold drinks and frozen food only, and the seed recording the weather it
followed so that the forecaster can estimate the effect back."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo import history_patterns as patterns
from api.demo.history import generate_history
from db.pii import key_ring_from_environment


def test_hot_days_raise_only_the_weather_categories() -> None:
    assert patterns.weather_factor("BEVERAGES", 35.0) == pytest.approx(1.5)  # 10 degrees over
    assert patterns.weather_factor("FROZEN", 27.0) == pytest.approx(1.1)
    assert patterns.weather_factor("BEVERAGES", 20.0) == 1.0
    assert patterns.weather_factor("STATIONERY", 35.0) == 1.0


def test_temperatures_follow_the_seed_and_the_season() -> None:
    july, january = date(2026, 7, 24), date(2026, 1, 20)
    assert patterns.temperature("SOUTH", july, 1) == patterns.temperature("SOUTH", july, 1)
    assert patterns.temperature("SOUTH", july, 1) != patterns.temperature("SOUTH", july, 2)
    # The curve's means (noise sd 3): the south 33 in July, the north -2 in January.
    assert abs(patterns.temperature("SOUTH", july, 1)[0] - 33) < 12
    assert abs(patterns.temperature("NORTH", january, 1)[0] + 2) < 12


async def test_the_seed_records_each_regions_weather(org_session: AsyncSession) -> None:
    ring = key_ring_from_environment()
    await generate_history(org_session, days=3, ring=ring, end=date(2026, 7, 4), seed=5, scale=0.2)
    rows = (
        await org_session.execute(
            text(
                "SELECT r.code, w.day, w.temp_max_c, w.source FROM weather_reading w"
                " JOIN region r ON r.id = w.region_id WHERE w.store_id IS NULL"
                " ORDER BY r.code, w.day"
            )
        )
    ).all()
    assert [(r.code, r.day.day) for r in rows] == [
        (region, day) for region in ("EAST", "WEST") for day in (1, 2, 3)
    ]
    assert all(r.source == "HISTORY" for r in rows)
    east_first = patterns.temperature("EAST", date(2026, 7, 1), 5)[0]
    assert float(rows[0].temp_max_c) == pytest.approx(east_first)
