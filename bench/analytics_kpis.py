"""Benchmark the analytics: latency of the kpis query (chain, each region, some stores) and of
the other analytics queries (traffic, staff months, store operations, product insights, digital
adoption and experts, cover warnings, demand forecasts) on the database's history, and what the
rollups cost a recorded sale.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.analytics_kpis [--runs 50]

Run it on a chain with history (`chainstore seed --demo --history-days 90`). Domain calls in
one process, no HTTP: the figures are the query's own (the API adds its per-request cost, see
bench/run.py). The rollup cost is the one upsert statement a sale adds (with and without a
member), timed inside a savepoint that is rolled back. Without forecasts on record, one bounded
forecast run (`--forecast-series`, `--forecast-seconds`) writes some first; everything happens
in one transaction that is rolled back, so the database is left as it was.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # `python bench/analytics_kpis.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.domain.access import Actor
from api.domain.analytics import digital, operations, products, rollups, store_ops
from api.domain.analytics.kpis import add_months, kpis
from api.domain.forecasting import queries as forecasts
from api.domain.forecasting.job import run_forecasts
from api.domain.forecasting.weather import RecordedWeather
from api.domain.sales.documents import RecordedLine, RecordedSale, StockAfterSale
from api.worker import forecast_config
from db.engine import create_engine, create_session_factory
from db.models import Role, TokenKind

HQ = Actor(
    staff_id=0,
    username="bench",
    role=Role.HQ_OPERATIONS,
    store_id=None,
    region_id=None,
    token_id=0,
    token_kind=TokenKind.SESSION,
)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def timed(runs: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    await call()  # warm: plans cached, pages in memory
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def line(label: str, samples: list[float], unit: str = "ms") -> str:
    return (
        f"{label:<44} p50 {statistics.median(samples):8.2f} {unit}"
        f"   p99 {percentile(samples, 0.99):8.2f} {unit}   n={len(samples)}"
    )


async def bench_kpis(session: AsyncSession, runs: int) -> date | None:
    span = (await session.execute(text("SELECT min(day), max(day) FROM store_hourly"))).one()
    if span[0] is None:
        print("no rollups: seed a history first (chainstore seed --demo --history-days 90)")
        return None
    first: date = span[0]
    last: date = span[1]
    sizes = (
        await session.execute(
            text(
                "SELECT (SELECT count(*) FROM store), (SELECT count(*) FROM sale),"
                " (SELECT count(*) FROM sale_line), (SELECT count(*) FROM member),"
                " (SELECT count(*) FROM member_category_monthly)"
            )
        )
    ).one()
    print(
        f"history {first} .. {last}: {sizes[0]} stores, {sizes[1]:,} sales, {sizes[2]:,} sale"
        f" lines, {sizes[3]:,} members, {sizes[4]:,} member x category x month rows"
    )
    regions = list((await session.execute(text("SELECT code FROM region ORDER BY code"))).scalars())
    stores = list(
        (await session.execute(text("SELECT code FROM store ORDER BY code LIMIT 3"))).scalars()
    )
    cases: list[tuple[str, dict[str, str]]] = [("chain", {})]
    cases += [(f"region {code}", {"region_code": code}) for code in regions]
    cases += [(f"store {code}", {"store_code": code}) for code in stores]
    go_live = date(last.year, last.month, 1)
    for label, scope in cases:

        async def call(scope: dict[str, str] = scope) -> object:
            return await kpis(
                session,
                HQ,
                first_day=first,
                last_day=last,
                go_live=go_live,
                store_code=scope.get("store_code"),
                region_code=scope.get("region_code"),
            )

        print(line(f"kpis {label}", await timed(runs, call)))
    await bench_analytics(session, runs, first, last, stores, regions)
    return last


async def bench_analytics(
    session: AsyncSession,
    runs: int,
    first: date,
    last: date,
    stores: list[str],
    regions: list[str],
) -> None:
    """Each other analytics query once per case, on the history's last whole month."""
    month = add_months(last.replace(day=1), -1) if last.day < 28 else last.replace(day=1)
    month_end = add_months(month, 1) - timedelta(days=1)
    store = stores[0]
    region = regions[0] if regions else None
    calls: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        (
            f"trafficHeatmap store {store}",
            lambda: operations.traffic_heatmap(
                session, HQ, store_code=store, first_day=first, last_day=last
            ),
        ),
        (
            "staffRanking chain (first 20)",
            lambda: operations.staff_ranking(session, HQ, month=month, first=20),
        ),
        (
            f"storeOperations store {store} (month)",
            lambda: store_ops.store_operations(
                session, HQ, store_code=store, first_day=month, last_day=month_end
            ),
        ),
        (
            f"productInsights region {region} (month)",
            lambda: products.product_insights(
                session, HQ, first_day=month, last_day=month_end, region_code=region
            ),
        ),
        (
            "productInsights chain (month)",
            lambda: products.product_insights(session, HQ, first_day=month, last_day=month_end),
        ),
        (
            f"digitalAdoption region {region}",
            lambda: digital.digital_adoption(session, HQ, month=month, region_code=region),
        ),
        ("digitalExperts chain", lambda: digital.digital_experts(session, HQ, month=month)),
    ]
    for label, call in calls:
        print(line(label, await timed(runs, call)))


