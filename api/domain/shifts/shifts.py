"""Shifts as attendance: a clerk starts one at their store, with its checklist copied in, and
reads shifts back (a page of shifts with their items and photos costs a fixed few statements).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, cast

from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.domain import global_ids
from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.domain.pagination import Page, keyset_page
from api.domain.photo_links import PhotoRef, photos_of
from api.domain.shifts.standards import COPY_APPLICABLE_ITEMS
from db.models import PhotoSubject, Shift, ShiftItem, ShiftKind, ShiftStatus, Staff, Store

# Store-local windows of each kind: a handover is due by the end (plus the grace period).
SHIFT_WINDOWS: dict[ShiftKind, tuple[time, time]] = {
    ShiftKind.OPENING: (time(6, 0), time(14, 0)),
    ShiftKind.MIDDAY: (time(10, 0), time(18, 0)),
    ShiftKind.CLOSING: (time(14, 0), time(22, 30)),
}

# Namespace of the per-clerk advisory lock that makes "one open shift per clerk" race-free.
_CLERK_LOCK_NAMESPACE = 0x5348  # "SH"


@dataclass(frozen=True)
class ItemView:
    item: ShiftItem
    photos: list[PhotoRef]


@dataclass(frozen=True)
class ShiftView:
    shift: Shift
    clerk: str  # username
    handed_over_by: str | None
    accepted_by: str | None
    items: list[ItemView]


# The kind's window on the store-local date of now(), computed where the row is written.
_START = text(
    """
    INSERT INTO shift (store_id, clerk_id, kind, status, window_start, window_end, todos)
    SELECT s.id, :clerk_id, :kind, 'OPEN',
           (d.day + CAST(:opens AS time)) AT TIME ZONE s.time_zone,
           (d.day + CAST(:closes AS time)) AT TIME ZONE s.time_zone,
           '{}'
      FROM store s, LATERAL (SELECT (now() AT TIME ZONE s.time_zone)::date AS day) d
     WHERE s.id = :store_id
    RETURNING id
    """
)


async def start_shift(
    session: AsyncSession, actor: Actor | None, *, store_code: str, kind: ShiftKind
) -> int:
    """Start the caller's shift at a store in scope; one open shift per clerk (CONFLICT)."""
    store = await authorize_store(session, actor, store_code, Permission.WORK_SHIFTS)
    assert actor is not None
    await session.execute(select(func.pg_advisory_xact_lock(_CLERK_LOCK_NAMESPACE, actor.staff_id)))
    open_shift = (
        await session.execute(
            select(Shift.id, Store.code)
            .join(Store, Store.id == Shift.store_id)
            .where(Shift.clerk_id == actor.staff_id, Shift.status == ShiftStatus.OPEN)
        )
    ).first()
    if open_shift is not None:
        public = global_ids.encode("Shift", open_shift.id)
        raise Conflict(
            f"You already have shift {public} open at {open_shift.code}; hand it over "
            "(completeHandover) or end it first.",
            reason=ErrorReason.SHIFT_ALREADY_OPEN,
            shiftId=public,
        )
    opens, closes = SHIFT_WINDOWS[kind]
    shift_id = (
        await session.execute(
            _START,
            {
                "store_id": store.id,
                "clerk_id": actor.staff_id,
                "kind": kind.value,
                "opens": opens,
                "closes": closes,
            },
        )
    ).scalar_one()
    await session.execute(
        COPY_APPLICABLE_ITEMS, {"store_id": store.id, "shift_id": shift_id, "kind": kind.value}
    )
    return int(shift_id)


@dataclass(frozen=True)
class LockedShift:
    shift: Shift
    region_id: int


def manages_store(actor: Actor, store_id: int, region_id: int) -> bool:
    """A store's manager (who manages its staff) may act on any of its clerks' shifts."""
    return actor.can(Permission.MANAGE_STAFF) and actor.scope.allows(store_id, region_id)


async def lock_shift(
    session: AsyncSession, actor: Actor | None, shift_id: int, permission: Permission
) -> tuple[Actor, LockedShift]:
    """The shift, locked for a change, if the caller holds `permission` on its store."""
    actor = require(actor, permission)
    row = (
        await session.execute(
            select(Shift, Store.region_id)
            .join(Store, Store.id == Shift.store_id)
            .where(Shift.id == shift_id)
            .with_for_update(of=Shift)
        )
    ).first()
    # One at a store outside the scope is not there for the caller: the same answer as get_shift.
    if row is None or not actor.scope.allows(row[0].store_id, row[1]):
        raise shift_not_found(shift_id, argument="shiftId")
    shift, region_id = row
    return actor, LockedShift(shift, region_id)


def require_own_or_managed(actor: Actor, locked: LockedShift, doing: str) -> None:
    shift = locked.shift
    if shift.clerk_id != actor.staff_id and not manages_store(
        actor, shift.store_id, locked.region_id
    ):
        raise Forbidden(f"Only the shift's own clerk or the store's manager may {doing}.")


