"""Handing a shift over: checklist items done (with the photos and notes they require), the
summary generated, to-dos for the next shift; then the incoming clerk or the manager accepts.

A refused handover lists every missing item and writes nothing (validation comes first, and
the request's transaction is rolled back on any error besides).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events, global_ids
from api.domain.access import Actor, Permission
from api.domain.analytics import rollups
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, Forbidden, InvalidInput
from api.domain.photo_links import attach_photos, photos_of
from api.domain.shifts.shifts import LockedShift, lock_shift, require_own_or_managed
from api.domain.shifts.summary import handover_summary
from db.models import PhotoSubject, Shift, ShiftItem, ShiftStatus, Staff

MAX_NOTE_LENGTH = 1000
MAX_TODOS = 20
MAX_TODO_LENGTH = 500
MAX_PHOTOS_PER_ITEM = 10


@dataclass(frozen=True)
class ItemDone:
    item_id: int
    photo_ids: list[uuid.UUID] = field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True)
class MissingItem:
    item_id: int
    text: str
    missing: list[str]  # PHOTO, NOTE, DONE


async def _now(session: AsyncSession) -> datetime:
    now = await session.scalar(select(func.now()))
    assert isinstance(now, datetime)
    return now


def _check_input(
    done: list[ItemDone], known: dict[int, ShiftItem], attached: dict[uuid.UUID, str]
) -> None:
    """Items on the checklist, once each; a photo is evidence for one item only (an
    attachment is one per photo and shift), whether attached earlier or in this call."""
    problems = []
    seen: set[int] = set()
    photo_item = dict(attached)
    for i, entry in enumerate(done):
        item = global_ids.encode("ChecklistItem", entry.item_id)
        if entry.item_id not in known:
            problems.append(f"items[{i}].itemId: {item} is not on this shift's checklist")
        if entry.item_id in seen:
            problems.append(f"items[{i}].itemId: {item} appears twice")
        seen.add(entry.item_id)
        if entry.note is not None and len(entry.note) > MAX_NOTE_LENGTH:
            problems.append(f"items[{i}].note: at most {MAX_NOTE_LENGTH} characters")
        if len(entry.photo_ids) > MAX_PHOTOS_PER_ITEM:
            problems.append(f"items[{i}].photoIds: at most {MAX_PHOTOS_PER_ITEM} photos")
        for photo_id in entry.photo_ids:
            other = photo_item.setdefault(photo_id, str(entry.item_id))
            if other != str(entry.item_id):
                problems.append(
                    f"items[{i}].photoIds: photo {photo_id} is already evidence for item "
                    f"{other}; take one photo per item"
                )
    if problems:
        raise InvalidInput.listing(problems)


def _clean_todos(todos: list[str]) -> list[str]:
    cleaned = [t.strip() for t in todos if t.strip()]
    if len(cleaned) > MAX_TODOS or any(len(t) > MAX_TODO_LENGTH for t in cleaned):
        raise InvalidInput(
            f"todos: at most {MAX_TODOS}, each at most {MAX_TODO_LENGTH} characters.",
            argument="todos",
        )
    return cleaned


def _missing(
    item: ShiftItem, entry: ItemDone | None, photos_before: int, *, must_be_done: bool
) -> MissingItem | None:
    """What an item still lacks once `entry` (if any) is applied; None when it is complete."""
    photos = photos_before + (len(entry.photo_ids) if entry else 0)
    note = entry.note if entry and entry.note and entry.note.strip() else item.note
    lacks = []
    if item.requires_photo and photos == 0:
        lacks.append("PHOTO")
    if item.requires_note and not (note or "").strip():
        lacks.append("NOTE")
    if not lacks and must_be_done and entry is None and item.done_at is None:
        lacks.append("DONE")
    return MissingItem(item.item_id, item.text, lacks) if lacks else None


def _refusal(missing: list[MissingItem]) -> InvalidInput:
    named = "; ".join(f"{m.text!r} needs {' and '.join(m.missing)}" for m in missing)
    return InvalidInput(
        f"Cannot hand over yet, {len(missing)} checklist item(s) are missing: {named}.",
        reason=ErrorReason.CHECKLIST_INCOMPLETE,
        missingItems=[
            {
                "itemId": global_ids.encode("ChecklistItem", m.item_id),
                "text": m.text,
                "missing": m.missing,
            }
            for m in missing
        ],
    )


async def _open_shift(
    session: AsyncSession, actor: Actor | None, shift_id: int, doing: str
) -> tuple[Actor, LockedShift, list[ShiftItem]]:
    actor, locked = await lock_shift(session, actor, shift_id, Permission.WORK_SHIFTS)
    require_own_or_managed(actor, locked, doing)
    if locked.shift.status is not ShiftStatus.OPEN:
        raise Conflict(
            f"Shift {shift_id} is {locked.shift.status}, no longer open.",
            reason=ErrorReason.WRONG_STATUS,
            status=locked.shift.status.value,
        )
    items = list(
        await session.scalars(
            select(ShiftItem)
            .where(ShiftItem.store_id == locked.shift.store_id, ShiftItem.shift_id == shift_id)
            .order_by(ShiftItem.position)
        )
    )
    return actor, locked, items


async def _attached(session: AsyncSession, shift_id: int) -> dict[uuid.UUID, str]:
    """The shift's photos so far: photo id -> the item id it is evidence for."""
    refs = (await photos_of(session, PhotoSubject.SHIFT, [shift_id]))[shift_id]
    return {ref.id: ref.detail or "" for ref in refs}


