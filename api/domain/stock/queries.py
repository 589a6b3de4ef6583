"""Reading stock: one balance, a store's page of balances, nearby stores' stock, stock alerts.

Every list costs a fixed number of statements whatever its length: rows come with their
products from one joined SELECT, and a page of alerts gets all its transfer suggestions from
one more (api/domain/stock/suggestions.py).

The safety level and reorder target of a store x SKU are the store's override when set, else
the product's default; the reorder target is never below the safety level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.errors import InvalidInput, NotFound
from api.domain.pagination import MAX_PAGE_SIZE, Page, keyset_page
from api.domain.stock.suggestions import (
    Shortfall,
    TransferSuggestion,
    great_circle_km_sql,
    transfer_suggestions,
)
from db.models import AlertKind, AlertStatus, Product, StockAlert, StockLevel, Store
from db.pinyin import looks_like_initials


@dataclass(frozen=True)
class StockLevelRow:
    store_id: int
    store_code: str
    product: Product
    on_hand: int
    in_transit: int
    safety_stock: int
    reorder_target: int
    last_sold_at: datetime | None

    @property
    def discrepancy(self) -> bool:
        """Recorded stock below zero: goods left that the books never received."""
        return self.on_hand < 0


@dataclass(frozen=True)
class StockFilter:
    below_safety: bool | None = None
    category: str | None = None
    search: str | None = None  # name or pinyin initials contain, or the exact barcode


@dataclass(frozen=True)
class NearbyRow:
    store: Store
    on_hand: int
    distance_km: float


@dataclass(frozen=True)
class AlertRow:
    id: int
    kind: AlertKind
    status: AlertStatus
    raised_at: datetime
    cleared_at: datetime | None
    store_id: int
    store_code: str
    level: StockLevelRow
    suggestions: list[TransferSuggestion] = field(default_factory=list)

    @property
    def shortfall(self) -> int:
        """What brings the shelf back to its reorder target, counting goods on their way.

        A negative balance counts as an empty shelf: it is a discrepancy in the books, not
        stock that a transfer would have to make up for.
        """
        level = self.level
        return max(0, level.reorder_target - max(level.on_hand, 0) - level.in_transit)


_SAFETY = func.coalesce(StockLevel.safety_stock, Product.default_safety_stock)
_TARGET = func.greatest(
    func.coalesce(StockLevel.reorder_target, Product.default_reorder_target), _SAFETY
)
_LEVEL_COLUMNS = (
    func.coalesce(StockLevel.on_hand, 0).label("on_hand"),
    func.coalesce(StockLevel.in_transit, 0).label("in_transit"),
    _SAFETY.label("safety_stock"),
    _TARGET.label("reorder_target"),
    StockLevel.last_sold_at,
)


def _level(row: Any, store_id: int, store_code: str) -> StockLevelRow:
    return StockLevelRow(
        store_id=store_id,
        store_code=store_code,
        product=row.Product,
        on_hand=row.on_hand,
        in_transit=row.in_transit,
        safety_stock=row.safety_stock,
        reorder_target=row.reorder_target,
        last_sold_at=row.last_sold_at,
    )


def _at_store(store_id: int) -> ColumnElement[bool]:
    return and_(StockLevel.product_id == Product.id, StockLevel.store_id == store_id)


def _contains(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def get_stock_level(
    session: AsyncSession, actor: Actor | None, *, store_code: str, sku: str
) -> StockLevelRow:
    """The balance of a SKU at a store in scope (zero when nothing was ever moved)."""
    store = await authorize_store(session, actor, store_code, Permission.VIEW_STOCK)
    row = (
        await session.execute(
            select(Product, *_LEVEL_COLUMNS)
            .outerjoin(StockLevel, _at_store(store.id))
            .where(Product.sku == sku)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"No product has SKU {sku!r}.", argument="sku")
    return _level(row, store.id, store.code)


async def list_stock_levels(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str,
    filter: StockFilter,
    first: int | None,
    after: str | None,
) -> Page[StockLevelRow]:
    """A store's balances by SKU with their products: one statement for the whole page."""
    store = await authorize_store(session, actor, store_code, Permission.VIEW_STOCK)
    stmt: Select[Any] = select(Product, *_LEVEL_COLUMNS).join(StockLevel, _at_store(store.id))
    if filter.below_safety is not None:
        below = StockLevel.on_hand < _SAFETY
        stmt = stmt.where(below if filter.below_safety else ~below)
    if filter.category is not None:
        stmt = stmt.where(Product.category == filter.category)
    if filter.search:
        term = filter.search.strip()
        matches = [Product.name.ilike(_contains(term)), Product.barcode == term]
        if looks_like_initials(term):  # "blg" finds 板蓝根颗粒
            matches.append(Product.pinyin_initials.contains(term.lower(), autoescape=True))
        stmt = stmt.where(or_(*matches))
    page = await keyset_page(
        session,
        stmt,
        kind="stock",
        key_columns=[Product.sku],
        key_of=lambda r: [r.Product.sku],
        first=first,
        after=after,
        scalars=False,
    )
    return Page(
        items=[(cursor, _level(row, store.id, store.code)) for cursor, row in page.items],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )


