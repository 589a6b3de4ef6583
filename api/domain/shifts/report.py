"""HQ's view of the standards: per store and period, how handovers went and what gets missed,
and the photos a store attached on one of its days.

Periods are store-local dates: a shift belongs to the day it started on in its store's time
zone (Urumqi's day starts two hours after Shanghai's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Select,
    String,
    func,
    literal,
    select,
    text,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import (
    Actor,
    Permission,
    authorize_region,
    authorize_store,
    require,
)
from api.domain.errors import InvalidInput
from api.domain.pagination import Page, keyset_page
from api.domain.photo_links import SUBJECT_VIEW_PERMISSION, PhotoRef
from db.models import Photo, PhotoAttachment, PhotoSubject, Staff, Store

MAX_PERIOD_DAYS = 366
TOP_MISSED_ITEMS = 5
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class MissedItem:
    text: str
    times: int


@dataclass(frozen=True)
class StoreStandards:
    store: Store
    shifts: int  # started in the period
    handovers_completed: int
    late: int  # completed after the window end plus the grace period
    missing: int  # still not handed over, the window end plus grace long past
    missed_items: list[MissedItem]

    @property
    def completion_rate(self) -> float | None:
        """Completed handovers over those due (completed or missing); None when none were."""
        due = self.handovers_completed + self.missing
        return self.handovers_completed / due if due else None


# Shifts of the page's stores started on the period's store-local dates, with their deadline.
_PERIOD_SHIFTS = """
    WITH sh AS (
      SELECT x.store_id, x.id, x.status, x.ended_at,
             x.window_end + make_interval(mins => CAST(:grace AS int)) AS due_at
        FROM shift x JOIN store s ON s.id = x.store_id
       WHERE x.store_id = ANY(CAST(:store_ids AS int[]))
         AND x.started_at >= CAST(:first_day AS date)::timestamp AT TIME ZONE s.time_zone
         AND x.started_at < (CAST(:last_day AS date) + 1)::timestamp AT TIME ZONE s.time_zone
    )
"""

_COUNTS_SQL = """
    SELECT store_id, count(*) AS shifts,
           count(*) FILTER (WHERE status IN ('HANDED_OVER', 'ACCEPTED')) AS completed,
           count(*) FILTER (WHERE status IN ('HANDED_OVER', 'ACCEPTED') AND ended_at > due_at)
             AS late,
           count(*) FILTER (WHERE status = 'OPEN' AND now() > due_at) AS missing
      FROM sh GROUP BY store_id
"""
_COUNTS = text(_PERIOD_SHIFTS + _COUNTS_SQL)

# An item is missed when it was not done by the handover deadline: still undone on a shift
# whose deadline passed, or done only after it (on a late handover). A refused handover
# writes nothing, so refusals themselves leave no trace to count.
_MISSED_SQL = """
    SELECT store_id, text, times FROM (
      SELECT i.store_id, i.text, count(*) AS times,
             row_number() OVER (PARTITION BY i.store_id ORDER BY count(*) DESC, i.text) AS rank
        FROM sh JOIN shift_item i ON i.store_id = sh.store_id AND i.shift_id = sh.id
       WHERE sh.status <> 'ENDED' AND now() > sh.due_at
         AND (i.done_at IS NULL OR i.done_at > sh.due_at)
       GROUP BY i.store_id, i.text
    ) ranked WHERE rank <= :top ORDER BY store_id, rank
