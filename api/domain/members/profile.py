"""Member profiles: enrolment at a store, look-up by card number or QR code, consent and tags.

A member is the same at every store: look-ups are not store-scoped, but each one counts toward
the caller's hourly ceiling (`limits.record_lookup`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.analytics import rollups
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.domain.members import codes, limits, points
from api.domain.members.phones import normalise_phone, seal_phone
from db.models import Member, MemberTier
from db.pii import KeyRing

MAX_TAGS = 20
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_CARD_NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class NewMember:
    phone: str  # as typed; normalised and sealed here, never stored or echoed
    display_name: str
    marketing_consent: bool
    tags: tuple[str, ...] = ()
    store_code: str | None = None  # defaults to the clerk's own store


def clean_tags(tags: tuple[str, ...] | list[str]) -> list[str]:
    cleaned = sorted({t.strip().lower() for t in tags})
    if len(cleaned) > MAX_TAGS or not all(_TAG.match(t) for t in cleaned):
        raise InvalidInput(
            f"tags: at most {MAX_TAGS}, each 1-32 lower-case letters, digits or dashes.",
            field="tags",
        )
    return cleaned


def _check(new: NewMember) -> tuple[str, str, list[str]]:
    problems: list[str] = []
    e164 = ""
    try:
        e164 = normalise_phone(new.phone)
    except InvalidInput as exc:
        problems.append(exc.message)
    name = new.display_name.strip()
    if not 1 <= len(name) <= 40:
        problems.append("displayName: 1-40 characters")
    tags: list[str] = []
    try:
        tags = clean_tags(new.tags)
    except InvalidInput as exc:
        problems.append(exc.message)
    if problems:
        raise InvalidInput.listing(problems)
    return e164, name, tags


async def enrol_member(
    session: AsyncSession, actor: Actor | None, ring: KeyRing, new: NewMember
) -> Member:
    """Enrol a member at the caller's store (or `store_code`, within scope).

    An already-enrolled phone number is CONFLICT and creates nothing.
    """
    actor = require(actor, Permission.ENROLL_MEMBERS)
    e164, name, tags = _check(new)
    store_code = new.store_code
    if store_code is None:
        if actor.store_id is None:
            raise InvalidInput("storeCode: required for staff without a home store.")
        store_id = actor.store_id
    else:
        store_id = (await authorize_store(session, actor, store_code, Permission.ENROLL_MEMBERS)).id
        if actor.store_id is not None and store_id != actor.store_id:
            raise Forbidden("Members are enrolled at your own store.")
    sealed = seal_phone(ring, e164)
    del e164
    exists = await session.scalar(
        select(Member.id).where(Member.phone_blind_index == sealed.blind_index)
    )
    if exists is not None:
        raise Conflict(
            "This phone number is already enrolled.",
            reason=ErrorReason.ALREADY_EXISTS,
            field="phone",
        )
    for _ in range(_CARD_NUMBER_ATTEMPTS):
        member = Member(
            card_number=codes.new_card_number(),
            display_name=name,
            phone_ciphertext=sealed.ciphertext.blob,
            phone_key_id=sealed.ciphertext.key_id,
            phone_blind_index=sealed.blind_index,
            tier=MemberTier.BASIC,
            points_balance=0,
            enrolled_store_id=store_id,
            enrolled_by_id=actor.staff_id,
            marketing_consent=new.marketing_consent,
            tags=tags,
        )
        try:
            async with session.begin_nested():
                session.add(member)
        except IntegrityError as exc:
            # A concurrent enrolment of the same number, or (rarely) a card number clash.
            if "phone_blind_index" in str(exc.orig):
                raise Conflict(
                    "This phone number is already enrolled.",
                    reason=ErrorReason.ALREADY_EXISTS,
                    field="phone",
                ) from None
            continue
        await session.refresh(member)
        await rollups.record_enrolment(
            session, store_id=store_id, staff_id=actor.staff_id, enrolled_at=member.enrolled_at
        )
        return member
    raise Conflict("Could not allocate a card number; try again.")  # pragma: no cover


async def get_member(
    session: AsyncSession, member_id: int, *, argument: str = "memberId"
) -> Member:
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFound("No such member.", argument=argument)
    return member


async def resolve_member_code(
    session: AsyncSession,
    code: str,
    *,
    ring: KeyRing | None,
    ttl_seconds: int = codes.DEFAULT_TTL_SECONDS,
    argument: str = "code",
) -> int:
    """The member id a scanned code names (card number or unexpired signed QR code).

    For the sales flow: BAD_USER_INPUT for a malformed, expired or forged code, NOT_FOUND for
    a well-formed code of no member. `ring` is the process's key ring, handed down by the
    caller; without one (None) only card numbers can be read.
    """
    parsed = codes.parse_code(ring, code, ttl_seconds=ttl_seconds)
    if parsed.card_number is not None:
        member_id = await session.scalar(
            select(Member.id).where(Member.card_number == parsed.card_number)
        )
    else:
        member_id = await session.scalar(select(Member.id).where(Member.id == parsed.member_id))
    if member_id is None:
        raise unknown_member_code(argument)
    return int(member_id)


def unknown_member_code(argument: str) -> NotFound:
    """What a well-formed code of no member gets (recordSale's statement finds it too)."""
    return NotFound("No member has this code.", argument=argument)


async def open_member(
    session: AsyncSession,
    audit_sessions: async_sessionmaker[AsyncSession],
    actor: Actor | None,
    member_id: int,
    policy: limits.LookupPolicy,
    *,
    argument: str = "memberId",
) -> Member:
    """A member card opened by a staff member: counted toward their ceiling, then refreshed
    (due points expired, tier re-evaluated). Members are chain-wide: no store scope."""
    actor = require(actor, Permission.VIEW_MEMBERS)
    if await session.scalar(select(func.count()).where(Member.id == member_id)) == 0:
        raise NotFound("No such member.", argument=argument)
    await limits.record_lookup(audit_sessions, actor, member_id, policy)
    return await points.refresh_member(session, member_id)


async def set_marketing_consent(
    session: AsyncSession, actor: Actor | None, member_id: int, consent: bool
) -> Member:
    """Record the member's consent (or its withdrawal) with the time it was given.

    Saying again what is already recorded keeps the recorded time: a till that retries the
    call changes nothing, so the mutation needs no idempotency key.
    """
    require(actor, Permission.ENROLL_MEMBERS)
    member = await get_member(session, member_id)
    if member.marketing_consent is not consent:
        member.marketing_consent = consent
        member.marketing_consent_at = func.now()
        await session.flush()
        await session.refresh(member)
    return member


async def set_tags(
    session: AsyncSession, actor: Actor | None, member_id: int, tags: list[str]
) -> Member:
    require(actor, Permission.ENROLL_MEMBERS)
    member = await get_member(session, member_id)
    member.tags = clean_tags(tags)
    await session.flush()
    return member
