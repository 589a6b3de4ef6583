"""Help from HQ: a clerk or store manager asks (a note, perhaps a photo), HQ or the region's
manager answers once, and the answer reaches the store as a HELP_ANSWERED event: live over the
subscription, and afterwards in the store's alerts list (`store_alerts`), which reads the same
events so an alert's id is the event id a subscriber resumes from.

Scope is the caller's StoreScope throughout: a store sees its own requests, a region manager
their region's, HQ every store's. A request outside it is NOT_FOUND, like one that does not
exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events, global_ids
from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, InvalidInput, NotFound
from api.domain.pagination import Page, keyset_page
from api.domain.photo_links import attach_photos
from db.models import Event, HelpRequest, HelpRequestStatus, PhotoSubject

MAX_NOTE = 1000
MAX_ANSWER = 2000
# The kinds a store's alerts list shows (each payload a HelpRequestChanged today).
STORE_ALERT_KINDS = (events.EventKind.HELP_ANSWERED,)


@dataclass(frozen=True)
class NewHelpRequest:
    store_code: str
    note: str
    photo_id: uuid.UUID | None = None


def help_request_not_found(help_request_id: int, *, argument: str) -> NotFound:
    public = global_ids.encode("HelpRequest", help_request_id)
    return NotFound(f"No help request {public} in your scope.", argument=argument)


def _clean(text: str, field: str, limit: int) -> str:
    cleaned = text.strip()
    if not 1 <= len(cleaned) <= limit:
        raise InvalidInput(f"{field}: 1 to {limit} characters.", field=field)
    return cleaned


async def request_help(session: AsyncSession, actor: Actor | None, new: NewHelpRequest) -> int:
    """Record the request at a store in the caller's scope, attach the caller's own photo and
    announce it (HELP_REQUESTED); returns its id. In the caller's transaction."""
    actor = require(actor, Permission.REQUEST_HELP)
    store = await authorize_store(session, actor, new.store_code, Permission.REQUEST_HELP)
    note = _clean(new.note, "note", MAX_NOTE)
    request = HelpRequest(
        store_id=store.id,
        region_id=store.region_id,
        requested_by_id=actor.staff_id,
        note=note,
        status=HelpRequestStatus.OPEN,
    )
    session.add(request)
    await session.flush()
    if new.photo_id is not None:
        # Only the caller's own upload; anything else is BAD_USER_INPUT and rolls back.
        await attach_photos(
            session,
            actor,
            [new.photo_id],
            subject=PhotoSubject.HELP_REQUEST,
            subject_id=request.id,
            store_id=store.id,
        )
    await events.emit(
        session,
        events.HelpRequested(help_request_id=request.id, requested_by=actor.username),
        store_id=store.id,
        region_id=store.region_id,
    )
    return request.id


async def answer_help_request(
    session: AsyncSession,
    actor: Actor | None,
    help_request_id: int,
    answer: str,
    *,
    now: datetime | None = None,
) -> int:
    """Answer an OPEN request in the caller's scope (once: an answered one is CONFLICT) and
    tell its store (HELP_ANSWERED)."""
    actor = require(actor, Permission.ANSWER_HELP_REQUESTS)
    text = _clean(answer, "answer", MAX_ANSWER)
    request = await session.scalar(
        select(HelpRequest)
        .where(
            HelpRequest.id == help_request_id,
            actor.scope.sql(HelpRequest.store_id, HelpRequest.region_id),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise help_request_not_found(help_request_id, argument="helpRequestId")
    if request.status is not HelpRequestStatus.OPEN:
        raise Conflict(
            f"Help request {global_ids.encode('HelpRequest', request.id)} is already answered.",
            reason=ErrorReason.WRONG_STATUS,
            status=request.status.value,
        )
    request.status = HelpRequestStatus.ANSWERED
    request.answer = text
    request.answered_by_id = actor.staff_id
    request.answered_at = now or datetime.now(UTC)
    await session.flush()
    await events.emit(
        session,
        events.HelpAnswered(help_request_id=request.id, answered_by=actor.username),
        store_id=request.store_id,
        region_id=request.region_id,
    )
    return request.id


async def help_requests_by_id(
    session: AsyncSession, actor: Actor | None, ids: Sequence[int]
) -> dict[int, HelpRequest]:
    """The requests among `ids` in the caller's scope (the others are NOT_FOUND to them)."""
    actor = require(actor, Permission.VIEW_HELP_REQUESTS)
    rows = await session.scalars(
        select(HelpRequest).where(
            HelpRequest.id.in_(list(ids)),
            actor.scope.sql(HelpRequest.store_id, HelpRequest.region_id),
        )
    )
    return {row.id: row for row in rows}


async def get_help_request(
    session: AsyncSession, actor: Actor | None, help_request_id: int, *, argument: str = "id"
) -> HelpRequest:
    found = await help_requests_by_id(session, actor, [help_request_id])
    if help_request_id not in found:
        raise help_request_not_found(help_request_id, argument=argument)
    return found[help_request_id]


async def list_help_requests(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str | None,
    status: HelpRequestStatus | None,
    first: int | None,
    after: str | None,
) -> Page[HelpRequest]:
    """Requests in the caller's scope, oldest first: the longest waiting is answered first."""
    actor = require(actor, Permission.VIEW_HELP_REQUESTS)
    stmt: Select[Any] = select(HelpRequest).where(
        actor.scope.sql(HelpRequest.store_id, HelpRequest.region_id)
    )
    if store_code is not None:
        store = await authorize_store(session, actor, store_code, Permission.VIEW_HELP_REQUESTS)
        stmt = stmt.where(HelpRequest.store_id == store.id)
    if status is not None:
        stmt = stmt.where(HelpRequest.status == status)
    return await keyset_page(
        session,
        stmt,
        kind="helpRequest",
        key_columns=[HelpRequest.id],
        key_of=lambda r: [r.id],
        first=first,
        after=after,
    )


@dataclass(frozen=True)
class StoreAlertRow:
    """One entry of a store's alerts list: an event, and the help request it is about."""

    event_id: int
    kind: events.EventKind
    occurred_at: datetime
    help_request_id: int


async def store_alerts(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str,
    first: int | None,
    after: str | None,
) -> Page[StoreAlertRow]:
    """The alerts of one store in the caller's scope, newest first (the answers to its help
    requests); each is the event a live subscriber was sent, with the same id."""
    actor = require(actor, Permission.VIEW_HELP_REQUESTS)
    store = await authorize_store(session, actor, store_code, Permission.VIEW_HELP_REQUESTS)
    stmt: Select[Any] = select(Event.id, Event.kind, Event.occurred_at, Event.payload).where(
        Event.store_id == store.id, Event.kind.in_([k.value for k in STORE_ALERT_KINDS])
    )
    page = await keyset_page(
        session,
        stmt,
        kind="storeAlert",
        key_columns=[-Event.id],  # newest first as an ascending key
        key_of=lambda row: [-row.id],
        first=first,
        after=after,
        scalars=False,
    )
    items = []
    for cursor, row in page.items:
        kind = events.EventKind(row.kind)
        payload = events.parse_payload(kind, row.payload, events.HelpRequestChanged)
        items.append(
            (
                cursor,
                StoreAlertRow(
                    event_id=row.id,
                    kind=kind,
                    occurred_at=row.occurred_at,
                    help_request_id=payload.help_request_id,
                ),
            )
        )
    return Page(
        items=items,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )
