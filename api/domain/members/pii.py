"""Reading a member's phone number: masked for managers, in full for HQ compliance, logged.

Why a reveal commits its own transaction. The GraphQL view commits a request's session only
when the whole operation has no error, and a query returns partial data next to errors. Had
the log row been written in the request's session, a query asking for `phone` and, beside
it, anything that fails would return the number and roll the log row back: an unlogged
reveal. So `reveal_phone` reads the ciphertext and writes the log row in one short
transaction of its own, commits it, and only then decrypts and returns the number. If the
commit fails, the number is not returned. A returned number therefore always has exactly one
committed log row; the converse slack (a row for a response that never reached the client)
errs on the side of the audit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.domain.access import Actor, Permission, require
from api.domain.errors import InvalidInput, NotFound
from api.domain.members.paging import newest_first_page
from api.domain.members.phones import mask_phone, open_phone, seal_phone
from api.domain.pagination import Page
from api.domain.staff import staff_id_by_username
from db.models import Member, PiiAccessLog
from db.pii import KeyRing

PHONE_FIELD = "PHONE"
MIN_PURPOSE, MAX_PURPOSE = 5, 200


def _open(ring: KeyRing, member: Member) -> str:
    return open_phone(
        ring,
        key_id=member.phone_key_id,
        blob=member.phone_ciphertext,
        blind_index=member.phone_blind_index,
    )


def masked_phone(ring: KeyRing, member: Member) -> str:
    return mask_phone(_open(ring, member))


def clean_purpose(purpose: str) -> str:
    cleaned = " ".join(purpose.split())
    if not MIN_PURPOSE <= len(cleaned) <= MAX_PURPOSE:
        raise InvalidInput(
            f"purpose: say why you need the number, in {MIN_PURPOSE}-{MAX_PURPOSE} characters.",
            argument="purpose",
        )
    return cleaned


async def reveal_phone(
    audit_sessions: async_sessionmaker[AsyncSession],
    actor: Actor | None,
    ring: KeyRing,
    *,
    member_id: int,
    purpose: str,
    request_id: str,
) -> str:
    """The member's full E.164 number, after committing one PII access log row for it."""
    actor = require(actor, Permission.REVEAL_MEMBER_PHONE)
    cleaned = clean_purpose(purpose)
    async with audit_sessions() as session:
        async with session.begin():
            member = await session.get(Member, member_id)
            if member is None:
                raise NotFound("No such member.", argument="memberId")
            session.add(
                PiiAccessLog(
                    staff_id=actor.staff_id,
                    member_id=member_id,
                    field=PHONE_FIELD,
                    purpose=cleaned,
                    request_id=request_id[:64],
                )
            )
        # Committed: only now is the number decrypted and handed out.
        return _open(ring, member)


@dataclass(frozen=True)
class AccessLogFilter:
    member_id: int | None = None
    staff_username: str | None = None
    since: datetime | None = None


async def entries_by_id(
    session: AsyncSession, actor: Actor | None, entry_ids: Sequence[int]
) -> dict[int, PiiAccessLog]:
    """Access log rows by id, for who may read the log."""
    require(actor, Permission.VIEW_PII_ACCESS_LOG)
    rows = await session.scalars(select(PiiAccessLog).where(PiiAccessLog.id.in_(list(entry_ids))))
    return {row.id: row for row in rows}


async def access_log(
    session: AsyncSession,
    actor: Actor | None,
    *,
    filter: AccessLogFilter,
    first: int | None,
    after: str | None,
) -> Page[PiiAccessLog]:
    require(actor, Permission.VIEW_PII_ACCESS_LOG)
    stmt = select(PiiAccessLog)
    if filter.member_id is not None:
        if await session.get(Member, filter.member_id) is None:
            raise NotFound("No such member.", argument="memberId")
        stmt = stmt.where(PiiAccessLog.member_id == filter.member_id)
    if filter.staff_username is not None:
        staff_id = await staff_id_by_username(
            session, filter.staff_username, argument="staffUsername"
        )
        stmt = stmt.where(PiiAccessLog.staff_id == staff_id)
    if filter.since is not None:
        stmt = stmt.where(PiiAccessLog.accessed_at >= filter.since)
    return await newest_first_page(
        session,
        stmt,
        kind="piiAccess",
        key_columns=[PiiAccessLog.id],
        key_of=lambda row: [row.id],
        first=first,
        after=after,
    )


async def reencrypt_phones(session: AsyncSession, ring: KeyRing, *, batch: int = 500) -> int:
    """Re-encrypt up to `batch` phones not under the active key (key rotation); returns count."""
    stale = (
        await session.scalars(
            select(Member)
            .where(Member.phone_key_id != ring.active_id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for member in stale:
        sealed = seal_phone(ring, _open(ring, member))
        member.phone_ciphertext = sealed.ciphertext.blob
        member.phone_key_id = sealed.ciphertext.key_id
    await session.flush()
    return len(stale)
