"""Proof of execution: each store in a promotion's scope shows its poster photos (uploaded with
`POST /photos`, attached as subject PROMOTION at that store) and a briefing record (which
staff were briefed, by whom) by a deadline before the promotion starts.

The deadline: store-local midnight at the start of the day before `start_date`
(EVIDENCE_LEAD_DAYS), so the store has its posters up and its staff told before the first
customer. A store's evidence is DONE once it has at least one photo and a briefing; LATE when
that happened after the deadline; MISSING when the deadline has passed without it; PENDING
before the deadline. HQ reads it per store (`execution_report`); a store's open shifts show
what is still owed as must-do items (`owed_at_store`) until it is done.

Both records are idempotent by nature (a photo attached twice is one attachment; a briefing
recorded again replaces the list) and keyed by the client's idempotency key on top.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.errors import InvalidInput, NotFound
from api.domain.photo_links import PhotoRef, attach_photos
from db.models import (
    Photo,
    PhotoAttachment,
    PhotoSubject,
    Promotion,
    PromotionBriefing,
    PromotionState,
    PromotionStore,
    Staff,
)

EVIDENCE_LEAD_DAYS = 1
MAX_PHOTOS = 10
MAX_BRIEFED = 100
MAX_NOTE = 500


class EvidenceStatus(enum.StrEnum):
    PENDING = "PENDING"  # before the deadline, not complete
    DONE = "DONE"  # complete by the deadline
    LATE = "LATE"  # complete, after the deadline
    MISSING = "MISSING"  # the deadline passed without it


async def _promotion_at_store(
    session: AsyncSession, actor: Actor | None, promotion_id: int, store_code: str
) -> tuple[Promotion, int]:
    store = await authorize_store(session, actor, store_code, Permission.VIEW_PROMOTIONS)
    public = global_ids.encode("Promotion", promotion_id)
    promotion = await session.scalar(
        select(Promotion)
        .join(PromotionStore, PromotionStore.promotion_id == Promotion.id)
        .where(Promotion.id == promotion_id, PromotionStore.store_id == store.id)
    )
    if promotion is None:
        raise NotFound(f"Promotion {public} does not run at {store_code}.", argument="promotionId")
    if promotion.state is PromotionState.CANCELLED:
        raise InvalidInput.listing([f"promotionId: {public} is cancelled"])
    return promotion, store.id


async def attach_posters(
    session: AsyncSession,
    actor: Actor | None,
    *,
    promotion_id: int,
    store_code: str,
    photo_ids: Sequence[uuid.UUID],
) -> int:
    """Attach the caller's uploaded poster photos as the store's evidence."""
    actor = require(actor, Permission.VIEW_PROMOTIONS)
    if not 1 <= len(photo_ids) <= MAX_PHOTOS:
        raise InvalidInput.listing([f"photoIds: 1 to {MAX_PHOTOS} photos"])
    promotion, store_id = await _promotion_at_store(session, actor, promotion_id, store_code)
    await attach_photos(
        session,
        actor,
        photo_ids,
        subject=PhotoSubject.PROMOTION,
        subject_id=promotion.id,
        store_id=store_id,
        detail="poster",
    )
    return promotion.id


async def record_briefing(
    session: AsyncSession,
    actor: Actor | None,
    *,
    promotion_id: int,
    store_code: str,
    briefed_usernames: Sequence[str],
    note: str | None,
) -> int:
    """Record who at the store was briefed, by the caller; BAD_USER_INPUT listing unknown
    usernames or staff of another store, nothing written."""
    actor = require(actor, Permission.VIEW_PROMOTIONS)
    promotion, store_id = await _promotion_at_store(session, actor, promotion_id, store_code)
    problems = []
    names = [u.strip() for u in briefed_usernames]
    if not 1 <= len(names) <= MAX_BRIEFED or len(set(names)) != len(names):
        problems.append(f"briefedUsernames: 1 to {MAX_BRIEFED} distinct usernames")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        problems.append(f"note: at most {MAX_NOTE} characters")
    found = {
        s.username: s for s in await session.scalars(select(Staff).where(Staff.username.in_(names)))
    }
    for i, name in enumerate(names):
        staff = found.get(name)
        if staff is None or staff.store_id != store_id:
            problems.append(f"briefedUsernames[{i}]: {name!r} is not staff of {store_code}")
    if problems:
        raise InvalidInput.listing(problems)
    values = {
        "promotion_id": promotion.id,
        "store_id": store_id,
        "briefed_by_id": actor.staff_id,
        "staff_ids": sorted(found[n].id for n in names),
        "note": note,
    }
    await session.execute(
        insert(PromotionBriefing)
        .values(values)
        .on_conflict_do_update(
            index_elements=["promotion_id", "store_id"],
            set_={k: v for k, v in values.items() if k not in ("promotion_id", "store_id")}
            | {"recorded_at": text("now()")},
        )
    )
    return promotion.id


@dataclass(frozen=True)
class StoreEvidence:
    promotion_id: int
    promotion_name: str
    store_id: int
    store_code: str
    due_at: datetime
    photos: int
    briefed_by: str | None  # a username
    briefed: list[str]  # usernames
    briefed_at: datetime | None
    done_at: datetime | None  # when both were there (the later of the two)
    status: EvidenceStatus
    posters: tuple[PhotoRef, ...] = ()  # read by execution_report only, oldest first


_EVIDENCE_SQL = """
    SELECT p.id AS promotion_id, p.name, s.id AS store_id, s.code, s.region_id,
           (CAST(p.start_date AS timestamp) - make_interval(days => :lead))
             AT TIME ZONE s.time_zone AS due_at,
           ph.photos, ph.last_photo_at, b.recorded_at AS briefed_at, by_.username AS briefed_by,
           (SELECT coalesce(array_agg(u.username ORDER BY u.username), CAST(ARRAY[] AS text[]))
              FROM staff u WHERE u.id = ANY(b.staff_ids)) AS briefed
      FROM promotion p
      JOIN promotion_store ps ON ps.promotion_id = p.id
      JOIN store s ON s.id = ps.store_id
      LEFT JOIN LATERAL (
        SELECT count(*) AS photos, max(a.attached_at) AS last_photo_at
          FROM photo_attachment a
         WHERE a.subject = 'PROMOTION' AND a.subject_id = p.id AND a.store_id = s.id
      ) ph ON true
      LEFT JOIN promotion_briefing b ON b.promotion_id = p.id AND b.store_id = s.id
      LEFT JOIN staff by_ ON by_.id = b.briefed_by_id
     WHERE p.state = 'SCHEDULED' AND p.ends_at > :now AND {where}
     ORDER BY p.id, s.code
