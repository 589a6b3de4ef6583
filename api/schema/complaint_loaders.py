"""DataLoaders for complaints and the member-card fields, one set per request.

They live beside the request's context rather than in api/context.py's shared `Loaders`, so
this domain's batching stays in this domain. Over a WebSocket there is no request session
(a subscription lives for hours), so each batch then reads through a short session of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from api.context import Context
from api.domain.access import Permission, require
from api.domain.complaints import queries
from api.domain.errors import RateLimited
from api.domain.members import limits
from api.domain.photo_links import PhotoRef, photos_of
from db.models import (
    Complaint,
    ComplaintMessage,
    ComplaintTimelineEntry,
    Member,
    MemberCoupon,
    PhotoSubject,
    Staff,
    Store,
)

_ATTRIBUTE = "_complaint_loaders"


@asynccontextmanager
async def reading(context: Context) -> AsyncIterator[AsyncSession]:
    """The request's session over HTTP; a short session of its own over a WebSocket."""
    if isinstance(context.request, WebSocket):
        async with context.services.sessions() as session:
            yield session
    else:
        yield context.session


class ComplaintLoaders:
    def __init__(self, context: Context) -> None:
        self._context = context

        def batch(
            fetch: Callable[[AsyncSession, list[Any]], Awaitable[dict[Any, Any]]],
            default: Callable[[], Any] | None = None,
        ) -> DataLoader[Any, Any]:
            async def load(keys: list[Any]) -> list[Any]:
                async with reading(context) as session:
                    found = await fetch(session, keys)
                return [found.get(k, default() if default else None) for k in keys]

            return DataLoader(load)

        self.staff: DataLoader[int, Staff | None] = batch(queries.staff_by_id)
        self.member: DataLoader[int, Member | None] = batch(queries.members_by_id)
        self.store: DataLoader[int, Store | None] = batch(queries.stores_by_id)
        self.timeline: DataLoader[int, list[ComplaintTimelineEntry]] = batch(
            queries.timelines_of, list
        )
        self.messages: DataLoader[int, list[ComplaintMessage]] = batch(queries.messages_of, list)
        self.pickups: DataLoader[int, list[queries.PickupView]] = batch(queries.pickups_of, list)
        self.photos: DataLoader[int, list[PhotoRef]] = batch(_complaint_photos, list)
        self.member_pickups: DataLoader[int, list[queries.PickupView]] = batch(
            queries.pending_pickups_of_members, list
        )
        self.member_coupons: DataLoader[int, list[MemberCoupon]] = batch(
            queries.coupons_of_members, list
        )
        self.member_open_complaints: DataLoader[int, list[Complaint]] = batch(
            self._open_complaints, list
        )
        # Complaint.member opens a card: counted toward the caller's hourly look-up ceiling
        # like any other path to one, a page of complaints in one batch (None: counted).
        self.member_lookup: DataLoader[int, None] = DataLoader(self._count_lookups)

    async def _count_lookups(self, member_ids: list[int]) -> list[RateLimited | None]:
        context = self._context
        actor = require(context.actor, Permission.VIEW_MEMBERS)
        settings = context.settings
        policy = limits.policy_from(
            settings.member_lookup_ceilings,
            alert_threshold=settings.member_view_alert_threshold,
            alert_window_minutes=settings.member_view_alert_window_minutes,
        )
        refused = await limits.record_lookups(context.services.sessions, actor, member_ids, policy)
        return [refused.get(member_id) for member_id in member_ids]

    async def _open_complaints(
        self, session: AsyncSession, member_ids: Sequence[int]
    ) -> dict[int, list[Complaint]]:
        actor = self._context.require_actor()
        return await queries.open_complaints_of_members(session, actor.scope, member_ids)


async def _complaint_photos(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[PhotoRef]]:
    return await photos_of(session, PhotoSubject.COMPLAINT, ids)


def loaders(context: Context) -> ComplaintLoaders:
    """This request's complaint loaders (created on first use)."""
    found = getattr(context, _ATTRIBUTE, None)
    if found is None:
        found = ComplaintLoaders(context)
        setattr(context, _ATTRIBUTE, found)
    return found
