"""Benchmark the analytics: latency of the kpis query (chain, each region, some stores) and of
the other analytics queries (traffic, staff months, store operations, product insights, digital
adoption and experts) on the database's history, and what the rollups cost a recorded sale.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.analytics_kpis [--runs 50]

Run it on a chain with history (`chainstore seed --demo --history-days 90`). Domain calls in
one process, no HTTP: the figures are the query's own (the API adds its per-request cost, see
bench/run.py). The rollup cost is the one upsert statement a sale adds, timed inside a
transaction that is rolled back, so the database is left as it was.
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

from api.domain.access import Actor
from api.domain.analytics import digital, operations, products, rollups, store_ops
from api.domain.analytics.kpis import add_months, kpis
from api.domain.sales.record import RecordedLine, RecordedSale, StockAfterSale
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
        f"{label:<34} p50 {statistics.median(samples):8.2f} {unit}"
        f"   p99 {percentile(samples, 0.99):8.2f} {unit}   n={len(samples)}"
    )


async def bench_kpis(session: AsyncSession, runs: int) -> None:
    span = (await session.execute(text("SELECT min(day), max(day) FROM store_hourly"))).one()
    if span[0] is None:
        print("no rollups: seed a history first (chainstore seed --demo --history-days 90)")
        return
    first, last = span
    lines = (await session.execute(text("SELECT count(*) FROM sale_line"))).scalar_one()
    print(f"history {first} .. {last}, {lines:,} sale lines")
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
            return await kpis(session, HQ, first_day=first, last_day=last, go_live=go_live, **scope)

        print(line(f"kpis {label}", await timed(runs, call)))
    await bench_analytics(session, runs, first, last, stores, regions)


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


async def bench_rollup_cost(session: AsyncSession, runs: int) -> None:
    row = (
        await session.execute(
            text(
                "SELECT s.id AS store_id, st.id AS staff_id FROM store s"
                " JOIN staff st ON st.store_id = s.id ORDER BY s.code, st.username LIMIT 1"
            )
        )
    ).one()
    skus = list(
        (await session.execute(text("SELECT sku FROM product WHERE region_id IS NULL LIMIT 3")))
        .scalars()
        .all()
    )
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
        stock=[StockAfterSale(sku, 10) for sku in skus],
    )
    samples = []
    for _ in range(runs + 1):
        async with session.begin_nested() as savepoint:
            started = time.perf_counter()
            await rollups.record_sale(session, sale, staff_id=row.staff_id)
            samples.append((time.perf_counter() - started) * 1000)
            await savepoint.rollback()
    print(line("rollups per recorded sale (3 SKUs)", samples[1:]))


async def main(runs: int) -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("set DATABASE_URL to a database with history")
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await bench_kpis(session, runs)
            await bench_rollup_cost(session, runs * 10)
            await session.rollback()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    asyncio.run(main(parser.parse_args().runs))