"""
_MISSED = text(_PERIOD_SHIFTS + _MISSED_SQL)


def _check_period(first_day: date, last_day: date) -> None:
    if not first_day <= last_day <= first_day + timedelta(days=MAX_PERIOD_DAYS - 1):
        raise InvalidInput(
            f"to: on or after from, and at most {MAX_PERIOD_DAYS} days in all.", argument="to"
        )


async def standards_report(
    session: AsyncSession,
    actor: Actor | None,
    *,
    first_day: date,
    last_day: date,
    region_code: str | None,
    store_code: str | None,
    grace_minutes: int,
    first: int | None,
    after: str | None,
) -> Page[StoreStandards]:
    """One row per store in scope (by code), three statements a page."""
    actor = require(actor, Permission.VIEW_SHIFTS)
    _check_period(first_day, last_day)
    stmt = select(Store).where(actor.scope.where(Store.id))
    if region_code is not None:
        region_id = await authorize_region(session, actor, region_code, Permission.VIEW_SHIFTS)
        stmt = stmt.where(Store.region_id == region_id)
    if store_code is not None:
        store = await authorize_store(session, actor, store_code, Permission.VIEW_SHIFTS)
        stmt = stmt.where(Store.id == store.id)
    page = await keyset_page(
        session,
        stmt,
        kind="standards",
        key_columns=[Store.code],
        key_of=lambda s: [s.code],
        first=first,
        after=after,
    )
    params = {
        "store_ids": [s.id for _, s in page.items],
        "first_day": first_day,
        "last_day": last_day,
        "grace": grace_minutes,
    }
    counts = {row.store_id: row for row in await session.execute(_COUNTS, params)}
    missed: dict[int, list[MissedItem]] = {}
    for row in await session.execute(_MISSED, {**params, "top": TOP_MISSED_ITEMS}):
        missed.setdefault(row.store_id, []).append(MissedItem(row.text, row.times))

    def standards(store: Store) -> StoreStandards:
        row = counts.get(store.id)
        return StoreStandards(
            store=store,
            shifts=row.shifts if row else 0,
            handovers_completed=row.completed if row else 0,
            late=row.late if row else 0,
            missing=row.missing if row else 0,
            missed_items=missed.get(store.id, []),
        )

    return Page(
        items=[(cursor, standards(store)) for cursor, store in page.items],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )


@dataclass(frozen=True)
class DayPhoto:
    photo: PhotoRef
    subject: PhotoSubject
    subject_id: int
    attached_at: datetime
    attached_by: str  # username


def _visible_subjects(actor: Actor) -> Sequence[PhotoSubject]:
    return [s for s, permission in SUBJECT_VIEW_PERMISSION.items() if actor.can(permission)]


async def store_day_photos(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str,
    day: date,
    first: int | None,
    after: str | None,
) -> Page[DayPhoto]:
    """Photos attached at a store on one store-local date (of subjects the caller may see)."""
    store = await authorize_store(session, actor, store_code, Permission.VIEW_SHIFTS)
    assert actor is not None
    tz = select(Store.time_zone).where(Store.id == store.id).scalar_subquery()

    def local_midnight(d: date) -> ColumnElement[datetime]:
        return func.timezone(tz, literal(datetime.combine(d, time()), DateTime()))

    # Keyset on exact values: microseconds since the epoch, then the attachment's key.
    micros = sql_cast(func.extract("epoch", PhotoAttachment.attached_at) * 1_000_000, BigInteger)
    photo_key = sql_cast(PhotoAttachment.photo_id, String)
    stmt = (
        select(PhotoAttachment, Photo.width, Photo.height, Staff.username)
        .join(Photo, Photo.id == PhotoAttachment.photo_id)
        .join(Staff, Staff.id == PhotoAttachment.attached_by_id)
        .where(
            PhotoAttachment.store_id == store.id,
            PhotoAttachment.subject.in_(_visible_subjects(actor)),
            PhotoAttachment.attached_at >= local_midnight(day),
            PhotoAttachment.attached_at < local_midnight(day + timedelta(days=1)),
        )
    )
    page = await keyset_page(
        session,
        cast("Select[Any]", stmt),
        kind="day-photo",
        key_columns=[micros, photo_key, PhotoAttachment.subject, PhotoAttachment.subject_id],
        key_of=lambda row: [
            (row[0].attached_at - EPOCH) // timedelta(microseconds=1),
            str(row[0].photo_id),
            row[0].subject.value,
            row[0].subject_id,
        ],
        first=first,
        after=after,
        scalars=False,
    )
    return Page(
        items=[
            (
                cursor,
                DayPhoto(
                    PhotoRef(a.photo_id, width, height, a.detail),
                    a.subject,
                    a.subject_id,
                    a.attached_at,
                    username,
                ),
            )
            for cursor, (a, width, height, username) in page.items
        ],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )
