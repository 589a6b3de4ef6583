"""`chainstore weather load PATH`: recorded weather forecasts into `weather_reading`.

CSV with a header, or JSON (a list of objects), with the same fields per row: `store_code` or
`region_code` (one of them), `date` (YYYY-MM-DD), `temp_max_c`, `precipitation_mm` (optional,
default 0). Every row is checked before anything is written: one bad row refuses the file,
listing the problems by row. A day already recorded for the same store or region is replaced.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.errors import InvalidInput
from db.models import Region, Store

MAX_ROWS = 100_000
_SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class LoadReport:
    rows: int
    stores: int
    regions: int
    first_day: date | None
    last_day: date | None


def parse_rows(content: str, *, json_format: bool) -> list[dict[str, Any]]:
    """The file's rows as dictionaries (nothing checked yet but the format)."""
    if json_format:
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            raise InvalidInput.listing(
                [f"file: not JSON ({exc.msg} at line {exc.lineno})"]
            ) from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InvalidInput.listing(["file: JSON must be a list of objects, one a day"])
        return data
    reader = csv.DictReader(io.StringIO(content))
    if not reader.fieldnames or "date" not in reader.fieldnames:
        raise InvalidInput.listing(
            ["file: CSV needs a header with store_code or region_code, date, temp_max_c"]
        )
    return list(reader)


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


async def load_weather(session: AsyncSession, content: str, *, json_format: bool) -> LoadReport:
    """Check every row, then upsert them all (RECORDED), in the caller's transaction."""
    rows = parse_rows(content, json_format=json_format)
    problems: list[str] = []
    if not rows:
        problems.append("file: no rows")
    if len(rows) > MAX_ROWS:
        problems.append(f"file: {len(rows)} rows; load at most {MAX_ROWS} at once")
    stores = {
        r.code: (r.id, r.region_id)
        for r in await session.execute(select(Store.code, Store.id, Store.region_id))
    }
    regions = {r.code: r.id for r in await session.execute(select(Region.code, Region.id))}
    parsed: dict[tuple[int, int | None, date], tuple[Decimal, Decimal]] = {}
    for n, row in enumerate(rows[:MAX_ROWS], start=1):
        where = f"row {n}"
        store_code = str(row.get("store_code") or "").strip()
        region_code = str(row.get("region_code") or "").strip()
        place: tuple[int, int | None] | None = None
        if bool(store_code) == bool(region_code):
            problems.append(f"{where}: give store_code or region_code, one of them")
        elif store_code:
            if store_code not in stores:
                problems.append(f"{where}.store_code: no store has code {store_code!r}")
            else:
                store_id, region_id = stores[store_code]
                place = (region_id, store_id)
        elif region_code not in regions:
            problems.append(f"{where}.region_code: no region has code {region_code!r}")
        else:
            place = (regions[region_code], None)
        try:
            day: date | None = date.fromisoformat(str(row.get("date") or "").strip())
        except ValueError:
            problems.append(f"{where}.date: {row.get('date')!r} is not a YYYY-MM-DD date")
            day = None
        temp = _decimal(row.get("temp_max_c"))
        if temp is None or not Decimal(-70) <= temp <= Decimal(60):
            problems.append(f"{where}.temp_max_c: {row.get('temp_max_c')!r} is not -70 to 60 °C")
        raw_rain = row.get("precipitation_mm")
        rain = Decimal(0) if raw_rain in (None, "") else _decimal(raw_rain)
        if rain is None or not Decimal(0) <= rain <= Decimal(2000):
            problems.append(f"{where}.precipitation_mm: {raw_rain!r} is not 0 to 2000 mm")
        if place is None or day is None or temp is None or rain is None:
            continue
        key = (place[0], place[1], day)
        if key in parsed:
            problems.append(f"{where}: a second row for the same place and {day}")
        parsed[key] = (temp.quantize(Decimal("0.1")), rain.quantize(Decimal("0.1")))
    if problems:
        shown = problems[:_SHOWN_PROBLEMS]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more problem(s)")
        raise InvalidInput.listing(shown)
    await _upsert(session, parsed)
    days = [key[2] for key in parsed]
    return LoadReport(
        rows=len(parsed),
        stores=len({key[1] for key in parsed if key[1] is not None}),
        regions=len({key[0] for key in parsed if key[1] is None}),
        first_day=min(days),
        last_day=max(days),
    )


_UPSERT = {
    "region": text(
        "INSERT INTO weather_reading (region_id, store_id, day, temp_max_c, precipitation_mm,"
        " source) SELECT r, NULL, d, t, p, 'RECORDED' FROM unnest(CAST(:r AS int[]),"
        " CAST(:d AS date[]), CAST(:t AS numeric[]), CAST(:p AS numeric[])) AS x(r, d, t, p)"
        " ON CONFLICT (region_id, day) WHERE store_id IS NULL DO UPDATE SET"
        " temp_max_c = EXCLUDED.temp_max_c, precipitation_mm = EXCLUDED.precipitation_mm,"
        " source = 'RECORDED', loaded_at = now()"
    ),
    "store": text(
        "INSERT INTO weather_reading (region_id, store_id, day, temp_max_c, precipitation_mm,"
        " source) SELECT r, s, d, t, p, 'RECORDED' FROM unnest(CAST(:r AS int[]),"
        " CAST(:s AS int[]), CAST(:d AS date[]), CAST(:t AS numeric[]),"
        " CAST(:p AS numeric[])) AS x(r, s, d, t, p)"
        " ON CONFLICT (store_id, day) WHERE store_id IS NOT NULL DO UPDATE SET"
        " temp_max_c = EXCLUDED.temp_max_c, precipitation_mm = EXCLUDED.precipitation_mm,"
        " source = 'RECORDED', loaded_at = now()"
    ),
}


async def _upsert(
    session: AsyncSession, parsed: dict[tuple[int, int | None, date], tuple[Decimal, Decimal]]
) -> None:
    for kind in ("region", "store"):
        keys = [k for k in parsed if (k[1] is None) == (kind == "region")]
        if not keys:
            continue
        params: dict[str, Any] = {
            "r": [k[0] for k in keys],
            "d": [k[2] for k in keys],
            "t": [parsed[k][0] for k in keys],
            "p": [parsed[k][1] for k in keys],
        }
        if kind == "store":
            params["s"] = [k[1] for k in keys]
        await session.execute(_UPSERT[kind], params)
