"""Weather for the forecast: where the horizon's maximum temperatures come from.

The forecaster asks a WeatherAdapter for each store's daily maximum temperature over the
horizon. The default, RecordedWeather, reads `weather_reading` rows: recorded forecasts loaded
with `chainstore weather load PATH` (api/domain/forecasting/weather_load.py) and the demo
history's observations; a store's own row wins over its region's. A live provider plugs in
behind the same Protocol: set `CHAINSTORE_WEATHER_ADAPTER=package.module:factory`, a callable
returning an object with `name` and `async max_temperatures(session, stores, first, last)`,
imported once per worker start. Days it does not know are left out (no uplift on them).
The history's temperatures are always read from the table: what happened is recorded.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, runtime_checkable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

DEFAULT_ADAPTER = "recorded"


@dataclass(frozen=True)
class StorePlace:
    """What a provider needs to find a store's weather."""

    id: int
    code: str
    region_id: int
    latitude: Decimal
    longitude: Decimal


Temperatures = dict[int, dict[date, float]]  # store id -> day -> maximum °C


@runtime_checkable
class WeatherAdapter(Protocol):
    name: str

    async def max_temperatures(
        self, session: AsyncSession, stores: Sequence[StorePlace], first: date, last: date
    ) -> Temperatures: ...


_RECORDED = text(
    """
    SELECT DISTINCT ON (s.id, w.day) s.id AS store_id, w.day, w.temp_max_c
      FROM unnest(CAST(:store_ids AS int[])) AS s(id)
      JOIN store st ON st.id = s.id
      JOIN weather_reading w
        ON (w.store_id = s.id OR (w.store_id IS NULL AND w.region_id = st.region_id))
     WHERE w.day BETWEEN :first AND :last
     ORDER BY s.id, w.day, w.store_id NULLS LAST
    """
)


async def recorded_temperatures(
    session: AsyncSession, store_ids: Sequence[int], first: date, last: date
) -> Temperatures:
    """Every recorded day from `first` to `last` for each store (its own row, else its
    region's): one statement for any number of stores."""
    out: Temperatures = {store_id: {} for store_id in store_ids}
    if store_ids and first <= last:
        rows = await session.execute(
            _RECORDED, {"store_ids": list(store_ids), "first": first, "last": last}
        )
        for row in rows:
            out[row.store_id][row.day] = float(row.temp_max_c)
    return out


class RecordedWeather:
    """The recorded forecasts (and observations) in `weather_reading`."""

    name = DEFAULT_ADAPTER

    async def max_temperatures(
        self, session: AsyncSession, stores: Sequence[StorePlace], first: date, last: date
    ) -> Temperatures:
        return await recorded_temperatures(session, [s.id for s in stores], first, last)


def load_adapter(spec: str) -> WeatherAdapter:
    """The adapter `spec` names (`recorded` or `module:factory`); ValueError otherwise."""
    if spec.strip() == DEFAULT_ADAPTER:
        return RecordedWeather()
    module_name, _, attribute = spec.strip().partition(":")
    if not module_name or not attribute:
        raise ValueError(f"weather adapter {spec!r} is neither 'recorded' nor 'module:factory'")
    adapter = getattr(importlib.import_module(module_name), attribute)()
    if not isinstance(adapter, WeatherAdapter):
        raise ValueError(
            f"weather adapter {spec!r} made no WeatherAdapter (a `name` and "
            "`async max_temperatures(session, stores, first, last)`)"
        )
    return adapter
