"""Regions, stores and products: the reference data every other domain points at."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.errors import InvalidInput, NotFound
from api.domain.pagination import Page, keyset_page
from db.models import Product, Region, Store, StoreType
from db.pinyin import looks_like_initials

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


@dataclass(frozen=True)
class StoreFilter:
    region_code: str | None = None
    type: StoreType | None = None
    city: str | None = None
    search: str | None = None  # code or name contains


@dataclass(frozen=True)
class ProductFilter:
    category: str | None = None
    core: bool | None = None
    sold_in_region: str | None = None  # core SKUs plus that region's own
    seasonal: bool | None = None
    search: str | None = None  # name, SKU or pinyin initials contain, or exact barcode


@dataclass(frozen=True)
class OpeningPeriod:
    day: str
    opens: str
    closes: str


def _contains(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_regions(session: AsyncSession, actor: Actor | None) -> list[Region]:
    require(actor, Permission.VIEW_ORGANISATION)
    return list((await session.scalars(select(Region).order_by(Region.code))).all())


async def regions_by_id(session: AsyncSession, ids: list[int]) -> dict[int, Region]:
    rows = await session.scalars(select(Region).where(Region.id.in_(ids)))
    return {r.id: r for r in rows}


async def stores_by_id(session: AsyncSession, ids: list[int]) -> dict[int, Store]:
    rows = await session.scalars(select(Store).where(Store.id.in_(ids)))
    return {s.id: s for s in rows}


async def list_stores(
    session: AsyncSession,
    actor: Actor | None,
    *,
    filter: StoreFilter,
    first: int | None,
    after: str | None,
) -> Page[Store]:
    """The store directory. Every signed-in staff member may read it (nearby-stock and transfer
    suggestions name other stores); store-scoped data about a store is guarded elsewhere."""
    require(actor, Permission.VIEW_ORGANISATION)
    stmt = select(Store)
    if filter.region_code is not None:
        region_id = await _region_id(session, filter.region_code, argument="regionCode")
        stmt = stmt.where(Store.region_id == region_id)
    if filter.type is not None:
        stmt = stmt.where(Store.type == filter.type)
    if filter.city is not None:
        stmt = stmt.where(Store.city == filter.city)
    if filter.search:
        pattern = _contains(filter.search.strip())
        stmt = stmt.where(or_(Store.code.ilike(pattern), Store.name.ilike(pattern)))
    return await keyset_page(
        session,
        stmt,
        kind="store",
        key_columns=[Store.code],
        key_of=lambda s: [s.code],
        first=first,
        after=after,
    )


async def stores_in_region(
    session: AsyncSession, region_id: int, *, first: int | None, after: str | None
) -> Page[Store]:
    return await keyset_page(
        session,
        select(Store).where(Store.region_id == region_id),
        kind="store",
        key_columns=[Store.code],
        key_of=lambda s: [s.code],
        first=first,
        after=after,
    )


async def _region_id(session: AsyncSession, code: str, *, argument: str) -> int:
    """A filter naming one region names one that exists (an unknown one is no empty list)."""
    region_id = await session.scalar(select(Region.id).where(Region.code == code))
    if region_id is None:
        raise region_not_found(code, argument=argument)
    return region_id


async def regions_by_code(
    session: AsyncSession, actor: Actor | None, codes: Sequence[str]
) -> dict[str, Region]:
    """The regions among these codes, in one statement; every region is public to whoever
    may read the directory (as `regions` lists them all)."""
    require(actor, Permission.VIEW_ORGANISATION)
    rows = await session.scalars(select(Region).where(Region.code.in_(list(codes))))
    return {r.code: r for r in rows}


def region_not_found(code: str, *, argument: str) -> NotFound:
    return NotFound(f"No region has code {code!r}.", argument=argument)


async def stores_by_code(
    session: AsyncSession, actor: Actor | None, codes: Sequence[str]
) -> dict[str, Store]:
    """The stores among these codes, in one statement (the directory is read by everyone
    signed in, see list_stores)."""
    require(actor, Permission.VIEW_ORGANISATION)
    rows = await session.scalars(select(Store).where(Store.code.in_(list(codes))))
    return {s.code: s for s in rows}


def store_not_found(code: str, *, argument: str) -> NotFound:
    return NotFound(f"No store has code {code!r}.", argument=argument)


async def get_store(session: AsyncSession, actor: Actor | None, code: str) -> Store:
    store = (await stores_by_code(session, actor, [code])).get(code)
    if store is None:
        raise store_not_found(code, argument="code")
    return store


async def list_products(
    session: AsyncSession,
    actor: Actor | None,
    *,
    filter: ProductFilter,
    first: int | None,
    after: str | None,
) -> Page[Product]:
    require(actor, Permission.VIEW_ORGANISATION)
    stmt = select(Product)
    if filter.category is not None:
        stmt = stmt.where(Product.category == filter.category)
    if filter.core is not None:
        stmt = stmt.where(
            Product.region_id.is_(None) if filter.core else Product.region_id.is_not(None)
        )
    if filter.seasonal is not None:
        stmt = stmt.where(Product.seasonal.is_(filter.seasonal))
    if filter.sold_in_region is not None:
        region_id = await _region_id(session, filter.sold_in_region, argument="soldInRegion")
        stmt = stmt.where(or_(Product.region_id.is_(None), Product.region_id == region_id))
    if filter.search:
        term = filter.search.strip()
        pattern = _contains(term)
        matches = [Product.name.ilike(pattern), Product.sku.ilike(pattern), Product.barcode == term]
        if looks_like_initials(term):  # "blg" finds 板蓝根颗粒
            matches.append(Product.pinyin_initials.contains(term.lower(), autoescape=True))
        stmt = stmt.where(or_(*matches))
    return await keyset_page(
        session,
        stmt,
        kind="product",
        key_columns=[Product.sku],
        key_of=lambda p: [p.sku],
        first=first,
        after=after,
    )


async def products_by_sku(
    session: AsyncSession, actor: Actor | None, skus: Sequence[str]
) -> dict[str, Product]:
    """The products among these SKUs, in one statement."""
    require(actor, Permission.VIEW_ORGANISATION)
    rows = await session.scalars(select(Product).where(Product.sku.in_(list(skus))))
    return {p.sku: p for p in rows}


def product_not_found(sku: str, *, argument: str) -> NotFound:
    return NotFound(f"No product has SKU {sku!r}.", argument=argument)


async def get_product(session: AsyncSession, actor: Actor | None, sku: str) -> Product:
    product = (await products_by_sku(session, actor, [sku])).get(sku)
    if product is None:
        raise product_not_found(sku, argument="sku")
    return product


def opening_periods(hours: dict[str, Any]) -> list[OpeningPeriod]:
    return [
        OpeningPeriod(day=day, opens=opens, closes=closes)
        for day in DAYS
        for opens, closes in hours.get(day, [])
    ]


def _valid_time(value: str, *, allow_24: bool) -> bool:
    if len(value) != 5 or value[2] != ":" or not (value[:2] + value[3:]).isdigit():
        return False
    hours, minutes = int(value[:2]), int(value[3:])
    if allow_24 and (hours, minutes) == (24, 0):
        return True
    return hours < 24 and minutes < 60


def validate_opening_hours(periods: list[OpeningPeriod]) -> dict[str, list[list[str]]]:
    """Check periods and fold them into the stored shape; every problem is named at once."""
    problems: list[str] = []
    hours: dict[str, list[list[str]]] = {day: [] for day in DAYS}
    for index, period in enumerate(periods):
        if period.day not in DAYS:
            problems.append(f"openingHours[{index}].day: {period.day!r} is not a weekday name")
            continue
        if not _valid_time(period.opens, allow_24=False):
            problems.append(f"openingHours[{index}].opens: expected HH:MM, got {period.opens!r}")
        elif not _valid_time(period.closes, allow_24=True):
            problems.append(f"openingHours[{index}].closes: expected HH:MM, got {period.closes!r}")
        elif period.closes <= period.opens:
            problems.append(f"openingHours[{index}]: closes must be after opens")
        else:
            hours[period.day].append([period.opens, period.closes])
    for day, spans in hours.items():
        spans.sort()
        for (_, prev_close), (next_open, _) in itertools.pairwise(spans):
            if next_open < prev_close:
                problems.append(f"openingHours: {day} has overlapping periods")
    if problems:
        raise InvalidInput.listing(problems)
    return hours


async def set_opening_hours(
    session: AsyncSession, actor: Actor | None, *, store_code: str, periods: list[OpeningPeriod]
) -> Store:
    target = await authorize_store(session, actor, store_code, Permission.MANAGE_STORE_SETTINGS)
    hours = validate_opening_hours(periods)
    store = await session.get_one(Store, target.id)
    store.opening_hours = hours
    await session.flush()
    return store
