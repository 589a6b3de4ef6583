"""Granting HQ_COMPLIANCE takes two people. The role reads members' full phone numbers, which
not even ADMIN may; so an ADMIN who creates such an account only requests the role. The
account holds none of its permissions (access.PENDING_GRANT_PERMISSIONS) until another
HQ_COMPLIANCE member (neither the requester nor the grantee) confirms the grant through the
API, or the server's operator does with `chainstore staff confirm-grant ID`. The request and
the confirmation are each written to the PII access log and raise a privacy alert (a
COMPLIANCE_GRANT_* event, delivered to HQ compliance).

Accounts seeded on the server (the demo seed, `chainstore staff create`) have no grant row:
whoever runs those already holds the database, so a second person adds nothing there.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.domain import events
from api.domain.access import Actor, Permission, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, Forbidden, NotFound
from api.domain.pagination import Page, keyset_page
from db.models import ComplianceGrant, PiiAccessLog, Role, Staff

GRANTED_ROLES = frozenset({Role.HQ_COMPLIANCE})  # the roles a second person must confirm
REQUESTED_FIELD = "ROLE_GRANT_REQUESTED"  # PiiAccessLog.field of the two entries
CONFIRMED_FIELD = "ROLE_GRANT_CONFIRMED"
OPERATOR_REQUEST_ID = "cli"  # the log's request id of a confirmation on the server


def needs_second_person(role: Role) -> bool:
    return role in GRANTED_ROLES


async def request_grant(
    session: AsyncSession, actor: Actor, grantee: Staff, *, request_id: str
) -> ComplianceGrant:
    """Record a pending grant for `grantee` (just given the role), logged and alerted."""
    grant = ComplianceGrant(staff_id=grantee.id, requested_by_id=actor.staff_id)
    session.add(grant)
    session.add(
        PiiAccessLog(
            staff_id=actor.staff_id,
            subject_staff_id=grantee.id,
            field=REQUESTED_FIELD,
            purpose=f"requested {grantee.role} (full phone numbers) for {grantee.username}",
            request_id=request_id[:64],
        )
    )
    await session.flush()
    await events.emit(
        session,
        events.ComplianceGrantRequested(
            grant_id=grant.id,
            staff_username=grantee.username,
            requested_by_username=actor.username,
        ),
        store_id=None,
        region_id=None,
    )
    return grant


async def confirm_grant(
    session: AsyncSession, actor: Actor | None, grant_id: int, *, request_id: str
) -> ComplianceGrant:
    """Another HQ_COMPLIANCE member confirms: never who requested the grant or receives it."""
    actor = require(actor, Permission.CONFIRM_COMPLIANCE_GRANTS)
    grant, grantee, requester = await _pending(session, grant_id)
    if actor.staff_id in (grant.requested_by_id, grant.staff_id):
        raise Forbidden(
            "A grant is confirmed by a second person: not by who requested it or receives it.",
            reason=ErrorReason.SECOND_PERSON_REQUIRED,
        )
    return await _confirm(
        session, grant, grantee, requester, confirmer=actor, request_id=request_id
    )


async def confirm_grant_on_server(session: AsyncSession, grant_id: int) -> ComplianceGrant:
    """The CLI's confirmation: the operator on the server is the second person."""
    grant, grantee, requester = await _pending(session, grant_id)
    return await _confirm(
        session, grant, grantee, requester, confirmer=None, request_id=OPERATOR_REQUEST_ID
    )


async def _pending(session: AsyncSession, grant_id: int) -> tuple[ComplianceGrant, Staff, Staff]:
    grantee, requester = aliased(Staff), aliased(Staff)
    row = (
        await session.execute(
            select(ComplianceGrant, grantee, requester)
            .join(grantee, grantee.id == ComplianceGrant.staff_id)
            .join(requester, requester.id == ComplianceGrant.requested_by_id)
            .where(ComplianceGrant.id == grant_id)
            .with_for_update(of=ComplianceGrant)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"No compliance grant has id {grant_id}.", argument="id")
    grant = row[0]
    if grant.confirmed_at is not None:
        raise Conflict(
            f"Compliance grant {grant_id} is already confirmed.",
            reason=ErrorReason.WRONG_STATUS,
            status="CONFIRMED",
        )
    return grant, row[1], row[2]


async def _confirm(
    session: AsyncSession,
    grant: ComplianceGrant,
    grantee: Staff,
    requester: Staff,
    *,
    confirmer: Actor | None,
    request_id: str,
) -> ComplianceGrant:
    grant.confirmed_by_id = confirmer.staff_id if confirmer else None
    grant.confirmed_at = func.now()
    by = confirmer.username if confirmer else "the server's operator"
    session.add(
        PiiAccessLog(
            staff_id=grant.confirmed_by_id,
            subject_staff_id=grantee.id,
            field=CONFIRMED_FIELD,
            purpose=f"confirmed {grantee.role} for {grantee.username} "
            f"(requested by {requester.username}) as {by}",
            request_id=request_id[:64],
        )
    )
    await session.flush()
    await session.refresh(grant)
    await events.emit(
        session,
        events.ComplianceGrantConfirmed(
            grant_id=grant.id,
            staff_username=grantee.username,
            requested_by_username=requester.username,
            confirmed_by_username=confirmer.username if confirmer else None,
        ),
        store_id=None,
        region_id=None,
    )
    return grant


async def pending_grant_of(session: AsyncSession, staff_id: int) -> ComplianceGrant | None:
    return await session.scalar(
        select(ComplianceGrant).where(
            ComplianceGrant.staff_id == staff_id, ComplianceGrant.confirmed_at.is_(None)
        )
    )


async def grants_by_id(
    session: AsyncSession, actor: Actor | None, grant_ids: Sequence[int]
) -> dict[int, ComplianceGrant]:
    """Grants by id, for who may confirm them."""
    require(actor, Permission.CONFIRM_COMPLIANCE_GRANTS)
    rows = await session.scalars(
        select(ComplianceGrant).where(ComplianceGrant.id.in_(list(grant_ids)))
    )
    return {row.id: row for row in rows}


async def list_grants(
    session: AsyncSession,
    actor: Actor | None,
    *,
    pending_only: bool,
    first: int | None,
    after: str | None,
) -> Page[ComplianceGrant]:
    require(actor, Permission.CONFIRM_COMPLIANCE_GRANTS)
    stmt = select(ComplianceGrant)
    if pending_only:
        stmt = stmt.where(ComplianceGrant.confirmed_at.is_(None))
    return await keyset_page(
        session,
        stmt,
        kind="complianceGrant",
        key_columns=[ComplianceGrant.id],
        key_of=lambda g: [g.id],
        first=first,
        after=after,
    )
