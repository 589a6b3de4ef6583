"""Demo complaints: a routing table for every region and a handful of complaints at different
stages, made through the complaint domain itself (timeline, events, customer messages).

Idempotent: routes are inserted with ON CONFLICT DO NOTHING, and a demo complaint is filed
only if no complaint with its store and description exists, so a second run adds nothing.
"""

# Demo texts are Chinese, with full-width punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.domain.complaints import lifecycle
from api.domain.complaints.common import staff_as_actor
from api.domain.complaints.compensation import ReplacementInput
from api.domain.complaints.filing import NewComplaint, file_complaint
from db.models import (
    Complaint,
    ComplaintCategory,
    ComplaintRoute,
    Member,
    Region,
    Staff,
    Store,
)
from db.pii import KeyRing

# Per region: product and hygiene complaints to the first handler, service and price to the
# second; the rest go to the least-loaded handler of the region.
_ROUTES = {
    ComplaintCategory.PRODUCT_QUALITY: "handler.{region}",
    ComplaintCategory.HYGIENE: "handler.{region}",
    ComplaintCategory.SERVICE: "handler.{region}.2",
    ComplaintCategory.PRICE: "handler.{region}.2",
}


@dataclass(frozen=True)
class DemoComplaint:
    store: str
    category: ComplaintCategory
    description: str
    stage: str  # ASSIGNED, IN_PROGRESS, RESOLVED, CLOSED
    with_member: bool = True


DEMO_COMPLAINTS = (
    DemoComplaint(
        "SH-001", ComplaintCategory.PRODUCT_QUALITY, "昨天买的草莓今天已经发霉了", "RESOLVED"
    ),
    DemoComplaint(
        "SH-006", ComplaintCategory.SERVICE, "收银员态度很差，找零也算错了", "IN_PROGRESS"
    ),
    DemoComplaint("BJ-001", ComplaintCategory.PRICE, "货架标价和结账价格不一致", "ASSIGNED"),
    DemoComplaint(
        "GZ-001", ComplaintCategory.HYGIENE, "熟食柜台有苍蝇", "CLOSED", with_member=False
    ),
    DemoComplaint("CD-001", ComplaintCategory.STOCK_OUT, "连续三天买不到鲜牛奶", "ASSIGNED"),
)


async def seed_demo_routes(session: AsyncSession) -> int:
    regions = (await session.execute(select(Region.id, Region.code))).all()
    handlers = dict((await session.execute(select(Staff.username, Staff.id))).all())
    admin_id = handlers.get("admin")
    rows = [
        {
            "region_id": r.id,
            "category": category,
            "handler_id": handlers[name],
            "set_by_id": admin_id,
        }
        for r in regions
        for category, pattern in _ROUTES.items()
        if (name := pattern.format(region=r.code.lower())) in handlers and admin_id is not None
    ]
    if not rows:
        return 0
    result = await session.execute(
        insert(ComplaintRoute)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(ComplaintRoute.region_id)
    )
    return len(result.all())


async def seed_demo_complaints(
    session: AsyncSession, ring: KeyRing, settings: Settings | None = None
) -> int:
    """Create whatever demo routes and complaints are missing; returns complaints created."""
    settings = settings or Settings()
    await seed_demo_routes(session)
    cards = list(
        (await session.scalars(select(Member.card_number).order_by(Member.id).limit(10))).all()
    )
    created = 0
    for n, demo in enumerate(DEMO_COMPLAINTS):
        store = await session.scalar(select(Store).where(Store.code == demo.store))
        clerk = await session.scalar(
            select(Staff).where(Staff.username == f"clerk.{demo.store.lower()}.1")
        )
        if store is None or clerk is None:
            continue
        exists = await session.scalar(
            select(func.count()).where(
                Complaint.store_id == store.id, Complaint.description == demo.description
            )
        )
        if exists:
            continue
        card = cards[n % len(cards)] if demo.with_member and cards else None
        complaint_id = await file_complaint(
            session,
            staff_as_actor(clerk),
            NewComplaint(
                store_code=demo.store,
                category=demo.category,
                description=demo.description,
                member_code=card,
            ),
            ring=ring,
        )
        created += 1
        await _advance(session, store.id, complaint_id, demo, settings)
    await session.flush()
    return created


async def _advance(
    session: AsyncSession,
    store_id: int,
    complaint_id: int,
    demo: DemoComplaint,
    settings: Settings,
) -> None:
    if demo.stage == "ASSIGNED":
        return
    complaint = await session.get_one(Complaint, {"store_id": store_id, "id": complaint_id})
    if complaint.assignee_id is None:
        return
    handler = staff_as_actor(await session.get_one(Staff, complaint.assignee_id))
    await lifecycle.start_work(session, handler, complaint_id, "已致电顾客了解情况")
    if demo.stage == "IN_PROGRESS":
        return
    resolution = (
        lifecycle.Resolution(
            text="退款并补发一份同款商品，附赠优惠券",
            replacement=ReplacementInput(demo.store, "SKU-000001", 1),
            coupon_cents=1000,
        )
        if complaint.member_id is not None
        else lifecycle.Resolution(text="已全面清洁并加装防蝇设施")
    )
    await lifecycle.resolve(
        session, handler, complaint_id, resolution, reopen_days=settings.complaint_reopen_days
    )
    if demo.stage == "CLOSED":
        await lifecycle.close(session, handler, complaint_id, "顾客确认满意")