# Every item done in one statement: an item keeps when and by whom it was first done; a new
# non-blank note replaces the one recorded earlier.
_MARK_DONE = text(
    """
    UPDATE shift_item i
       SET done_at = coalesce(i.done_at, :now), done_by_id = coalesce(i.done_by_id, :by),
           note = coalesce(v.note, i.note)
      FROM unnest(CAST(:item_ids AS int[]), CAST(:notes AS text[])) AS v(item_id, note)
     WHERE i.store_id = :store_id AND i.shift_id = :shift_id AND i.item_id = v.item_id
    """
)


async def _apply(
    session: AsyncSession, actor: Actor, shift: Shift, done: list[ItemDone], now: datetime
) -> None:
    for entry in done:
        await attach_photos(
            session,
            actor,
            entry.photo_ids,
            subject=PhotoSubject.SHIFT,
            subject_id=shift.id,
            store_id=shift.store_id,
            detail=str(entry.item_id),
        )
    if done:
        await session.execute(
            _MARK_DONE,
            {
                "store_id": shift.store_id,
                "shift_id": shift.id,
                "now": now,
                "by": actor.staff_id,
                "item_ids": [entry.item_id for entry in done],
                "notes": [
                    entry.note.strip() if entry.note and entry.note.strip() else None
                    for entry in done
                ],
            },
        )


async def record_item(
    session: AsyncSession, actor: Actor | None, *, shift_id: int, entry: ItemDone
) -> int:
    """Tick one item during the shift, with what it requires (else BAD_USER_INPUT)."""
    actor, locked, items = await _open_shift(session, actor, shift_id, "record its items")
    known = {i.item_id: i for i in items}
    attached = await _attached(session, shift_id)
    _check_input([entry], known, attached)
    counts = Counter(attached.values())
    item = known[entry.item_id]
    missing = _missing(item, entry, counts[str(item.item_id)], must_be_done=False)
    if missing is not None:
        raise _refusal([missing])
    await _apply(session, actor, locked.shift, [entry], await _now(session))
    return shift_id


