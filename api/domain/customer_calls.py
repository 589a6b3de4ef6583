"""Calling a complaint's customer back through the masked-number bridge (api/domain/telephony.py).

Rules. The caller needs CALL_CUSTOMERS and a reason, and the call is about one complaint they
may see (NOT_FOUND otherwise, as for any complaint outside their scope) that names a member.
The number is read like a reveal (api/domain/members/pii.py): one PII access log row
(field PHONE_CALL, the complaint and the reason as its purpose) and the call's row are
committed in a short transaction of their own before the number is decrypted, so no call is
ever placed unlogged, whatever happens to the request afterwards. The number then goes to
the adapter only; it is in no row, log line, error or response.

Throttles. A call counts as opening the member (the per-role hourly look-up ceiling and its
privacy alerts, api/domain/members/limits.py), and nobody places more than
`calls_per_hour` calls in a rolling hour (RATE_LIMITED, CALL_CEILING), counted under a
per-staff advisory lock so concurrent requests cannot both take the last place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.domain.access import Actor, Permission, require
from api.domain.complaints.common import complaint_in_scope
from api.domain.error_reasons import ErrorReason
from api.domain.errors import InvalidInput, RateLimited
from api.domain.members import limits
from api.domain.members.phones import open_phone
from api.domain.telephony import BridgeCall, TelephonyAdapter
from db.models import CallStatus, CustomerCall, Member, PiiAccessLog, Store
from db.pii import KeyRing

CALL_FIELD = "PHONE_CALL"  # pii_access_log.field of a bridged call (a reveal is PHONE)
MIN_REASON, MAX_REASON = 5, 160  # the log's purpose adds the complaint, within its 200
DEFAULT_CALLS_PER_HOUR = 20
CALL_WINDOW = timedelta(hours=1)
_LOCK_NAMESPACE = 40_010  # pg_advisory_xact_lock(namespace, staff id)


@dataclass(frozen=True)
class CallPolicy:
    calls_per_hour: int = DEFAULT_CALLS_PER_HOUR
    lookups: limits.LookupPolicy = field(default_factory=limits.LookupPolicy)


def clean_reason(reason: str) -> str:
    cleaned = " ".join(reason.split())
    if not MIN_REASON <= len(cleaned) <= MAX_REASON:
        raise InvalidInput(
            f"reason: say why you call the customer, in {MIN_REASON}-{MAX_REASON} characters.",
            field="reason",
        )
    return cleaned


async def call_customer(
    session: AsyncSession,
    audit_sessions: async_sessionmaker[AsyncSession],
    actor: Actor | None,
    ring: KeyRing,
    adapter: TelephonyAdapter,
    *,
    complaint_id: int,
    reason: str,
    request_id: str,
    policy: CallPolicy,
) -> int:
    """Connect the caller's phone with the complaint's customer; the customer_call id."""
    actor = require(actor, Permission.CALL_CUSTOMERS)
    complaint = await complaint_in_scope(
        session, actor, complaint_id, Permission.VIEW_COMPLAINTS, argument="complaintId"
    )
    cleaned = clean_reason(reason)
    if complaint.member_id is None:
        raise InvalidInput(
            "The complaint names no member: there is no customer to call.",
            reason=ErrorReason.NO_CUSTOMER_TO_CALL,
            field="complaintId",
        )
    member_id = complaint.member_id
    await limits.record_lookup(audit_sessions, actor, member_id, policy.lookups)
    async with audit_sessions() as audit:
        async with audit.begin():
            refusal = await _over_ceiling(audit, actor, policy.calls_per_hour)
            if refusal is not None:
                raise refusal
            member = await audit.get(Member, member_id)
            assert member is not None  # members are never deleted
            entry = PiiAccessLog(
                staff_id=actor.staff_id,
                member_id=member_id,
                field=CALL_FIELD,
                purpose=f"Call about complaint {complaint.id}: {cleaned}",
                request_id=request_id[:64],
            )
            audit.add(entry)
            await audit.flush()
            call = CustomerCall(
                complaint_id=complaint.id,
                member_id=member_id,
                store_id=complaint.store_id,
                staff_id=actor.staff_id,
                reason=cleaned,
                access_log_id=entry.id,
                status=CallStatus.PLACING,
                provider=adapter.provider,
            )
            audit.add(call)
            await audit.flush()
            call_id = call.id
            store_code = await audit.scalar(
                select(Store.code).where(Store.id == complaint.store_id)
            )
        # Committed: only now is the number decrypted, and only the adapter receives it.
        phone = open_phone(
            ring,
            key_id=member.phone_key_id,
            blob=member.phone_ciphertext,
            blind_index=member.phone_blind_index,
        )
    bridge = BridgeCall(
        call_id=call_id,
        staff_username=actor.username,
        store_code=store_code or "",
        customer_phone=phone,
    )
    del phone
    try:
        placed = await adapter.connect(bridge)
    except Exception:
        await _settle(audit_sessions, complaint.store_id, call_id, CallStatus.FAILED, None)
        raise
    await _settle(
        audit_sessions, complaint.store_id, call_id, placed.status, placed.provider_call_id
    )
    return call_id


async def _over_ceiling(session: AsyncSession, actor: Actor, limit: int) -> RateLimited | None:
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, :staff)"),
        {"ns": _LOCK_NAMESPACE, "staff": actor.staff_id},
    )
    row = (
        await session.execute(
            select(
                func.count(),
                func.ceil(
                    func.extract("epoch", func.min(CustomerCall.requested_at) + CALL_WINDOW)
                    - func.extract("epoch", func.now())
                ),
            ).where(
                CustomerCall.staff_id == actor.staff_id,
                CustomerCall.requested_at > func.now() - CALL_WINDOW,
            )
        )
    ).one()
    placed, wait = int(row[0]), row[1]
    if placed < limit:
        return None
    return RateLimited(
        f"You have placed {placed} customer calls in the last hour, the most allowed; try "
        "again later.",
        reason=ErrorReason.CALL_CEILING,
        retry_after_seconds=max(int(wait or 1), 1),
    )


async def _settle(
    audit_sessions: async_sessionmaker[AsyncSession],
    store_id: int,
    call_id: int,
    status: CallStatus,
    provider_call_id: str | None,
) -> None:
    """What the adapter answered, committed at once: the call happened (or failed) whatever
    becomes of the request."""
    async with audit_sessions() as audit, audit.begin():
        await audit.execute(
            update(CustomerCall)
            .where(CustomerCall.store_id == store_id, CustomerCall.id == call_id)
            .values(status=status, provider_call_id=provider_call_id)
        )


async def calls_by_id(
    session: AsyncSession, actor: Actor | None, call_ids: Sequence[int]
) -> dict[int, CustomerCall]:
    """Calls among `call_ids` about complaints at stores in the caller's scope."""
    actor = require(actor, Permission.VIEW_COMPLAINTS)
    rows = await session.scalars(
        select(CustomerCall).where(
            CustomerCall.id.in_(list(call_ids)), actor.scope.where(CustomerCall.store_id)
        )
    )
    return {row.id: row for row in rows}
