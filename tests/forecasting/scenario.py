"""A hot-weather scenario on the small test chain (E1, E2 in EAST; W1 in WEST), built in the
rollup and weather tables directly: four weeks of history in which water (SKU-CORE-1,
BEVERAGES) sells 10 a day and 15 on the six hot days (35 °C, ten degrees over the threshold),
pens (SKU-CORE-2) 10 a day whatever the weather; 40 of each on hand at E1 and W1. Then a
recorded forecast: three hot days ahead in the east, a cool fortnight in the west."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.forecasting.series import ForecastConfig
from api.domain.forecasting.weather_load import load_weather
from api.domain.stock.ledger import Change, apply_movements
from db.models import MovementKind

CONFIG = ForecastConfig(history_days=28, horizon_days=14, lead_time_days=2, safety_days=1)
HOT_HISTORY = {"EAST": (3, 11, 19), "WEST": (5, 13, 21)}  # offsets into the 28 days


@dataclass(frozen=True)
class Chain:
    today: date
    stores: dict[str, int]
    regions: dict[str, int]
    products: dict[str, int]


def today() -> date:
    return datetime.now(UTC).date()


async def chain(session: AsyncSession, day: date) -> Chain:
    stores: dict[str, int] = dict((await session.execute(text("SELECT code, id FROM store"))).all())
    regions: dict[str, int] = dict(
        (await session.execute(text("SELECT code, id FROM region"))).all()
    )
    products: dict[str, int] = dict(
        (await session.execute(text("SELECT sku, id FROM product"))).all()
    )
    return Chain(day, stores, regions, products)


async def build(session: AsyncSession, day: date | None = None) -> Chain:
    c = await chain(session, day or today())
    first = c.today - timedelta(days=CONFIG.history_days)
    rows = []
    for store, region in (("E1", "EAST"), ("W1", "WEST")):
        for offset in range(CONFIG.history_days):
            hot = offset in HOT_HISTORY[region]
            for sku, units in (("SKU-CORE-1", 15 if hot else 10), ("SKU-CORE-2", 10)):
                rows.append(
                    (c.stores[store], first + timedelta(days=offset), c.products[sku], units)
                )
        await apply_movements(
            session,
            store_id=c.stores[store],
            region_id=c.regions[region],
            kind=MovementKind.RECEIPT,
            changes=[Change(c.products["SKU-CORE-1"], 40), Change(c.products["SKU-CORE-2"], 40)],
        )
    await session.execute(
        text(
            "INSERT INTO sales_daily (store_id, day, product_id, units, revenue_cents,"
            " transactions, returned_units, refund_cents, stockouts)"
            " VALUES (:s, :d, :p, :u, :u * 200, :u, 0, 0, 0)"
        ),
        [{"s": s, "d": d, "p": p, "u": u} for s, d, p, u in rows],
    )
    history = "region_code,date,temp_max_c,precipitation_mm\n" + "".join(
        f"{region},{first + timedelta(days=offset)},35,0\n"
        for region, offsets in HOT_HISTORY.items()
        for offset in offsets
    )
    await load_weather(session, history, json_format=False)
    forecast = [{"region_code": "EAST", "date": str(c.today + timedelta(days=h)),
                 "temp_max_c": 35, "precipitation_mm": 0} for h in range(3)]  # fmt: skip
    forecast += [{"region_code": "WEST", "date": str(c.today + timedelta(days=h)),
                  "temp_max_c": 20} for h in range(14)]  # fmt: skip
    import json

    await load_weather(session, json.dumps(forecast), json_format=True)
    return c
