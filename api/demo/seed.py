"""A deterministic, idempotent demo chain: 4 regions, 57 stores, 620 products, 187 staff.

Running `seed_demo` again creates nothing: rows are inserted with
``INSERT ... ON CONFLICT DO NOTHING``, so a row whose natural key (region and store ``code``,
product ``sku`` or ``barcode``, staff ``username``) already exists is skipped and never modified.
There is no randomness beyond generators seeded from constants: every run yields the same chain.

Regions: ``EAST`` 华东, ``NORTH`` 华北, ``SOUTH`` 华南, ``WEST`` 西部. Stores are coded by city
(``SH-001`` 上海, ``BJ-004`` 北京, ``UQ-001`` 乌鲁木齐 ...); the Xinjiang stores (``UQ-*``,
``KS-*``) keep ``Asia/Urumqi`` time, every other store ``Asia/Shanghai``.

Demo accounts. Every human account's password is ``DEMO_PASSWORD`` ("chainstore-demo"):

=====================================  =================  ================================
username                               role               home
=====================================  =================  ================================
``admin``                              ADMIN              -
``hq.ops``                             HQ_OPERATIONS      -
``hq.compliance``                      HQ_COMPLIANCE      -
``integrator.pos``                     INTEGRATOR         - (no password: API tokens only)
``rm.east`` ``rm.north`` ...           REGION_MANAGER     that region
``handler.east`` ``handler.east.2``    COMPLAINT_HANDLER  that region (two per region)
``sm.sh-001``                          STORE_MANAGER      store SH-001 (one per store)
``clerk.sh-001.1`` ``clerk.sh-001.2``  CLERK              store SH-001 (two per store)
=====================================  =================  ================================

The region part is the lower-cased region code, the store part the lower-cased store code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.catalogue import CATALOGUE
from api.demo.chain import HOURS, REGIONS, STAFF, STORES
from api.demo.complaints import seed_demo_complaints
from api.demo.members import seed_demo_members
from api.demo.promotions import seed_demo_promotions
from api.demo.shifts import seed_demo_shifts
from api.demo.stock import seed_demo_stock
from api.demo.summary import SeedReport
from api.domain.analytics.rebuild import rebuild_rollups
from api.domain.passwords import hash_password
from db.models import Product, Region, Staff, StaffStatus, Store
from db.pii import KeyRing, key_ring_from_environment
from db.pinyin import initials

DEMO_PASSWORD = "chainstore-demo"  # noqa: S105 - published on purpose, demo accounts only
PRODUCT_CHUNK = 200
STAFF_CHUNK = 200

ProgressCallback = Callable[[str, int, int], None]  # (phase label, done, total)


def _ignore_progress(label: str, done: int, total: int) -> None:
    pass


async def seed_demo(
    session: AsyncSession,
    *,
    progress: ProgressCallback | None = None,
    ring: KeyRing | None = None,
    stock_as_of: datetime | None = None,
) -> SeedReport:
    """Create whatever part of the demo chain is missing. Flushes, never commits.

    `ring` seals the members' phone numbers; the CLI hands down its settings' ring, tests
    may leave it to the process's configuration. `stock_as_of` dates the opening stock (a
    sales history that follows starts there: api/demo/history.py)."""
    report = progress or _ignore_progress
    ring = ring or key_ring_from_environment()
    regions = await _seed_regions(session, report)
    region_ids = await _ids(session, Region, list(REGIONS))
    stores = await _seed_stores(session, region_ids, report)
    store_ids = await _ids(session, Store, [store.code for store in STORES])
    products = await _seed_products(session, region_ids, report)
    staff = await _seed_staff(session, region_ids, store_ids, report)
    members = await seed_demo_members(session, ring)  # api/demo/members.py
    balances = await seed_demo_stock(session, as_of=stock_as_of)  # opening stock: api/demo/stock.py
    standards, shifts = await seed_demo_shifts(session)  # api/demo/shifts.py
    complaints = await seed_demo_complaints(session, ring)  # api/demo/complaints.py
    await seed_demo_promotions(session)  # HQ's promotion in the east: api/demo/promotions.py
    await session.flush()
    if members or shifts:
        # The demo's members and shifts are inserted directly, not through the rules that keep
        # the analytics rollups: count them in (a re-run that adds nothing skips this).
        await rebuild_rollups(session)
    return SeedReport(
        regions=regions,
        stores=stores,
        products=products,
        staff=staff,
        members=members,
        stock_balances=balances,
        standards=standards,
        shifts=shifts,
        complaints=complaints,
        demo_password=DEMO_PASSWORD,
    )


async def _insert_new(
    session: AsyncSession, model: type[Region | Store | Product | Staff], rows: Sequence[Any]
) -> int:
    """Insert rows, skipping any whose natural key (or other unique column) already exists."""
    if not rows:
        return 0
    # No conflict target: a clash on any unique column (code, sku, barcode, username) skips the
    # row rather than aborting the seed. RETURNING yields only the rows actually inserted.
    stmt = insert(model).values(list(rows)).on_conflict_do_nothing().returning(model.id)
    return len((await session.execute(stmt)).all())


async def _seed_regions(session: AsyncSession, report: ProgressCallback) -> int:
    report("regions", 0, len(REGIONS))
    rows = [{"code": code, "name": name} for code, name in REGIONS.items()]
    created = await _insert_new(session, Region, rows)
    report("regions", len(REGIONS), len(REGIONS))
    return created


async def _ids(
    session: AsyncSession, model: type[Region | Store], codes: list[str]
) -> dict[str, int]:
    """Ids by code, for rows created now or by an earlier run."""
    result = await session.execute(select(model.code, model.id).where(model.code.in_(codes)))
    return {code: id_ for code, id_ in result}


async def _seed_stores(
    session: AsyncSession, region_ids: dict[str, int], report: ProgressCallback
) -> int:
    report("stores", 0, len(STORES))
    rows = [
        {
            "code": store.code,
            "name": store.name,
            "region_id": region_ids[store.region],
            "type": store.type,
            "city": store.city,
            "address": store.address,
            "latitude": store.latitude,
            "longitude": store.longitude,
            "time_zone": store.time_zone,
            "opening_hours": HOURS[store.hours],
        }
        for store in STORES
    ]
    created = await _insert_new(session, Store, rows)
    report("stores", len(STORES), len(STORES))
    return created


async def _seed_products(
    session: AsyncSession, region_ids: dict[str, int], report: ProgressCallback
) -> int:
    total = len(CATALOGUE)
    report("products", 0, total)
    created = 0
    for start in range(0, total, PRODUCT_CHUNK):
        chunk = CATALOGUE[start : start + PRODUCT_CHUNK]
        rows = [
            {
                "sku": p.sku,
                "barcode": p.barcode,
                "name": p.name,
                "category": p.category,
                "unit": p.unit,
                "price_cents": p.price_cents,
                "region_id": None if p.region_code is None else region_ids[p.region_code],
                "seasonal": p.seasonal,
                "shelf_life_days": p.shelf_life_days,
                # Given here: a multi-row VALUES cannot run the model's per-row default.
                "pinyin_initials": initials(p.name),
            }
            for p in chunk
        ]
        created += await _insert_new(session, Product, rows)
        report("products", start + len(chunk), total)
    return created


async def _seed_staff(
    session: AsyncSession,
    region_ids: dict[str, int],
    store_ids: dict[str, int],
    report: ProgressCallback,
) -> int:
    total = len(STAFF)
    report("staff", 0, total)
    existing = set(
        await session.scalars(
            select(Staff.username).where(Staff.username.in_([s.username for s in STAFF]))
        )
    )
    missing = [spec for spec in STAFF if spec.username not in existing]
    password_hash: str | None = None
    if any(spec.has_password for spec in missing):
        # One argon2 hash per run, shared by every demo account created in it. Each argon2 hash
        # embeds its own random salt, so sharing one only means these demo accounts (which all
        # have the same published password anyway) carry identical hashes. Acceptable for demo
        # data, and it keeps seeding fast: one ~50 ms hash instead of one per account.
        password_hash = await asyncio.to_thread(hash_password, DEMO_PASSWORD)
    done = len(existing)
    if done:
        report("staff", done, total)
    created = 0
    for start in range(0, len(missing), STAFF_CHUNK):
        chunk = missing[start : start + STAFF_CHUNK]
        rows = [
            {
                "username": spec.username,
                "display_name": spec.display_name,
                "role": spec.role,
                "store_id": None if spec.store_code is None else store_ids[spec.store_code],
                "region_id": None if spec.region_code is None else region_ids[spec.region_code],
                "status": StaffStatus.ACTIVE,
                "password_hash": password_hash if spec.has_password else None,
            }
            for spec in chunk
        ]
        created += await _insert_new(session, Staff, rows)
        done += len(chunk)
        report("staff", done, total)
    return created
