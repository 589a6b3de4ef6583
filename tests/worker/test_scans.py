"""The scheduled scans: slow movers and near expiry in store-local days, one alert per store x
SKU however many workers run, events written, and `chainstore worker --once` itself."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.domain.scans import scan_near_expiry, scan_slow_movers
from api.domain.stock.ledger import Change, apply_movements
from api.worker import JOBS, run_jobs
from db.engine import create_engine, create_session_factory
from db.models import MovementKind
from tests.conftest import REPO

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai, 18:00 in Urumqi


async def ids(session: AsyncSession, store: str, sku: str) -> Any:
    return (
        await session.execute(
            text(
                "SELECT s.id AS store_id, s.region_id, p.id AS product_id FROM store s, product p "
                "WHERE s.code = :store AND p.sku = :sku"
            ),
            {"store": store, "sku": sku},
        )
    ).one()


async def receive(session: AsyncSession, store: str, sku: str, quantity: int) -> None:
    row = await ids(session, store, sku)
    await apply_movements(
        session,
        store_id=row.store_id,
        region_id=row.region_id,
        kind=MovementKind.RECEIPT,
        changes=[Change(row.product_id, quantity)],
    )


async def sold_at(session: AsyncSession, store: str, sku: str, when: datetime) -> None:
    """A SALE movement stamped `when` (the ledger stamps now(); the scan reads the stamp)."""
    row = await ids(session, store, sku)
    await session.execute(
        text(
            "INSERT INTO stock_movement (store_id, product_id, kind, quantity, balance_after, "
            "occurred_at) VALUES (:s, :p, 'SALE', -1, 0, :when)"
        ),
        {"s": row.store_id, "p": row.product_id, "when": when},
    )


async def batch(session: AsyncSession, store: str, sku: str, quantity: int, expires: date) -> None:
    row = await ids(session, store, sku)
    await session.execute(
        text(
            "INSERT INTO stock_batch (store_id, product_id, quantity, expires_on) "
            "VALUES (:s, :p, :q, :e)"
        ),
        {"s": row.store_id, "p": row.product_id, "q": quantity, "e": expires},
    )


async def open_alerts(session: AsyncSession, kind: str) -> list[tuple[Any, ...]]:
    rows = await session.execute(
        text(
            "SELECT s.code, p.sku, a.details FROM stock_alert a JOIN store s ON s.id = a.store_id "
            "JOIN product p ON p.id = a.product_id WHERE a.kind = :kind AND a.status = 'OPEN' "
            "ORDER BY s.code, p.sku"
        ),
        {"kind": kind},
    )
    return [tuple(r) for r in rows]


async def seasonal_stock(session: AsyncSession) -> None:
    """SKU-CORE-1 made seasonal and stocked at every store."""
    await session.execute(text("UPDATE product SET seasonal = true WHERE sku = 'SKU-CORE-1'"))
    for store in ("E1", "E2", "W1"):
        await receive(session, store, "SKU-CORE-1", 10)


async def test_slow_movers_use_each_stores_local_days(org_session: AsyncSession) -> None:
    await seasonal_stock(org_session)
    # 17:00 UTC on the 21st: after Shanghai's local midnight of the 22nd (16:00 UTC), before
    # Urumqi's (18:00 UTC). Three store-local days ago, E1 sold it and W1 did not.
    sale = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
    await sold_at(org_session, "E1", "SKU-CORE-1", sale)
    await sold_at(org_session, "W1", "SKU-CORE-1", sale)
    result = await scan_slow_movers(org_session, days=3, now=NOW)
    assert (result.opened, result.cleared) == (2, 0)
    alerts = await open_alerts(org_session, "SLOW_MOVER")
    assert [(store, sku) for store, sku, _ in alerts] == [
        ("E2", "SKU-CORE-1"),  # never sold
        ("W1", "SKU-CORE-1"),
    ]
    assert alerts[1][2]["onHand"] == 10
    assert alerts[1][2]["since"].startswith("2026-11-21T18:00:00")

    # Scanning again changes nothing; a sale exactly at Urumqi's midnight counts as recent.
    assert await scan_slow_movers(org_session, days=3, now=NOW) == type(result)(0, 0)
    await sold_at(org_session, "W1", "SKU-CORE-1", datetime(2026, 11, 21, 18, 0, tzinfo=UTC))
    cleared = await scan_slow_movers(org_session, days=3, now=NOW)
    assert (cleared.opened, cleared.cleared) == (0, 1)
    assert [a[0] for a in await open_alerts(org_session, "SLOW_MOVER")] == ["E2"]

    # Only while stock remains, and only for seasonal goods.
    row = await ids(org_session, "E2", "SKU-CORE-1")
    await apply_movements(
        org_session,
        store_id=row.store_id,
        region_id=row.region_id,
        kind=MovementKind.WRITE_OFF,
        changes=[Change(row.product_id, -10)],
    )
    await receive(org_session, "E1", "SKU-CORE-2", 5)  # not seasonal, never sold
    assert (await scan_slow_movers(org_session, days=3, now=NOW)).cleared == 1
    assert await open_alerts(org_session, "SLOW_MOVER") == []

    events = await org_session.execute(
        text("SELECT kind, count(*) FROM event WHERE kind LIKE 'SLOW_MOVER%' GROUP BY kind")
    )
    assert {kind: n for kind, n in events} == {"SLOW_MOVER_RAISED": 2, "SLOW_MOVER_CLEARED": 2}


async def test_near_expiry_counts_what_is_left_and_store_local_dates(
    org_session: AsyncSession,
) -> None:
    now = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 26th 01:00 in Shanghai, 25th 23:00 Urumqi
    for store in ("E1", "W1"):
        await receive(org_session, store, "SKU-CORE-2", 12)
        await batch(org_session, store, "SKU-CORE-2", 10, date(2026, 11, 27))
        await batch(org_session, store, "SKU-CORE-2", 5, date(2026, 12, 30))
    # E2's only near batch has been sold through: its 4 on hand are the newer batch's.
    await receive(org_session, "E2", "SKU-CORE-2", 4)
    await batch(org_session, "E2", "SKU-CORE-2", 10, date(2026, 11, 26))
    await batch(org_session, "E2", "SKU-CORE-2", 5, date(2026, 12, 30))

    result = await scan_near_expiry(org_session, days=1, now=now)
    # Within 1 local day: Shanghai's window reaches the 27th, Urumqi's only the 26th.
    alerts = await open_alerts(org_session, "NEAR_EXPIRY")
    assert [(store, sku) for store, sku, _ in alerts] == [("E1", "SKU-CORE-2")]
    # First in, first out: of 12 on hand, 5 are the newest batch, 7 the one expiring.
    assert alerts[0][2] == {"expiresOn": "2026-11-27", "quantity": 7, "onHand": 12}
    assert (result.opened, result.cleared) == (1, 0)

    wider = await scan_near_expiry(org_session, days=2, now=now)
    assert (wider.opened, wider.cleared) == (1, 0)
    assert [a[0] for a in await open_alerts(org_session, "NEAR_EXPIRY")] == ["E1", "W1"]

    # Once the expiring goods are gone (written off), the alert clears.
    row = await ids(org_session, "E1", "SKU-CORE-2")
    await apply_movements(
        org_session,
        store_id=row.store_id,
        region_id=row.region_id,
        kind=MovementKind.WRITE_OFF,
        changes=[Change(row.product_id, -7)],
    )
    assert (await scan_near_expiry(org_session, days=2, now=now)).cleared == 1
    assert [a[0] for a in await open_alerts(org_session, "NEAR_EXPIRY")] == ["W1"]


async def _prepare(url: str) -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with create_session_factory(engine)() as session, session.begin():
        await seasonal_stock(session)  # never sold anywhere: slow at all three stores
        today = (await session.scalar(text("SELECT current_date"))) or date.today()
        await batch(session, "E1", "SKU-CORE-1", 10, today)
    await engine.dispose()


async def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT kind, count(*) FROM stock_alert GROUP BY kind UNION ALL "
                "SELECT kind, count(*) FROM event GROUP BY kind"
            )
        )
        counts = {kind: int(n) for kind, n in rows}
    await engine.dispose()
    return counts


EXPECTED = {"SLOW_MOVER": 3, "NEAR_EXPIRY": 1, "SLOW_MOVER_RAISED": 3, "NEAR_EXPIRY_RAISED": 1}


async def test_two_workers_at_once_make_one_alert_each(org_db: str) -> None:
    await _prepare(org_db)
    engines = [create_engine(org_db, pool_size=1, max_overflow=0) for _ in range(4)]
    try:
        outcomes = await asyncio.gather(
            *[run_jobs(create_session_factory(e), Settings()) for e in engines]
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert all(len(o) == len(JOBS) for o in outcomes)
    assert await _counts(org_db) == EXPECTED


def test_two_worker_processes_once_make_one_alert_each(org_db: str) -> None:
    asyncio.run(_prepare(org_db))
    env = {**os.environ, "DATABASE_URL": org_db}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "api", "worker", "--once"],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert all("slow_movers:" in err for _, err in outputs), outputs
    assert asyncio.run(_counts(org_db)) == EXPECTED


async def test_the_worker_expires_points_of_members_who_never_come_back(org_db: str) -> None:
    from api.domain.members import points
    from tests.members.test_rules import enrol

    engine = create_engine(org_db, pool_size=1, max_overflow=0)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as s, s.begin():
            lapsed, active = (
                await enrol(s, "13975318642", "王芳"),
                await enrol(s, "13800138000", "李雷"),
            )
            long_ago = datetime.now(UTC) - timedelta(days=400)
            await points.grant_bonus(s, member_id=lapsed.id, points=500, credited_at=long_ago)
            await points.grant_bonus(s, member_id=active.id, points=300, credited_at=long_ago)
            await points.grant_bonus(s, member_id=active.id, points=200)  # still valid
            ids = (lapsed.id, active.id)
        first = await run_jobs(sessions, Settings())
        again = await run_jobs(sessions, Settings())
        async with sessions() as s:
            balances = [
                (
                    await s.execute(
                        text("SELECT points_balance FROM member WHERE id = :i"), {"i": i}
                    )
                ).scalar_one()
                for i in ids
            ]
            expiries = (
                await s.execute(text("SELECT count(*) FROM points_ledger WHERE kind = 'EXPIRE'"))
            ).scalar_one()
    finally:
        await engine.dispose()
    assert balances == [0, 200]
    assert expiries == 2
    assert [o.summary for o in first if o.job == "points_expiry"] == [
        "expired points of 2 member(s)"
    ]
    assert [o.summary for o in again if o.job == "points_expiry"] == [
        "expired points of 0 member(s)"
    ]