async def bench_forecasts(
    session: AsyncSession, runs: int, last: date, max_series: int, max_seconds: float
) -> None:
    """coverWarnings and demandForecast; a bounded forecast run first if none is on record."""
    if not await session.scalar(text("SELECT EXISTS (SELECT FROM demand_forecast)")):
        started = time.perf_counter()
        run = await run_forecasts(
            session,
            forecast_config(Settings()),
            RecordedWeather(),
            today=last + timedelta(days=1),
            max_series=max_series,
            max_seconds=max_seconds,
        )
        seconds = time.perf_counter() - started
        print(
            f"forecast run (none on record): {run.series:,} series, {run.warnings:,} cover"
            f" warnings in {seconds:.1f} s ({1000 * seconds / max(run.series, 1):.1f} ms/series)"
        )
    top = (
        await session.execute(
            text(
                "SELECT s.code AS store, r.code AS region, p.sku FROM demand_forecast f"
                " JOIN store s ON s.id = f.store_id JOIN region r ON r.id = s.region_id"
                " JOIN product p ON p.id = f.product_id"
                " GROUP BY 1, 2, 3 ORDER BY sum(f.units) DESC, 1, 3 LIMIT 1"
            )
        )
    ).one_or_none()
    if top is None:
        print("no forecasts: demandForecast and coverWarnings not timed")
        return
    calls: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        (
            "coverWarnings chain (first 50)",
            lambda: forecasts.list_cover_warnings(
                session, HQ, store_code=None, region_code=None, first=50, after=None
            ),
        ),
        (
            f"coverWarnings region {top.region} (first 50)",
            lambda: forecasts.list_cover_warnings(
                session, HQ, store_code=None, region_code=top.region, first=50, after=None
            ),
        ),
        (
            f"demandForecast store {top.store} {top.sku}",
            lambda: forecasts.demand_forecast(
                session, HQ, sku=top.sku, store_code=top.store, region_code=None
            ),
        ),
        (
            f"demandForecast region {top.region} {top.sku}",
            lambda: forecasts.demand_forecast(
                session, HQ, sku=top.sku, store_code=None, region_code=top.region
            ),
        ),
    ]
    for label, call in calls:
        print(line(label, await timed(runs, call)))


async def bench_rollup_cost(session: AsyncSession, runs: int) -> None:
    row = (
        await session.execute(
            text(
                "SELECT s.id AS store_id, st.id AS staff_id,"
                " (SELECT min(id) FROM member) AS member_id FROM store s"
                " JOIN staff st ON st.store_id = s.id ORDER BY s.code, st.username LIMIT 1"
            )
        )
    ).one()
    skus = list(
        (await session.execute(text("SELECT sku FROM product WHERE region_id IS NULL LIMIT 3")))
        .scalars()
        .all()
    )
    for label, member_id in (("", None), (", a member", row.member_id)):
        sale = RecordedSale(
            id=0,
            store_id=row.store_id,
            receipt_no="bench",
            sold_at=datetime.now(UTC),
            points_redeemed=0,
            subtotal_cents=600,
            discount_cents=0,
            total_cents=600,
            lines=[RecordedLine(i, sku, 1, 200, 0, 200) for i, sku in enumerate(skus, 1)],
            member_id=member_id,
            stock=[StockAfterSale(sku, 10) for sku in skus],
        )
        samples = []
        for _ in range(runs + 1):
            async with session.begin_nested() as savepoint:
                started = time.perf_counter()
                await rollups.record_sale(session, sale, staff_id=row.staff_id)
                samples.append((time.perf_counter() - started) * 1000)
                await savepoint.rollback()
        print(line(f"rollups per recorded sale (3 SKUs{label})", samples[1:]))


async def main(runs: int, forecast_series: int, forecast_seconds: float) -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("set DATABASE_URL to a database with history")
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            last = await bench_kpis(session, runs)
            if last is not None:
                await bench_forecasts(session, runs, last, forecast_series, forecast_seconds)
            await bench_rollup_cost(session, runs * 10)
            await session.rollback()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--forecast-series", type=int, default=2000)
    parser.add_argument("--forecast-seconds", type=float, default=120.0)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.forecast_series, args.forecast_seconds))
