"""Finding a member without a card: the customer says their phone number at the till.

The number is matched through the blind index, normalised like enrolment, and never echoed:
not in the answer, an error or a log line. Nothing here may tell an enrolled number from
another except the card itself:

- both HMACs (the blind index, and the digest a miss is recorded under) are computed for every
  input, and the one indexed query runs whether or not it matches;
- a miss counts toward the hourly look-up ceiling and the view alerts like a member opened
  (deduplicated per number within the hour, as a member is), so guessing numbers ends in
  RATE_LIMITED, and at the ceiling an enrolled and an unknown number are refused alike;
- every miss raises the same NotFound (message and details), valid number or merely
  parseable one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.domain.access import Actor, Permission, require
from api.domain.errors import NotFound
from api.domain.members import limits, points
from api.domain.members.phones import lookup_form
from db.models import Member
from db.pii import KeyRing

NO_MEMBER_MESSAGE = "No member has this phone number. Check it with the customer, or scan a card."
_MISS_DOMAIN = "chainstore member-view miss v1\x00"


@dataclass(frozen=True, repr=False)
class PhoneProbe:
    """What a typed number is searched and counted under; holds no form of the number."""

    blind_index: bytes
    miss_digest: bytes


def probe(ring: KeyRing, typed: str) -> PhoneProbe:
    """BAD_USER_INPUT (not echoing it) for what is no phone number at all."""
    e164 = lookup_form(typed)
    return PhoneProbe(
        blind_index=ring.blind_index(e164), miss_digest=ring.blind_index(_MISS_DOMAIN + e164)
    )


async def find_member_by_phone(
    session: AsyncSession,
    audit_sessions: async_sessionmaker[AsyncSession],
    actor: Actor | None,
    ring: KeyRing,
    typed: str,
    policy: limits.LookupPolicy,
) -> Member:
    """The member whose number was typed, counted toward the caller's ceiling and refreshed
    like a scanned card (due points expired, tier re-evaluated); NOT_FOUND when none."""
    actor = require(actor, Permission.VIEW_MEMBERS)
    searched = probe(ring, typed)
    del typed
    member_id = await session.scalar(
        select(Member.id).where(Member.phone_blind_index == searched.blind_index)
    )
    if member_id is None:
        await limits.record_phone_miss(audit_sessions, actor, searched.miss_digest, policy)
        raise NotFound(NO_MEMBER_MESSAGE, argument="phone")
    await limits.record_lookup(audit_sessions, actor, int(member_id), policy)
    return await points.refresh_member(session, int(member_id))
