"""`chainstore weather load PATH`: CSV and JSON rows checked all before any is written; a bad
file is refused with every problem named by row and nothing loaded; a store's own row wins
over its region's; loading again replaces a day."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.errors import InvalidInput
from api.domain.forecasting.weather import load_adapter, recorded_temperatures
from api.domain.forecasting.weather_load import load_weather
from tests.conftest import REPO

GOOD = (
    "region_code,store_code,date,temp_max_c,precipitation_mm\n"
    "EAST,,2026-07-01,33.5,0\n"
    ",E1,2026-07-01,36,2.5\n"
    "WEST,,2026-07-01,21,\n"
)

ROWS = "SELECT count(*) FROM weather_reading"


async def test_a_good_file_loads_and_the_store_row_wins(org_session: AsyncSession) -> None:
    report = await load_weather(org_session, GOOD, json_format=False)
    assert (report.rows, report.stores, report.regions) == (3, 1, 2)
    ids: dict[str, int] = dict(
        (await org_session.execute(text("SELECT code, id FROM store"))).all()
    )
    day = date(2026, 7, 1)
    temps = await recorded_temperatures(org_session, [ids["E1"], ids["E2"], ids["W1"]], day, day)
    assert temps == {ids["E1"]: {day: 36.0}, ids["E2"]: {day: 33.5}, ids["W1"]: {day: 21.0}}
    # Loading the same day again replaces it.
    await load_weather(
        org_session, '[{"region_code": "EAST", "date": "2026-07-01", "temp_max_c": 30}]',
        json_format=True,
    )  # fmt: skip
    assert await org_session.scalar(text(ROWS)) == 3
    temps = await recorded_temperatures(org_session, [ids["E2"]], day, day)
    assert temps == {ids["E2"]: {day: 30.0}}


@pytest.mark.parametrize(
    ("content", "json_format", "problem"),
    [
        (GOOD + ",X9,2026-07-02,30,0\n", False, "row 4.store_code: no store has code 'X9'"),
        (GOOD + "NOWHERE,,2026-07-02,30,0\n", False, "row 4.region_code: no region has code"),
        (GOOD + "EAST,E1,2026-07-02,30,0\n", False, "row 4: give store_code or region_code"),
        (GOOD + "EAST,,2026-02-30,30,0\n", False, "row 4.date: '2026-02-30' is not a YYYY-MM-DD"),
        (GOOD + "EAST,,2026-07-02,hot,0\n", False, "row 4.temp_max_c: 'hot' is not -70 to 60"),
        (GOOD + "EAST,,2026-07-02,75,0\n", False, "row 4.temp_max_c: '75' is not -70 to 60"),
        (GOOD + "EAST,,2026-07-02,30,-1\n", False, "row 4.precipitation_mm: '-1' is not 0 to"),
        (GOOD + "EAST,,2026-07-01,30,0\n", False, "row 4: a second row for the same place"),
        ("date,temp\n", False, "file: no rows"),
        ("temp_max_c\n30\n", False, "file: CSV needs a header"),
        ("{not json", True, "file: not JSON"),
        ('{"date": "2026-07-01"}', True, "file: JSON must be a list of objects"),
    ],
)
async def test_a_bad_file_is_refused_whole(
    org_session: AsyncSession, content: str, json_format: bool, problem: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await load_weather(org_session, content, json_format=json_format)
    assert any(p.startswith(problem) for p in refused.value.details["problems"]), refused.value
    assert await org_session.scalar(text(ROWS)) == 0


def test_the_adapter_setting_names_recorded_or_a_factory() -> None:
    assert load_adapter("recorded").name == "recorded"
    with pytest.raises(ValueError, match="neither 'recorded' nor 'module:factory'"):
        load_adapter("open-meteo")
    with pytest.raises(ValueError, match="made no WeatherAdapter"):
        load_adapter("builtins:object")


def test_the_command_loads_and_refuses(org_db: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": org_db}
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(GOOD + ",X9,2026-07-02,30,0\n", encoding="utf-8")
    command = [sys.executable, "-m", "api", "weather", "load"]
    refused = subprocess.run(
        [*command, str(bad)], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert refused.returncode == 2, refused.stderr
    assert "no store has code 'X9'" in refused.stderr
    loaded = subprocess.run(
        [*command, str(good)], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded 3 day(s) of weather for 1 store(s) and 2 region(s)" in loaded.stdout