async def _finish(
    session: AsyncSession,
    locked: LockedShift,
    *,
    status: ShiftStatus,
    by: Actor,
    todos: list[str],
    now: datetime,
) -> None:
    shift = locked.shift
    summary = await handover_summary(
        session, store_id=shift.store_id, start=shift.started_at, end=now
    )
    await session.execute(
        update(Shift)
        .where(Shift.store_id == shift.store_id, Shift.id == shift.id)
        .values(
            status=status,
            ended_at=now,
            handed_over_by_id=by.staff_id if status is ShiftStatus.HANDED_OVER else None,
            summary=summary.as_json(),
            todos=todos,
        )
        .execution_options(synchronize_session=False)
    )
    await rollups.record_shift(
        session,
        store_id=shift.store_id,
        clerk_id=shift.clerk_id,
        started_at=shift.started_at,
        ended_at=now,
    )
    finished = events.ShiftHandedOver if status is ShiftStatus.HANDED_OVER else events.ShiftEnded
    await events.emit(
        session,
        finished(shift_id=str(shift.id), shift_kind=shift.kind, **summary.as_json()),
        store_id=shift.store_id,
        region_id=locked.region_id,
    )


async def complete_handover(
    session: AsyncSession,
    actor: Actor | None,
    *,
    shift_id: int,
    done: list[ItemDone],
    todos: list[str],
) -> int:
    """End the shift with every checklist item complete; the summary is generated."""
    actor, locked, items = await _open_shift(session, actor, shift_id, "hand it over")
    known = {i.item_id: i for i in items}
    attached = await _attached(session, shift_id)
    _check_input(done, known, attached)
    cleaned_todos = _clean_todos(todos)
    counts = Counter(attached.values())
    given = {entry.item_id: entry for entry in done}
    missing = [
        m
        for item in items
        if (
            m := _missing(
                item, given.get(item.item_id), counts[str(item.item_id)], must_be_done=True
            )
        )
    ]
    if missing:
        raise _refusal(missing)
    now = await _now(session)
    await _apply(session, actor, locked.shift, done, now)
    await _finish(
        session, locked, status=ShiftStatus.HANDED_OVER, by=actor, todos=cleaned_todos, now=now
    )
    return shift_id


async def end_shift(
    session: AsyncSession, actor: Actor | None, *, shift_id: int, todos: list[str]
) -> int:
    """End a shift that has no checklist; one with a checklist must be handed over instead."""
    actor, locked, items = await _open_shift(session, actor, shift_id, "end it")
    if items:
        raise Conflict(
            f"Shift {shift_id} has a checklist of {len(items)} item(s): end it with "
            "completeHandover, which checks them and writes the summary.",
            reason=ErrorReason.CHECKLIST_NEEDS_HANDOVER,
            checklistItems=len(items),
        )
    cleaned_todos = _clean_todos(todos)
    await _finish(
        session,
        locked,
        status=ShiftStatus.ENDED,
        by=actor,
        todos=cleaned_todos,
        now=await _now(session),
    )
    return shift_id


async def accept_handover(session: AsyncSession, actor: Actor | None, *, shift_id: int) -> int:
    """The incoming clerk or the store's manager takes the shift over, once."""
    actor, locked = await lock_shift(session, actor, shift_id, Permission.WORK_SHIFTS)
    shift = locked.shift
    if actor.staff_id in (shift.clerk_id, shift.handed_over_by_id):
        raise Forbidden(
            "You handed this shift over yourself; another clerk of the store or its manager "
            "accepts it."
        )
    if shift.status is ShiftStatus.ACCEPTED:
        by = await session.scalar(select(Staff.username).where(Staff.id == shift.accepted_by_id))
        assert shift.accepted_at is not None
        raise Conflict(
            f"Shift {shift_id} was already accepted by {by} at {shift.accepted_at.isoformat()}."
        )
    if shift.status is not ShiftStatus.HANDED_OVER:
        raise Conflict(
            f"Shift {shift_id} is {shift.status}: only a handed-over shift can be accepted.",
            reason=ErrorReason.WRONG_STATUS,
            status=shift.status.value,
        )
    await session.execute(
        update(Shift)
        .where(Shift.store_id == shift.store_id, Shift.id == shift.id)
        .values(status=ShiftStatus.ACCEPTED, accepted_by_id=actor.staff_id, accepted_at=func.now())
        .execution_options(synchronize_session=False)
    )
    await events.emit(
        session,
        events.ShiftAccepted(shift_id=str(shift.id), accepted_by=actor.username),
        store_id=shift.store_id,
        region_id=locked.region_id,
    )
    return shift_id
