"""The demo seed's complaints: routed, at several stages, and added only once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.complaints import DEMO_COMPLAINTS
from api.demo.seed import seed_demo
from db.models import Complaint, ComplaintRoute, ComplaintTimelineEntry, MemberCoupon


async def test_demo_complaints_are_seeded_once(session: AsyncSession) -> None:
    await seed_demo(session)
    statuses = sorted((await session.scalars(select(Complaint.status))).all())
    assert statuses == sorted(["RESOLVED", "IN_PROGRESS", "ASSIGNED", "CLOSED", "ASSIGNED"])
    assert len(statuses) == len(DEMO_COMPLAINTS)
    routes = await session.scalar(select(func.count()).select_from(ComplaintRoute))
    timeline = await session.scalar(select(func.count()).select_from(ComplaintTimelineEntry))
    assert (
        routes == 4 * 4
        and await session.scalar(select(func.count()).select_from(MemberCoupon)) == 1
    )
    await seed_demo(session)
    assert await session.scalar(select(func.count()).select_from(Complaint)) == len(statuses)
    assert await session.scalar(select(func.count()).select_from(ComplaintRoute)) == routes
    assert (
        await session.scalar(select(func.count()).select_from(ComplaintTimelineEntry)) == timeline
    )