"""


def _status(due_at: datetime, done_at: datetime | None, now: datetime) -> EvidenceStatus:
    if done_at is not None:
        return EvidenceStatus.DONE if done_at <= due_at else EvidenceStatus.LATE
    return EvidenceStatus.MISSING if now > due_at else EvidenceStatus.PENDING


async def _evidence(
    session: AsyncSession, actor: Actor, where: str, params: dict[str, object], now: datetime
) -> list[StoreEvidence]:
    rows = await session.execute(
        text(_EVIDENCE_SQL.replace("{where}", where)),
        {"lead": EVIDENCE_LEAD_DAYS, "now": now, **params},
    )
    found = []
    for r in rows:
        if not actor.scope.allows(r.store_id, r.region_id):
            continue
        done_at = (
            max(r.last_photo_at, r.briefed_at) if r.photos and r.briefed_at is not None else None
        )
        found.append(
            StoreEvidence(
                promotion_id=r.promotion_id,
                promotion_name=r.name,
                store_id=r.store_id,
                store_code=r.code,
                due_at=r.due_at,
                photos=r.photos,
                briefed_by=r.briefed_by,
                briefed=list(r.briefed),
                briefed_at=r.briefed_at,
                done_at=done_at,
                status=_status(r.due_at, done_at, now),
            )
        )
    return found


async def execution_report(
    session: AsyncSession, actor: Actor | None, promotion_id: int, *, now: datetime
) -> list[StoreEvidence]:
    """Each store of a scheduled, not yet ended promotion in the caller's scope: its evidence
    and whether it is late or missing."""
    actor = require(actor, Permission.VIEW_PROMOTIONS)
    found = await _evidence(
        session, actor, "p.id = :promotion_id", {"promotion_id": promotion_id}, now
    )
    if not found:
        return found
    posters: dict[int, list[PhotoRef]] = {e.store_id: [] for e in found}
    rows = await session.execute(
        select(PhotoAttachment.store_id, Photo.id, Photo.width, Photo.height)
        .join(Photo, Photo.id == PhotoAttachment.photo_id)
        .where(
            PhotoAttachment.subject == PhotoSubject.PROMOTION,
            PhotoAttachment.subject_id == promotion_id,
            PhotoAttachment.store_id.in_(list(posters)),
        )
        .order_by(PhotoAttachment.attached_at, Photo.id)
    )
    for row in rows:
        posters[row.store_id].append(PhotoRef(row.id, row.width, row.height, None))
    return [replace(e, posters=tuple(posters[e.store_id])) for e in found]


async def owed_at_stores(
    session: AsyncSession, actor: Actor, store_ids: Sequence[int], *, now: datetime
) -> dict[int, list[StoreEvidence]]:
    """What each store still owes (no photo or no briefing yet, late or not): the must-do
    items its open shifts show until done."""
    found = await _evidence(
        session, actor, "s.id = ANY(:store_ids)", {"store_ids": list(store_ids)}, now
    )
    owed: dict[int, list[StoreEvidence]] = {i: [] for i in store_ids}
    for e in found:
        if e.done_at is None:
            owed[e.store_id].append(e)
    return owed
