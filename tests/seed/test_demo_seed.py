"""The demo chain seed: realistic, deterministic and idempotent."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.catalogue import CATALOGUE
from api.demo.seed import DEMO_PASSWORD, seed_demo
from api.demo.summary import describe_demo_chain
from api.domain.organisation import opening_periods, validate_opening_hours
from api.domain.passwords import verify_password
from db.models import Product, Region, Role, Staff, Store, StoreType

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


async def _counts(session: AsyncSession) -> dict[str, int]:
    counts: dict[str, int] = {}
    for model in (Region, Store, Product, Staff):
        result = await session.execute(select(func.count()).select_from(model))
        counts[model.__tablename__] = result.scalar_one()
    return counts


def _ean13_valid(code: str) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    return (10 - total % 10) % 10 == int(code[12])


async def test_first_run_creates_a_realistic_chain(session: AsyncSession) -> None:
    events: list[tuple[str, int, int]] = []
    report = await seed_demo(session, progress=lambda *event: events.append(event))
    await session.commit()

    counts = await _counts(session)
    assert report.demo_password == DEMO_PASSWORD
    # Everything the chain holds was made by this first run, and the report says so.
    assert report.created() == (await describe_demo_chain(session)).counts
    assert all(report.created().values())
    assert counts["region"] >= 3
    assert counts["store"] >= 30
    assert counts["product"] >= 500

    types_by_region: dict[str, set[StoreType]] = defaultdict(set)
    for code, store_type in await session.execute(
        select(Region.code, Store.type).join(Store, Store.region_id == Region.id)
    ):
        types_by_region[code].add(store_type)
    assert len(types_by_region) == counts["region"]
    assert all(types == set(StoreType) for types in types_by_region.values()), types_by_region

    core = await session.scalar(select(func.count()).where(Product.region_id.is_(None)))
    seasonal = await session.scalar(select(func.count()).where(Product.seasonal))
    assert core is not None and seasonal is not None
    assert 0.75 <= core / counts["product"] <= 0.95  # mostly core, some regional
    assert 0.05 <= seasonal / counts["product"] <= 0.2
    regional_regions = await session.scalars(
        select(Product.region_id).where(Product.region_id.is_not(None)).distinct()
    )
    assert len(regional_regions.all()) == counts["region"]  # every region has specialities

    roles = set(await session.scalars(select(Staff.role).distinct()))
    assert roles == set(Role)

    # Every phase reports, and finishes at done == total.
    last: dict[str, tuple[int, int]] = {}
    for label, done, total in events:
        assert 0 <= done <= total
        last[label] = (done, total)
    assert set(last) == {"regions", "stores", "products", "staff"}
    assert all(done == total for done, total in last.values())
    assert sum(1 for label, _, _ in events if label == "products") >= 3  # reported in chunks


async def test_second_run_creates_nothing(session: AsyncSession) -> None:
    await seed_demo(session)
    await session.commit()
    before = await _counts(session)

    again = await seed_demo(session)
    await session.commit()

    assert set(again.created().values()) == {0}
    assert again.created().keys() == (await describe_demo_chain(session)).counts.keys()
    assert await _counts(session) == before


async def test_existing_rows_are_kept_and_reused(session: AsyncSession) -> None:
    east = Region(code="EAST", name="已有的华东")
    session.add(east)
    await session.commit()

    report = await seed_demo(session)
    await session.commit()

    assert report.regions == 3
    await session.refresh(east)
    assert east.name == "已有的华东"
    shanghai = await session.scalar(select(Store).where(Store.code == "SH-001"))
    assert shanghai is not None and shanghai.region_id == east.id


async def test_products_have_valid_unique_barcodes_and_sane_fields(session: AsyncSession) -> None:
    await seed_demo(session)
    await session.commit()

    products = (await session.scalars(select(Product))).all()
    assert all(_ean13_valid(p.barcode) and p.barcode.startswith("69") for p in products)
    assert len({p.barcode for p in products}) == len(products)
    assert all(re.fullmatch(r"SKU-\d{6}", p.sku) for p in products)
    assert all(re.fullmatch(r"[A-Z_]+", p.category) for p in products)
    assert all(50 <= p.price_cents <= 100_000 for p in products)
    assert all(p.shelf_life_days is None or p.shelf_life_days > 0 for p in products)
    fruit = [p for p in products if p.category == "FRESH_FRUIT"]
    assert fruit and all(p.shelf_life_days is not None and p.shelf_life_days <= 3 for p in fruit)
    stationery = [p for p in products if p.category == "STATIONERY"]
    assert stationery and all(p.shelf_life_days is None for p in stationery)


async def test_stores_have_real_time_zones_hours_and_coordinates(session: AsyncSession) -> None:
    await seed_demo(session)
    await session.commit()

    stores = (await session.scalars(select(Store))).all()
    zones = available_timezones()
    for store in stores:
        assert store.time_zone in zones
        ZoneInfo(store.time_zone)
        assert validate_opening_hours(opening_periods(store.opening_hours)) == store.opening_hours
        assert 18 <= store.latitude <= 54 and 73 <= store.longitude <= 135  # inside China
        assert store.latitude == store.latitude.quantize(Decimal("0.000001"))
        assert re.fullmatch(r"[A-Z]{2}-\d{3}", store.code)
    assert {s.time_zone for s in stores} == {"Asia/Shanghai", "Asia/Urumqi"}
    school = [s for s in stores if s.type is StoreType.SCHOOL]
    # School stores close on some weekend days.
    assert any(not s.opening_hours["SATURDAY"] or not s.opening_hours["SUNDAY"] for s in school)
    assert any(s.opening_hours["MONDAY"] == [["00:00", "24:00"]] for s in stores)


async def test_staff_accounts_follow_the_documented_scheme(session: AsyncSession) -> None:
    await seed_demo(session)
    await session.commit()

    staff = {s.username: s for s in (await session.scalars(select(Staff))).all()}
    assert all(USERNAME.fullmatch(name) for name in staff)
    store_ids = {code: id_ for code, id_ in await session.execute(select(Store.code, Store.id))}
    region_ids = {code: id_ for code, id_ in await session.execute(select(Region.code, Region.id))}

    for username, role in [
        ("admin", Role.ADMIN),
        ("hq.ops", Role.HQ_OPERATIONS),
        ("hq.compliance", Role.HQ_COMPLIANCE),
    ]:
        assert staff[username].role is role
        assert staff[username].store_id is None and staff[username].region_id is None
    integrator = staff["integrator.pos"]
    assert integrator.role is Role.INTEGRATOR and integrator.password_hash is None

    for code, region_id in region_ids.items():
        key = code.lower()
        assert staff[f"rm.{key}"].role is Role.REGION_MANAGER
        assert staff[f"rm.{key}"].region_id == region_id
        for handler in (f"handler.{key}", f"handler.{key}.2"):
            assert staff[handler].role is Role.COMPLAINT_HANDLER
            assert staff[handler].region_id == region_id
    for code, store_id in store_ids.items():
        key = code.lower()
        assert staff[f"sm.{key}"].role is Role.STORE_MANAGER
        assert staff[f"sm.{key}"].store_id == store_id
        for clerk in (f"clerk.{key}.1", f"clerk.{key}.2"):
            assert staff[clerk].role is Role.CLERK and staff[clerk].store_id == store_id

    # Display names are Chinese, and every human signs in with the demo password.
    assert all(re.search(r"[\u4e00-\u9fff]", s.display_name) for s in staff.values())
    ok, _ = await verify_password(staff["sm.sh-001"].password_hash, DEMO_PASSWORD)
    assert ok
    assert all(s.password_hash for s in staff.values() if s.role is not Role.INTEGRATOR)


async def test_output_is_deterministic(session: AsyncSession) -> None:
    await seed_demo(session)
    await session.commit()

    first = await session.scalar(select(Product).where(Product.sku == "SKU-000001"))
    assert first is not None
    assert (first.name, first.price_cents, first.barcode, first.category, first.unit) == (
        "可口可乐 可乐 330ml",
        300,
        "6937803000019",
        "BEVERAGES",
        "罐",
    )
    assert first.region_id is None and not first.seasonal

    store = await session.scalar(select(Store).where(Store.code == "SH-001"))
    assert store is not None
    assert (store.name, store.city, store.latitude, store.longitude, store.time_zone) == (
        "链店 上海南京西路店",
        "上海",
        Decimal("31.229000"),
        Decimal("121.452600"),
        "Asia/Shanghai",
    )
    manager = await session.scalar(select(Staff).where(Staff.username == "sm.sh-001"))
    assert manager is not None and manager.display_name == "张浩杰"

    # The whole catalogue lands exactly as specified.
    regions = await session.execute(select(Region.id, Region.code))
    region_codes = {id_: code for id_, code in regions}
    rows = {p.sku: p for p in (await session.scalars(select(Product))).all()}
    assert len(rows) == len(CATALOGUE)
    for spec in CATALOGUE:
        row = rows[spec.sku]
        assert (row.barcode, row.name, row.category, row.unit, row.price_cents) == (
            spec.barcode,
            spec.name,
            spec.category,
            spec.unit,
            spec.price_cents,
        )
        region_code = None if row.region_id is None else region_codes[row.region_id]
        assert region_code == spec.region_code
        assert (row.seasonal, row.shelf_life_days) == (spec.seasonal, spec.shelf_life_days)