def _views_select() -> Select[Any]:
    clerk, handed, accepted = aliased(Staff), aliased(Staff), aliased(Staff)
    return (
        select(Shift, clerk.username, handed.username, accepted.username)  # type: ignore[return-value]
        .join(clerk, clerk.id == Shift.clerk_id)
        .outerjoin(handed, handed.id == Shift.handed_over_by_id)
        .outerjoin(accepted, accepted.id == Shift.accepted_by_id)
        # A mutation earlier in the request changed rows with UPDATE: read them afresh.
        .execution_options(populate_existing=True)
    )


ShiftRow = tuple[Shift, str, str | None, str | None]


async def _with_items(session: AsyncSession, shifts: list[ShiftRow]) -> list[ShiftView]:
    """Attach items (one statement) and photos (one statement) to a page of shift rows."""
    keys = [(row[0].store_id, row[0].id) for row in shifts]
    items: dict[int, list[ShiftItem]] = {shift_id: [] for _, shift_id in keys}
    if keys:
        for item in await session.scalars(
            select(ShiftItem)
            .where(
                ShiftItem.shift_id.in_([k[1] for k in keys]),
                ShiftItem.store_id.in_({k[0] for k in keys}),
            )
            .order_by(ShiftItem.shift_id, ShiftItem.position)
        ):
            items[item.shift_id].append(item)
    photos = await photos_of(session, PhotoSubject.SHIFT, [k[1] for k in keys])
    views = []
    for shift, clerk, handed, accepted in shifts:
        by_item: dict[str, list[PhotoRef]] = {}
        for ref in photos[shift.id]:
            by_item.setdefault(ref.detail or "", []).append(ref)
        views.append(
            ShiftView(
                shift,
                clerk,
                handed,
                accepted,
                [ItemView(i, by_item.get(str(i.item_id), [])) for i in items[shift.id]],
            )
        )
    return views


async def list_shifts(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str | None,
    start: datetime | None,
    end: datetime | None,
    first: int | None,
    after: str | None,
    status: ShiftStatus | None = None,
) -> Page[ShiftView]:
    """Shifts at stores in scope (or one store) started in [start, end), oldest first;
    `status` HANDED_OVER lists the handovers waiting to be accepted."""
    actor = require(actor, Permission.VIEW_SHIFTS)
    if (start is not None and start.tzinfo is None) or (end is not None and end.tzinfo is None):
        raise InvalidInput("from, to: give a UTC offset.", argument="from")
    stmt = _views_select()
    if store_code is not None:
        store = await authorize_store(session, actor, store_code, Permission.VIEW_SHIFTS)
        stmt = stmt.where(Shift.store_id == store.id)
    else:
        stmt = stmt.where(actor.scope.where(Shift.store_id))
    if start is not None:
        stmt = stmt.where(Shift.started_at >= start)
    if end is not None:
        stmt = stmt.where(Shift.started_at < end)
    if status is not None:
        stmt = stmt.where(Shift.status == status)
    page = await keyset_page(
        session,
        stmt,
        kind="shift",
        key_columns=[Shift.id],
        key_of=lambda row: [row[0].id],
        first=first,
        after=after,
        scalars=False,
    )
    views = await _with_items(session, [row for _, row in page.items])
    return Page(
        items=[(cursor, view) for (cursor, _), view in zip(page.items, views, strict=True)],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )


async def get_shift(session: AsyncSession, actor: Actor | None, shift_id: int) -> ShiftView:
    """One shift at a store in scope (NOT_FOUND otherwise)."""
    found = await get_shifts(session, actor, [shift_id])
    if shift_id not in found:
        raise shift_not_found(shift_id, argument="id")
    return found[shift_id]


def shift_not_found(shift_id: int, *, argument: str) -> NotFound:
    public = global_ids.encode("Shift", shift_id)
    return NotFound(f"No shift {public} at a store in your scope.", argument=argument)


async def get_shifts(
    session: AsyncSession, actor: Actor | None, shift_ids: Sequence[int]
) -> dict[int, ShiftView]:
    """The shifts among `shift_ids` at stores in scope (the others are absent), in the same
    statements as one."""
    actor = require(actor, Permission.VIEW_SHIFTS)
    rows = await session.execute(
        _views_select().where(Shift.id.in_(list(shift_ids)), actor.scope.where(Shift.store_id))
    )
    views = await _with_items(session, [cast(ShiftRow, tuple(row)) for row in rows])
    return {view.shift.id: view for view in views}


async def my_open_shift(session: AsyncSession, actor: Actor | None) -> ShiftView | None:
    actor = require(actor, Permission.WORK_SHIFTS)
    row = (
        await session.execute(
            _views_select().where(
                Shift.clerk_id == actor.staff_id, Shift.status == ShiftStatus.OPEN
            )
        )
    ).first()
    if row is None:
        return None
    [view] = await _with_items(session, [cast(ShiftRow, tuple(row))])
    return view