async def nearby_stock(
    session: AsyncSession, actor: Actor | None, *, sku: str, store_code: str, first: int
) -> list[NearbyRow]:
    """Other stores holding the SKU, nearest first. The caller needs the origin store in
    scope; the other stores' balances are shown whatever the scope, as a shop assistant
    sending a customer elsewhere needs them (the store directory is public to staff too)."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(f"`first` must be between 1 and {MAX_PAGE_SIZE}.", argument="first")
    origin_store = await authorize_store(session, actor, store_code, Permission.VIEW_STOCK)
    origin = aliased(Store, name="origin")
    other = aliased(Store, name="other")
    distance: ColumnElement[float] = literal_column(great_circle_km_sql("origin", "other"))
    rows = (
        await session.execute(
            select(other, StockLevel.on_hand, distance.label("distance_km"))
            .join(StockLevel, StockLevel.store_id == other.id)
            .join(Product, Product.id == StockLevel.product_id)
            .join(origin, origin.id == origin_store.id)
            .where(Product.sku == sku, other.id != origin_store.id, StockLevel.on_hand > 0)
            .order_by(distance, other.code)
            .limit(first)
        )
    ).all()
    if not rows and await session.scalar(select(Product.id).where(Product.sku == sku)) is None:
        raise NotFound(f"No product has SKU {sku!r}.", argument="sku")
    return [
        NearbyRow(store=r[0], on_hand=r.on_hand, distance_km=round(float(r.distance_km), 3))
        for r in rows
    ]


async def alert_stores(
    session: AsyncSession, actor: Actor | None, alert_ids: Sequence[int]
) -> dict[int, str]:
    """The store code of each of these alerts at a store in the caller's scope (the others
    are absent), to read them with `list_stock_alerts` store by store."""
    actor = require(actor, Permission.VIEW_STOCK)
    rows = await session.execute(
        select(StockAlert.id, Store.code)
        .join(Store, Store.id == StockAlert.store_id)
        .where(StockAlert.id.in_(list(alert_ids)), actor.scope.where(StockAlert.store_id))
    )
    return {row.id: row.code for row in rows}


async def list_stock_alerts(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str,
    status: AlertStatus | None,
    first: int | None,
    after: str | None,
    alert_ids: Sequence[int] | None = None,
) -> Page[AlertRow]:
    """A store's alerts (or those of `alert_ids` there), oldest first, each LOW_STOCK one with
    its transfer suggestions."""
    store = await authorize_store(session, actor, store_code, Permission.VIEW_STOCK)
    stmt: Select[Any] = (
        select(StockAlert, Product, *_LEVEL_COLUMNS)
        .join(Product, Product.id == StockAlert.product_id)
        .outerjoin(StockLevel, _at_store(store.id))
        .where(StockAlert.store_id == store.id)
    )
    if status is not None:
        stmt = stmt.where(StockAlert.status == status)
    if alert_ids is not None:
        stmt = stmt.where(StockAlert.id.in_(list(alert_ids)))
    page = await keyset_page(
        session,
        stmt,
        kind="stock_alert",
        key_columns=[StockAlert.id],
        key_of=lambda r: [r.StockAlert.id],
        first=first,
        after=after,
        scalars=False,
    )
    alerts = [
        (
            cursor,
            AlertRow(
                id=row.StockAlert.id,
                kind=row.StockAlert.kind,
                status=row.StockAlert.status,
                raised_at=row.StockAlert.raised_at,
                cleared_at=row.StockAlert.cleared_at,
                store_id=store.id,
                store_code=store.code,
                level=_level(row, store.id, store.code),
            ),
        )
        for cursor, row in page.items
    ]
    suggestions = await transfer_suggestions(
        session,
        [
            Shortfall(a.id, a.store_id, a.level.product.id, a.shortfall)
            for _, a in alerts
            if a.kind is AlertKind.LOW_STOCK and a.status is AlertStatus.OPEN
        ],
    )
    for _, alert in alerts:
        alert.suggestions.extend(suggestions.get(alert.id, []))
    return Page(
        items=alerts, has_next_page=page.has_next_page, has_previous_page=page.has_previous_page
    )
