"""Creating promotions and reading them back: scope and products resolved to rows, the overlap
refusal, HQ's decision on regional requests, and the offers in force at a store.

Who creates decides what it is: a caller holding APPROVE_PROMOTIONS (HQ) schedules a plan (or
keeps a draft); a store or region manager's promotion is a request for their own scope, a
DRAFT awaiting HQ, and runs only once someone else at HQ approves it (approval.py).

Overlaps are checked whenever a promotion is scheduled (created by HQ, or approved), under one
transaction-scoped advisory lock, so two schedulings cannot both pass the check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor, Permission, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, Forbidden, InvalidInput
from api.domain.promotions.pricing import Offer
from api.domain.promotions.rules import (
    NewPromotion,
    PromotionStatus,
    Window,
    conflicts,
    problems_of,
    status,
)
from db.models import (
    Product,
    Promotion,
    PromotionApproval,
    PromotionMechanism,
    PromotionProduct,
    PromotionState,
    PromotionStore,
    PromotionStoreStats,
    Region,
    Staff,
    Store,
)

_SCHEDULING_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('promotion scheduling'))")


@dataclass(frozen=True)
class PromotionView:
    promotion: Promotion
    status: PromotionStatus
    store_ids: list[int]  # in the caller's scope
    skus: list[str]
    created_by: str  # username
    decided_by: str | None


def window_of(p: Promotion) -> Window:
    return Window(
        start_date=p.start_date,
        end_date=p.end_date,
        daily_start=p.daily_start,
        daily_end=p.daily_end,
        weekdays=tuple(p.weekdays) if p.weekdays is not None else None,
    )


def offer_of(p: Promotion, skus: Sequence[str]) -> Offer:
    return Offer(
        id=p.id,
        mechanism=p.mechanism,
        skus=frozenset(skus),
        name=p.name,
        stacking=p.stacking,
        coupons_allowed=p.coupons_allowed,
        members_only=p.members_only,
        percent_off=p.percent_off,
        amount_off_cents=p.amount_off_cents,
        buy_quantity=p.buy_quantity,
        get_quantity=p.get_quantity,
        threshold_cents=p.threshold_cents,
        threshold_repeats=bool(p.threshold_repeats),
        member_price_cents=p.member_price_cents,
        points_multiplier=p.points_multiplier,
    )


async def _stores(
    session: AsyncSession, actor: Actor, new: NewPromotion, problems: list[str]
) -> list[Store]:
    known = {
        s.code: s
        for s in await session.scalars(select(Store).where(Store.code.in_(new.store_codes)))
    }
    problems += [f"storeCodes: no store {c!r}" for c in new.store_codes if c not in known]
    regions = {
        r.code: r.id
        for r in await session.scalars(select(Region).where(Region.code.in_(new.region_codes)))
    }
    problems += [f"regionCodes: no region {c!r}" for c in new.region_codes if c not in regions]
    query = select(Store).order_by(Store.id)
    if new.store_codes or new.region_codes:
        query = query.where(
            or_(Store.code.in_(new.store_codes), Store.region_id.in_(list(regions.values())))
        )
    if new.store_types:
        query = query.where(Store.type.in_(new.store_types))
    stores = list(await session.scalars(query))
    if not actor.can(Permission.APPROVE_PROMOTIONS):
        if not (new.store_codes or new.region_codes):  # a request covers the requester's scope
            stores = [s for s in stores if actor.scope.allows(s.id, s.region_id)]
        outside = [s.code for s in stores if not actor.scope.allows(s.id, s.region_id)]
        if outside:
            raise Forbidden(
                f"Store {outside[0]} is outside your scope: request promotions for your own "
                "stores.",
                reason=ErrorReason.OUTSIDE_SCOPE,
                storeCode=outside[0],
            )
    if not stores and not problems:
        problems.append("storeCodes, regionCodes, storeTypes: no store matches the scope")
    return stores


async def _products(
    session: AsyncSession, new: NewPromotion, stores: list[Store], problems: list[str]
) -> list[Product]:
    by_sku = {
        p.sku: p for p in await session.scalars(select(Product).where(Product.sku.in_(new.skus)))
    }
    problems += [f"skus: unknown SKU {s!r}" for s in new.skus if s not in by_sku]
    in_category = list(
        await session.scalars(select(Product).where(Product.category.in_(new.categories)))
    )
    found = {p.category for p in in_category}
    problems += [f"categories: no product in {c!r}" for c in new.categories if c not in found]
    regions = {s.region_id for s in stores}
    for sku in new.skus:
        region_id = by_sku[sku].region_id if sku in by_sku else None
        if region_id is not None and stores and region_id not in regions:
            problems.append(f"skus: {sku} is a regional SKU no store in scope sells")
    # A category brings its core SKUs and the regional ones of the scope's regions.
    chosen = {p.id: p for p in by_sku.values()}
    chosen.update({p.id: p for p in in_category if p.region_id is None or p.region_id in regions})
    products = sorted(chosen.values(), key=lambda p: p.id)
    for p in products:
        if new.mechanism is PromotionMechanism.MEMBER_PRICE and (
            new.member_price_cents is not None and new.member_price_cents >= p.price_cents
        ):
            problems.append(f"memberPriceCents: not below {p.sku}'s price {p.price_cents}")
        if new.mechanism is PromotionMechanism.AMOUNT_OFF and (
            new.amount_off_cents is not None and new.amount_off_cents >= p.price_cents
        ):
            problems.append(f"amountOffCents: not below {p.sku}'s price {p.price_cents}")
    return products


async def check_overlap(
    session: AsyncSession,
    *,
    promotion: Promotion,
    store_ids: Sequence[int],
    product_ids: Sequence[int],
) -> None:
    """CONFLICT naming the first scheduled promotion this one would stack with against the
    rules (a shared store and SKU, overlapping hours, either EXCLUSIVE)."""
    await session.execute(_SCHEDULING_LOCK)
    shared_store = (
        select(Store.code)
        .join(PromotionStore, PromotionStore.store_id == Store.id)
        .where(PromotionStore.promotion_id == Promotion.id, Store.id.in_(list(store_ids)))
        .order_by(Store.code)
        .limit(1)
        .scalar_subquery()
    )
    shared_sku = (
        select(Product.sku)
        .join(PromotionProduct, PromotionProduct.product_id == Product.id)
        .where(PromotionProduct.promotion_id == Promotion.id, Product.id.in_(list(product_ids)))
        .order_by(Product.sku)
        .limit(1)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Promotion, shared_store.label("store_code"), shared_sku.label("sku"))
        .where(
            Promotion.state == PromotionState.SCHEDULED,
            Promotion.id != (promotion.id or 0),
            Promotion.ends_at > promotion.starts_at,
            Promotion.starts_at < promotion.ends_at,
            exists().where(
                PromotionStore.promotion_id == Promotion.id,
                PromotionStore.store_id.in_(list(store_ids)),
            ),
            exists().where(
                PromotionProduct.promotion_id == Promotion.id,
                PromotionProduct.product_id.in_(list(product_ids)),
            ),
        )
        .order_by(Promotion.id)
    )
    window = window_of(promotion)
    for other, store_code, sku in rows:
        if conflicts(promotion.stacking, promotion.mechanism, other.stacking, other.mechanism) and (
            window.overlaps(window_of(other))
        ):
            other_id = global_ids.encode("Promotion", other.id)
            raise Conflict(
                f"Promotion {other.name!r} ({other_id}) already runs on {sku} at {store_code} "
                f"from {window_of(other).describe()}, and {other.stacking} / "
                f"{promotion.stacking} promotions may not stack: change the dates, stores or "
                "products, or make both BEST_OF.",
                reason=ErrorReason.PROMOTION_OVERLAP,
                promotionId=other_id,
                storeCode=store_code,
            )


async def create_promotion(
    session: AsyncSession,
    actor: Actor | None,
    new: NewPromotion,
    *,
    now: datetime,
    previous: Promotion | None = None,
    not_before: datetime | None = None,
) -> int:
    """HQ's plan (SCHEDULED, or DRAFT on request) or a manager's request (DRAFT, PENDING);
    BAD_USER_INPUT listing every problem, nothing written. `previous`: the version this one
    replaces (lifecycle.py), from `not_before` on."""
    actor = require(actor, Permission.CREATE_PROMOTIONS)
    problems = problems_of(new, today=now.date())
    stores = await _stores(session, actor, new, problems)
    products = await _products(session, new, stores, problems)
    if problems:
        raise InvalidInput.listing(problems)
    hq = actor.can(Permission.APPROVE_PROMOTIONS)
    starts_at, ends_at = new.window.bounds({s.time_zone for s in stores})
    if not_before is not None and starts_at < not_before:
        if ends_at <= not_before:
            raise InvalidInput.listing(["window.endDate: a revision must run after now"])
        starts_at = not_before
    promotion = Promotion(
        name=new.name.strip(),
        mechanism=new.mechanism,
        state=PromotionState.SCHEDULED if hq and not new.draft else PromotionState.DRAFT,
        stacking=new.stacking,
        coupons_allowed=new.coupons_allowed,
        members_only=new.members_only or new.mechanism is PromotionMechanism.MEMBER_PRICE,
        percent_off=new.percent_off,
        amount_off_cents=new.amount_off_cents,
        buy_quantity=new.buy_quantity,
        get_quantity=new.get_quantity,
        threshold_cents=new.threshold_cents,
        threshold_repeats=new.threshold_repeats,
        member_price_cents=new.member_price_cents,
        points_multiplier=new.points_multiplier,
        start_date=new.window.start_date,
        end_date=new.window.end_date,
        daily_start=new.window.daily_start,
        daily_end=new.window.daily_end,
        weekdays=list(new.window.weekdays) if new.window.weekdays is not None else None,
        starts_at=starts_at,
        ends_at=ends_at,
        scope=_scope_as_sent(new),
        budget_cents=new.budget_cents,
        talking_points=[p.strip() for p in new.talking_points],
        created_by_id=actor.staff_id,
        approval=None if hq else PromotionApproval.PENDING,
        version=previous.version + 1 if previous is not None else 1,
        previous_id=previous.id if previous is not None else None,
    )
    store_ids, product_ids = [s.id for s in stores], [p.id for p in products]
    if promotion.state is PromotionState.SCHEDULED:
        await check_overlap(
            session, promotion=promotion, store_ids=store_ids, product_ids=product_ids
        )
    session.add(promotion)
    await session.flush()
    await session.execute(
        insert(PromotionStore), [{"promotion_id": promotion.id, "store_id": i} for i in store_ids]
    )
    await session.execute(
        insert(PromotionProduct),
        [{"promotion_id": promotion.id, "product_id": i} for i in product_ids],
    )
    return promotion.id


def _scope_as_sent(new: NewPromotion) -> dict[str, Any]:
    return {
        "storeCodes": list(new.store_codes),
        "regionCodes": list(new.region_codes),
        "storeTypes": [t.value for t in new.store_types],
        "skus": list(new.skus),
        "categories": list(new.categories),
    }


async def promotion_views(
    session: AsyncSession, actor: Actor | None, ids: Sequence[int], *, now: datetime
) -> dict[int, PromotionView]:
    """The promotions with these ids that reach a store in the caller's scope."""
    actor = require(actor, Permission.VIEW_PROMOTIONS)
    visible = exists().where(
        PromotionStore.promotion_id == Promotion.id, actor.scope.where(PromotionStore.store_id)
    )
    rows = list(
        await session.scalars(select(Promotion).where(Promotion.id.in_(list(ids)), visible))
    )
    found = [p.id for p in rows]
    store_rows = await session.execute(
        select(PromotionStore.promotion_id, PromotionStore.store_id)
        .where(PromotionStore.promotion_id.in_(found), actor.scope.where(PromotionStore.store_id))
        .order_by(PromotionStore.promotion_id, PromotionStore.store_id)
    )
    sku_rows = await session.execute(
        select(PromotionProduct.promotion_id, Product.sku)
        .join(Product, Product.id == PromotionProduct.product_id)
        .where(PromotionProduct.promotion_id.in_(found))
        .order_by(PromotionProduct.promotion_id, Product.sku)
    )
    staff_ids = {p.created_by_id for p in rows} | {p.decided_by_id for p in rows if p.decided_by_id}
    names: dict[int, str] = {
        row.id: row.username
        for row in await session.execute(
            select(Staff.id, Staff.username).where(Staff.id.in_(list(staff_ids)))
        )
    }
    stores: dict[int, list[int]] = {i: [] for i in found}
    for promotion_id, store_id in store_rows:
        stores[promotion_id].append(store_id)
    skus: dict[int, list[str]] = {i: [] for i in found}
    for promotion_id, sku in sku_rows:
        skus[promotion_id].append(sku)
    return {
        p.id: PromotionView(
            promotion=p,
            status=PromotionStatus(status(p.state, p.starts_at, p.ends_at, now)),
            store_ids=stores[p.id],
            skus=skus[p.id],
            created_by=names[p.created_by_id],
            decided_by=names.get(p.decided_by_id) if p.decided_by_id else None,
        )
        for p in rows
    }


def budget_left() -> ColumnElement[bool]:
    """No budget, or less discount given so far than the budget (counted per store as sales
    arrive: api/domain/promotions/redemption.py). The sale that crosses the budget keeps its
    whole discount; the promotion stops applying after it."""
    spent = (
        select(func.coalesce(func.sum(PromotionStoreStats.discount_cents), 0))
        .where(PromotionStoreStats.promotion_id == Promotion.id)
        .scalar_subquery()
    )
    return or_(Promotion.budget_cents.is_(None), spent < Promotion.budget_cents)


@dataclass(frozen=True)
class InForce:
    promotion: Promotion
    offer: Offer


async def in_force(
    session: AsyncSession,
    *,
    store_id: int,
    local_now: datetime,
    skus: Sequence[str] | None,
) -> list[InForce]:
    """The scheduled promotions running at this store at this store-local time, each as an
    offer over its SKUs (those of `skus` only, when given), oldest first."""
    sku_filter = [] if skus is None else [Product.sku.in_(list(skus))]
    rows = await session.execute(
        select(Promotion, func.array_agg(Product.sku).label("skus"))
        .join(PromotionStore, PromotionStore.promotion_id == Promotion.id)
        .join(PromotionProduct, PromotionProduct.promotion_id == Promotion.id)
        .join(Product, Product.id == PromotionProduct.product_id)
        .where(
            PromotionStore.store_id == store_id,
            Promotion.state == PromotionState.SCHEDULED,
            Promotion.starts_at <= local_now,
            Promotion.ends_at > local_now,
            budget_left(),
            *sku_filter,
        )
        .group_by(Promotion.id)
        .order_by(Promotion.id)
    )
    return [
        InForce(promotion=p, offer=offer_of(p, sorted(found)))
        for p, found in rows
        if window_of(p).runs_at(local_now)
    ]
