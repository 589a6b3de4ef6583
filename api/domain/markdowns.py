"""Markdowns: HQ's time-limited discounts on chosen stores and SKUs; stores see theirs and
acknowledge them (confirming the shelf labels changed).

Each target store is told with its own MARKDOWN_ISSUED event (store-scoped subscribers see
only theirs); an acknowledgement emits MARKDOWN_ACKNOWLEDGED once. Acknowledging again is a
no-op rather than an error, since phones retry; acknowledging a markdown that has ended is a
CONFLICT (there is nothing left to apply).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, not_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events
from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.domain.pagination import Page, keyset_page
from api.domain.transfers.lines import products_by_sku
from db.models import Markdown, MarkdownTarget, Product, Staff, Store

MAX_TARGETS = 1000
MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class TargetInput:
    store_code: str
    sku: str


@dataclass(frozen=True)
class NewMarkdown:
    percent_off: int
    starts_at: datetime
    ends_at: datetime
    reason: str
    targets: list[TargetInput]


@dataclass(frozen=True)
class TargetView:
    store: Store
    product: Product
    acknowledged_at: datetime | None
    acknowledged_by: str | None  # username


@dataclass(frozen=True)
class MarkdownView:
    markdown: Markdown
    targets: list[TargetView]  # only those at stores in the caller's scope


def _check(new: NewMarkdown, now: datetime) -> list[str]:
    problems = []
    if not 1 <= new.percent_off <= 90:
        problems.append(f"percentOff: {new.percent_off} is not 1 to 90")
    if new.starts_at.tzinfo is None or new.ends_at.tzinfo is None:
        problems.append("startsAt, endsAt: give a UTC offset")
    elif new.ends_at <= new.starts_at:
        problems.append("endsAt: must be after startsAt")
    elif new.ends_at <= now:
        problems.append("endsAt: has already passed")
    if not new.reason.strip() or len(new.reason) > MAX_REASON_LENGTH:
        problems.append(f"reason: 1 to {MAX_REASON_LENGTH} characters")
    if not 1 <= len(new.targets) <= MAX_TARGETS:
        problems.append(f"targets: 1 to {MAX_TARGETS} store x SKU pairs")
    seen: set[TargetInput] = set()
    for i, target in enumerate(new.targets):
        if target in seen:
            problems.append(f"targets[{i}]: {target.store_code} x {target.sku} appears twice")
        seen.add(target)
    return problems


async def _now(session: AsyncSession) -> datetime:
    now = await session.scalar(select(func.now()))
    assert isinstance(now, datetime)
    return now


async def issue_markdown(session: AsyncSession, actor: Actor | None, new: NewMarkdown) -> int:
    actor = require(actor, Permission.ISSUE_MARKDOWNS)
    problems = _check(new, await _now(session))
    codes = sorted({t.store_code for t in new.targets})
    stores = {s.code: s for s in await session.scalars(select(Store).where(Store.code.in_(codes)))}
    products = await products_by_sku(session, (t.sku for t in new.targets))
    for i, t in enumerate(new.targets):
        store, product = stores.get(t.store_code), products.get(t.sku)
        if store is None:
            problems.append(f"targets[{i}].storeCode: no store has code {t.store_code!r}")
        if product is None:
            problems.append(f"targets[{i}].sku: no product has SKU {t.sku!r}")
        elif store is not None and product.region_id not in (None, store.region_id):
            problems.append(f"targets[{i}]: {t.sku} is a regional SKU not sold at {t.store_code}")
    if problems:
        raise InvalidInput.listing(problems)
    outside = [c for c, s in stores.items() if not actor.scope.allows(s.id, s.region_id)]
    if outside:
        raise Forbidden(f"Stores outside your scope: {', '.join(outside)}.")
    markdown = Markdown(
        percent_off=new.percent_off,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        reason=new.reason.strip(),
        created_by_id=actor.staff_id,
    )
    session.add(markdown)
    await session.flush()
    session.add_all(
        MarkdownTarget(
            markdown_id=markdown.id, store_id=stores[t.store_code].id, product_id=products[t.sku].id
        )
        for t in new.targets
    )
    await session.flush()
    for code in codes:
        store = stores[code]
        await events.emit(
            session,
            events.MarkdownIssued(
                markdown_id=markdown.id,
                store_code=code,
                skus=tuple(sorted(t.sku for t in new.targets if t.store_code == code)),
                percent_off=new.percent_off,
                starts_at=new.starts_at,
                ends_at=new.ends_at,
            ),
            store_id=store.id,
            region_id=store.region_id,
        )
    return markdown.id


async def acknowledge_markdown(
    session: AsyncSession, actor: Actor | None, *, markdown_id: int, store_code: str
) -> None:
    """The store confirms it applied the markdown (every SKU of it at that store)."""
    store = await authorize_store(session, actor, store_code, Permission.ACKNOWLEDGE_MARKDOWNS)
    assert actor is not None
    ends_at = await session.scalar(select(Markdown.ends_at).where(Markdown.id == markdown_id))
    targeted = await session.scalar(
        select(
            exists().where(
                MarkdownTarget.markdown_id == markdown_id, MarkdownTarget.store_id == store.id
            )
        )
    )
    if ends_at is None or not targeted:
        raise NotFound(f"Store {store_code} has no markdown {markdown_id}.", argument="markdownId")
    if ends_at <= await _now(session):
        raise Conflict(f"Markdown {markdown_id} ended at {ends_at.isoformat()}.")
    acknowledged = (
        await session.execute(
            update(MarkdownTarget)
            .where(
                MarkdownTarget.markdown_id == markdown_id,
                MarkdownTarget.store_id == store.id,
                MarkdownTarget.acknowledged_at.is_(None),
            )
            .values(acknowledged_by_id=actor.staff_id, acknowledged_at=func.now())
            .returning(MarkdownTarget.product_id)
            .execution_options(synchronize_session=False)
        )
    ).all()
    if acknowledged:
        await events.emit(
            session,
            events.MarkdownAcknowledged(markdown_id=markdown_id, store_code=store_code),
            store_id=store.id,
            region_id=store.region_id,
        )


async def _target_filter(
    session: AsyncSession, actor: Actor, store_code: str | None
) -> ColumnElement[bool]:
    if store_code is not None:
        store = await authorize_store(session, actor, store_code, Permission.VIEW_STOCK)
        return MarkdownTarget.store_id == store.id
    return actor.scope.where(MarkdownTarget.store_id)


async def list_markdowns(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str | None,
    active: bool | None,
    first: int | None,
    after: str | None,
    markdown_ids: Sequence[int] | None = None,
) -> Page[MarkdownView]:
    """Markdowns targeting stores in scope (or one store), oldest first; `active`: running now."""
    actor = require(actor, Permission.VIEW_STOCK)
    in_scope = await _target_filter(session, actor, store_code)
    stmt = select(Markdown).where(
        exists().where(MarkdownTarget.markdown_id == Markdown.id, in_scope)
    )
    if markdown_ids is not None:
        stmt = stmt.where(Markdown.id.in_(list(markdown_ids)))
    running = and_(Markdown.starts_at <= func.now(), Markdown.ends_at > func.now())
    if active is not None:
        stmt = stmt.where(running if active else not_(running))
    page = await keyset_page(
        session,
        stmt,
        kind="markdown",
        key_columns=[Markdown.id],
        key_of=lambda m: [m.id],
        first=first,
        after=after,
    )
    ids = [m.id for _, m in page.items]
    rows = await session.execute(
        select(MarkdownTarget, Store, Product, Staff.username)
        .join(Store, Store.id == MarkdownTarget.store_id)
        .join(Product, Product.id == MarkdownTarget.product_id)
        .outerjoin(Staff, Staff.id == MarkdownTarget.acknowledged_by_id)
        .where(MarkdownTarget.markdown_id.in_(ids), in_scope)
        .order_by(MarkdownTarget.markdown_id, Store.code, Product.sku)
    )
    targets: dict[int, list[TargetView]] = {i: [] for i in ids}
    for target, store, product, username in rows:
        targets[target.markdown_id].append(
            TargetView(store, product, target.acknowledged_at, username)
        )
    return Page(
        items=[(cursor, MarkdownView(m, targets[m.id])) for cursor, m in page.items],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )
