"""No bulk export: per-role ceilings on distinct members looked up per hour, and privacy alerts.

Every member card opened by a staff member is recorded in `member_view` in its own committed
transaction (so a request that fails afterwards still counts, and every worker process sees
the same count). Look-ups by one staff member serialise on a transaction-level advisory lock,
so concurrent requests on several workers cannot both take the last place under the ceiling.

A phone number looked up that matched nobody is recorded too (`missed_phone_digest`, a keyed
digest, never the number) and counts like one more member: otherwise a clerk could try numbers
without limit and learn which are enrolled. A miss goes through the same statements as a hit.

- Ceiling: a staff member may open at most `ceiling` distinct members (and unknown phone
  numbers) in any rolling hour (defaults in DEFAULT_CEILINGS, overridable per role). Opening a
  member, or trying a number, already counted within the hour is free. Beyond the ceiling:
  RATE_LIMITED, and a LOOKUP_CEILING_REACHED alert.
- Alert: viewing more than `alert_threshold` distinct members (unknown numbers included)
  within `alert_window` raises a VIEW_THRESHOLD_EXCEEDED alert for HQ compliance. At most one
  alert of a kind per staff member per window; each is also emitted as a PRIVACY_ALERT_RAISED
  event for live delivery.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import BigInteger, LargeBinary, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.domain import events
from api.domain.access import Actor, Permission, Role, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import RateLimited
from api.domain.members.paging import newest_first_page
from api.domain.pagination import Page
from api.domain.staff import staff_id_by_username
from db.models import MemberView, PrivacyAlert, PrivacyAlertKind, Store

CEILING_WINDOW = timedelta(hours=1)
DEFAULT_CEILINGS: Mapping[Role, int] = {
    Role.CLERK: 60,
    Role.STORE_MANAGER: 100,
    Role.COMPLAINT_HANDLER: 100,
    Role.REGION_MANAGER: 200,
    Role.HQ_OPERATIONS: 200,
    Role.HQ_COMPLIANCE: 300,
    Role.ADMIN: 100,
    Role.INTEGRATOR: 0,
}
_LOCK_NAMESPACE = 40_004  # pg_advisory_xact_lock(namespace, staff id)


@dataclass(frozen=True)
class LookupPolicy:
    ceilings: Mapping[Role, int] = field(default_factory=lambda: dict(DEFAULT_CEILINGS))
    alert_threshold: int = 30
    alert_window: timedelta = timedelta(hours=1)

    def ceiling(self, role: Role) -> int:
        return self.ceilings.get(role, DEFAULT_CEILINGS[role])


def policy_from(
    overrides: Mapping[str, int], *, alert_threshold: int, alert_window_minutes: int
) -> LookupPolicy:
    ceilings = dict(DEFAULT_CEILINGS)
    ceilings.update({Role(role): int(limit) for role, limit in overrides.items()})
    return LookupPolicy(
        ceilings=ceilings,
        alert_threshold=alert_threshold,
        alert_window=timedelta(minutes=alert_window_minutes),
    )


async def record_lookup(
    audit_sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    member_id: int,
    policy: LookupPolicy,
) -> None:
    """Count this look-up in its own committed transaction; RATE_LIMITED beyond the ceiling."""
    view = MemberView(staff_id=actor.staff_id, member_id=member_id)
    await _count(audit_sessions, actor, view, policy)


async def record_lookups(
    audit_sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    member_ids: Sequence[int],
    policy: LookupPolicy,
) -> dict[int, RateLimited]:
    """Count several look-ups at once (a page of complaints showing their members), in one
    committed transaction of a fixed number of statements however many members: the same
    rule as `record_lookup` for each. Returns the refusal of each member beyond the ceiling
    (those first opened in the batch are counted in the order given, up to the ceiling)."""
    wanted = list(dict.fromkeys(member_ids))
    if not wanted:
        return {}
    async with audit_sessions() as session, session.begin():
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :staff)"),
            {"ns": _LOCK_NAMESPACE, "staff": actor.staff_id},
        )
        dedupe = min(CEILING_WINDOW, policy.alert_window)
        seen = set(
            await session.scalars(
                select(MemberView.member_id).where(
                    MemberView.staff_id == actor.staff_id,
                    MemberView.member_id.in_(wanted),
                    MemberView.viewed_at > func.now() - dedupe,
                )
            )
        )
        new = [member_id for member_id in wanted if member_id not in seen]
        if not new:
            return {}
        in_hour = await _distinct_since(session, actor.staff_id, CEILING_WINDOW)
        room = max(policy.ceiling(actor.role) - in_hour, 0)
        counted, refused = new[:room], new[room:]
        if counted:
            session.add_all(MemberView(staff_id=actor.staff_id, member_id=m) for m in counted)
            await session.flush()
        refusals: dict[int, RateLimited] = {}
        if refused:
            reached = in_hour + len(counted)
            await _raise_alert(
                session, actor, PrivacyAlertKind.LOOKUP_CEILING_REACHED, reached, CEILING_WINDOW
            )
            refusal = await _ceiling_reached(session, actor, reached)
            refusals = dict.fromkeys(refused, refusal)
        if counted:
            await session.execute(
                text(
                    "DELETE FROM member_view WHERE staff_id = :staff AND viewed_at < now() - :keep"
                ),
                {"staff": actor.staff_id, "keep": max(CEILING_WINDOW, policy.alert_window) * 2},
            )
            in_alert_window = await _distinct_since(session, actor.staff_id, policy.alert_window)
            if in_alert_window > policy.alert_threshold:
                await _raise_alert(
                    session,
                    actor,
                    PrivacyAlertKind.VIEW_THRESHOLD_EXCEEDED,
                    in_alert_window,
                    policy.alert_window,
                )
    return refusals


async def record_phone_miss(
    audit_sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    missed_phone_digest: bytes,
    policy: LookupPolicy,
) -> None:
    """Count a phone look-up that matched nobody exactly like a member opened: RATE_LIMITED
    beyond the ceiling, and the same alerts."""
    view = MemberView(staff_id=actor.staff_id, missed_phone_digest=missed_phone_digest)
    await _count(audit_sessions, actor, view, policy)


async def _count(
    audit_sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    view: MemberView,
    policy: LookupPolicy,
) -> None:
    refusal: RateLimited | None = None
    async with audit_sessions() as session, session.begin():
        refusal = await _record(session, actor, view, policy)
    if refusal is not None:
        raise refusal


async def _record(
    session: AsyncSession, actor: Actor, view: MemberView, policy: LookupPolicy
) -> RateLimited | None:
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, :staff)"),
        {"ns": _LOCK_NAMESPACE, "staff": actor.staff_id},
    )
    dedupe = min(CEILING_WINDOW, policy.alert_window)
    # One statement for a member and for a miss (the other parameter is NULL, equal to nothing).
    seen = await session.scalar(
        select(func.count())
        .select_from(MemberView)
        .where(
            MemberView.staff_id == actor.staff_id,
            or_(
                MemberView.member_id == literal(view.member_id, BigInteger),
                MemberView.missed_phone_digest == literal(view.missed_phone_digest, LargeBinary),
            ),
            MemberView.viewed_at > func.now() - dedupe,
        )
    )
    if seen:
        return None
    in_hour = await _distinct_since(session, actor.staff_id, CEILING_WINDOW)
    ceiling = policy.ceiling(actor.role)
    if in_hour >= ceiling:
        await _raise_alert(
            session, actor, PrivacyAlertKind.LOOKUP_CEILING_REACHED, in_hour, CEILING_WINDOW
        )
        return await _ceiling_reached(session, actor, in_hour)
    session.add(view)
    await session.flush()
    # Old rows are no longer needed for any window.
    await session.execute(
        text("DELETE FROM member_view WHERE staff_id = :staff AND viewed_at < now() - :keep"),
        {"staff": actor.staff_id, "keep": max(CEILING_WINDOW, policy.alert_window) * 2},
    )
    in_alert_window = await _distinct_since(session, actor.staff_id, policy.alert_window)
    if in_alert_window > policy.alert_threshold:
        await _raise_alert(
            session,
            actor,
            PrivacyAlertKind.VIEW_THRESHOLD_EXCEEDED,
            in_alert_window,
            policy.alert_window,
        )
    return None


async def _ceiling_reached(session: AsyncSession, actor: Actor, in_hour: int) -> RateLimited:
    """The refusal at the ceiling, retrying when the oldest look-up in the hour leaves it."""
    oldest = await session.scalar(
        select(
            func.ceil(
                func.extract("epoch", func.min(MemberView.viewed_at) + CEILING_WINDOW)
                - func.extract("epoch", func.now())
            )
        ).where(
            MemberView.staff_id == actor.staff_id,
            MemberView.viewed_at > func.now() - CEILING_WINDOW,
        )
    )
    return RateLimited(
        f"You have looked up {in_hour} different members (or unknown phone numbers) in "
        "the last hour, the most your role may; try again later. HQ compliance has been "
        "alerted.",
        reason=ErrorReason.MEMBER_LOOKUP_CEILING,
        retry_after_seconds=max(int(oldest or 1), 1),
    )


async def _distinct_since(session: AsyncSession, staff_id: int, window: timedelta) -> int:
    """Distinct members opened plus distinct unknown phone numbers tried (count skips NULLs)."""
    count = await session.scalar(
        select(
            func.count(func.distinct(MemberView.member_id))
            + func.count(func.distinct(MemberView.missed_phone_digest))
        ).where(MemberView.staff_id == staff_id, MemberView.viewed_at > func.now() - window)
    )
    return int(count or 0)


async def _raise_alert(
    session: AsyncSession,
    actor: Actor,
    kind: PrivacyAlertKind,
    distinct_members: int,
    window: timedelta,
) -> None:
    recent = await session.scalar(
        select(PrivacyAlert.id).where(
            PrivacyAlert.staff_id == actor.staff_id,
            PrivacyAlert.kind == kind,
            PrivacyAlert.raised_at > func.now() - window,
        )
    )
    if recent is not None:
        return
    minutes = int(window.total_seconds() // 60)
    alert = PrivacyAlert(
        kind=kind,
        staff_id=actor.staff_id,
        distinct_members=distinct_members,
        window_minutes=minutes,
    )
    session.add(alert)
    await session.flush()
    region_id = actor.region_id
    if actor.store_id is not None:
        region_id = await session.scalar(select(Store.region_id).where(Store.id == actor.store_id))
    await events.emit(
        session,
        events.PrivacyAlertRaised(
            alert_id=alert.id,
            alert_kind=kind,
            staff_username=actor.username,
            distinct_members=distinct_members,
            window_minutes=minutes,
        ),
        store_id=actor.store_id,
        region_id=region_id,
    )


async def privacy_alerts_by_id(
    session: AsyncSession, actor: Actor | None, alert_ids: Sequence[int]
) -> dict[int, PrivacyAlert]:
    """Privacy alerts by id, for who may read them."""
    require(actor, Permission.VIEW_PRIVACY_ALERTS)
    rows = await session.scalars(select(PrivacyAlert).where(PrivacyAlert.id.in_(list(alert_ids))))
    return {row.id: row for row in rows}


async def list_privacy_alerts(
    session: AsyncSession,
    actor: Actor | None,
    *,
    staff_username: str | None,
    first: int | None,
    after: str | None,
) -> Page[PrivacyAlert]:
    require(actor, Permission.VIEW_PRIVACY_ALERTS)
    stmt = select(PrivacyAlert)
    if staff_username is not None:
        staff_id = await staff_id_by_username(session, staff_username, argument="staffUsername")
        stmt = stmt.where(PrivacyAlert.staff_id == staff_id)
    return await newest_first_page(
        session,
        stmt,
        kind="privacyAlert",
        key_columns=[PrivacyAlert.id],
        key_of=lambda a: [a.id],
        first=first,
        after=after,
    )
