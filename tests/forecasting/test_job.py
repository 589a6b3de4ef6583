"""The forecasting job on the hot-weather scenario: the weather uplift estimated from the
history and applied to the hot days ahead, a days-of-cover warning at the hot store only, the
draft that follows it, and the job's bound per run with its resumption."""

from __future__ import annotations

from itertools import count

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.domain.access import Actor
from api.domain.forecasting.job import run_forecasts
from api.domain.forecasting.weather import RecordedWeather
from api.domain.replenishment import generate_orders
from api.worker import JOBS, run_jobs
from db.engine import create_engine, create_session_factory
from db.models import Role, TokenKind
from tests.forecasting.scenario import CONFIG, build

OPS = Actor(1, "ops", Role.HQ_OPERATIONS, None, None, 0, TokenKind.SESSION)


async def run(session: AsyncSession, day, **bounds):
    bounds.setdefault("max_series", 1000)
    bounds.setdefault("max_seconds", 60.0)
    return await run_forecasts(session, CONFIG, RecordedWeather(), today=day, **bounds)


async def test_hot_days_ahead_warn_at_the_hot_store_only(org_session: AsyncSession) -> None:
    c = await build(org_session)
    result = await run(org_session, c.today)
    assert result.series == 4 and result.pass_completed
    # Six hot days sold 15 against 10: (15 / 10 - 1) / 10 degrees = 0.05 a degree.
    assert result.weather_betas["BEVERAGES"] == pytest.approx(0.05)
    factors: dict[str, list[float]] = dict(
        (
            await org_session.execute(
                text(
                    "SELECT s.code || ' ' || p.sku, array_agg(f.weather_factor ORDER BY f.day)"
                    " FROM demand_forecast f JOIN store s ON s.id = f.store_id"
                    " JOIN product p ON p.id = f.product_id GROUP BY 1"
                )
            )
        ).all()
    )
    assert factors["E1 SKU-CORE-1"] == pytest.approx([1.5] * 3 + [1.0] * 11)
    assert factors["W1 SKU-CORE-1"] == pytest.approx([1.0] * 14)  # cool in the west
    assert factors["E1 SKU-CORE-2"] == pytest.approx([1.0] * 14)  # pens ignore the heat
    warnings = (
        await org_session.execute(
            text(
                "SELECT s.code, p.sku, w.on_hand, w.days_of_cover, w.needed_days, w.hot_days,"
                " w.suggested_quantity FROM cover_warning w JOIN store s ON s.id = w.store_id"
                " JOIN product p ON p.id = w.product_id"
            )
        )
    ).all()
    # 40 bottles at about 15 a day last about 2.7 days, under the 2 + 1 needed; everything
    # else sells about 10 a day, so 40 last about 4 days and raise nothing.
    [(store, sku, on_hand, cover_days, needed, hot, suggested)] = warnings
    assert (store, sku, on_hand, needed, hot) == ("E1", "SKU-CORE-1", 40, 3, 3)
    assert 2.5 < cover_days < 2.9
    # Ten days (3 needed + a 7-day cycle): about 3 x 15 + 7 x 10 = 115, less the 40 on hand.
    assert 65 <= suggested <= 85

    [draft] = await generate_orders(org_session, OPS, store_code="E1")
    assert [(line.product.sku, line.quantity) for line in draft.lines] == [
        ("SKU-CORE-1", suggested)
    ]
    assert await generate_orders(org_session, OPS, store_code="W1") == []


async def test_a_run_stops_at_its_series_bound_and_the_next_resumes(
    org_session: AsyncSession,
) -> None:
    c = await build(org_session)
    series = "SELECT count(DISTINCT (store_id, product_id)) FROM demand_forecast"
    first = await run(org_session, c.today, max_series=3)
    assert (first.series, first.pass_completed) == (3, False)
    assert await org_session.scalar(text(series)) == 3
    second = await run(org_session, c.today, max_series=3)
    assert (second.series, second.pass_completed) == (1, True)  # the fourth, then the end
    assert await org_session.scalar(text(series)) == 4
    third = await run(org_session, c.today, max_series=3)  # a new pass from the first
    assert (third.series, third.pass_completed) == (3, False)
    passes = await org_session.scalar(text("SELECT passes FROM forecast_progress"))
    assert passes == 1


async def test_a_run_stops_when_its_time_is_up(org_session: AsyncSession) -> None:
    c = await build(org_session)
    ticks = count(0, 30)  # each look at the clock is 30 s later
    result = await run(
        org_session, c.today, max_seconds=60.0, batch_size=1, clock=lambda: float(next(ticks))
    )
    # Started at 0; batches begin at 30 (< 60) only: one batch of one series, then time is up.
    assert (result.series, result.pass_completed) == (1, False)


async def test_the_worker_runs_the_job_within_its_setting(org_db: str) -> None:
    engine = create_engine(org_db, pool_size=1, max_overflow=0)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as s, s.begin():
            await build(s)
        settings = Settings(
            database_url=org_db, forecast_max_series_per_run=2, forecast_history_days=28
        )
        job = next(j for j in JOBS if j.name == "demand_forecast")
        [outcome] = await run_jobs(sessions, settings, (job,))
        assert outcome.summary == "forecast 2 store x SKU series, 1 days-of-cover warning(s)"
        [outcome] = await run_jobs(sessions, settings, (job,))
        assert outcome.summary == "forecast 2 store x SKU series, 0 days-of-cover warning(s)"
    finally:
        await engine.dispose()


async def test_a_batch_costs_the_same_statements_whatever_its_size(
    org_session: AsyncSession,
) -> None:
    c = await build(org_session)
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    engine = org_session.bind.sync_engine  # type: ignore[union-attr]
    counts = []
    event.listen(engine, "before_cursor_execute", record)
    try:
        for series in (2, 4):  # both first series are E1's, both batches warn about water
            await org_session.execute(text("DELETE FROM forecast_progress"))
            statements.clear()
            result = await run(org_session, c.today, max_series=series)
            assert result.series == series and result.warnings == 1
            counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert counts[0] == counts[1]
