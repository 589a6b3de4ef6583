"""Points and tiers: an append-only ledger, with the balance kept on the member row.

Rules (also in the README, "Members"):

- Earning: per whole yuan paid, BASIC 1 point, SILVER 1.2, GOLD 1.5, PLATINUM 2 (rounded down
  per sale), at the tier the member held before the sale.
- Redeeming: 1 point = 1 fen (100 points = ¥1 off), at most the sale's amount. The balance is
  taken by one guarded UPDATE, so concurrent redemptions never drive it below zero.
- Expiry: points expire 12 months after they were credited. Redemptions, reversals and
  expiries use up the oldest points first; due points are expired before every redemption,
  on every earning and whenever a member card is opened (`expire_due_points`).
- Returns: points earned on a sale are taken back in proportion to the refund, but never more
  than the balance (the balance never goes negative; the shortfall is forgiven).
- Tiers from the spend of the last 12 months (net of refunds): SILVER from ¥1,000, GOLD from
  ¥5,000, PLATINUM from ¥20,000. An upgrade happens as soon as the spend reaches a threshold.
  A tier is kept for at least 12 months from when it was reached; after that, an evaluation
  that finds the spend below the tier's threshold moves the member down one tier (and the
  12 months start again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, InvalidInput, NotFound
from db.models import Member, MemberTier, PointsEntry, PointsEntryKind

POINTS_VALIDITY = timedelta(days=365)
SPEND_WINDOW = timedelta(days=365)
TIER_MINIMUM_HOLD = timedelta(days=365)
CENTS_PER_POINT_REDEEMED = 1
# Points per yuan, in tenths: 10 = 1 point per ¥1.
EARN_TENTHS_PER_YUAN: dict[MemberTier, int] = {
    MemberTier.BASIC: 10,
    MemberTier.SILVER: 12,
    MemberTier.GOLD: 15,
    MemberTier.PLATINUM: 20,
}
TIER_THRESHOLD_CENTS: dict[MemberTier, int] = {
    MemberTier.BASIC: 0,
    MemberTier.SILVER: 100_000,
    MemberTier.GOLD: 500_000,
    MemberTier.PLATINUM: 2_000_000,
}
TIER_ORDER = [MemberTier.BASIC, MemberTier.SILVER, MemberTier.GOLD, MemberTier.PLATINUM]
CREDIT_KINDS = (PointsEntryKind.EARN, PointsEntryKind.BONUS)


def points_for(paid_cents: int, tier: MemberTier) -> int:
    return paid_cents * EARN_TENTHS_PER_YUAN[tier] // 1000


def tier_for_spend(spend_cents: int) -> MemberTier:
    reached = [t for t in TIER_ORDER if spend_cents >= TIER_THRESHOLD_CENTS[t]]
    return reached[-1]


@dataclass(frozen=True)
class PointsChange:
    points: int  # signed: what this call credited (> 0) or debited (< 0)
    balance: int
    tier: MemberTier
    entry_id: int | None  # None when nothing was written (a replay, or nothing to do)


async def _locked_member(session: AsyncSession, member_id: int) -> Member:
    member = await session.scalar(
        select(Member)
        .where(Member.id == member_id)
        # FOR NO KEY UPDATE: serialises balance changes without blocking the foreign-key
        # checks of rows that refer to the member (look-ups and PII log rows written by
        # their own transactions during the same request).
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if member is None:
        raise NotFound(f"No member has id {member_id}.", argument="memberCode")
    return member


async def _append(
    session: AsyncSession,
    member: Member,
    kind: PointsEntryKind,
    points: int,
    **refs: object,
) -> int:
    """Apply `points` to the (locked) member's balance with a guarded UPDATE and ledger it."""
    balance = await session.scalar(
        text(
            "UPDATE member SET points_balance = points_balance + :p"
            " WHERE id = :m AND points_balance + :p >= 0 RETURNING points_balance"
        ),
        {"p": points, "m": member.id},
    )
    if balance is None:
        raise Conflict(
            "Not enough points: the member's balance is lower than asked.",
            reason=ErrorReason.INSUFFICIENT_POINTS,
            balance=member.points_balance,
        )
    set_committed_value(member, "points_balance", int(balance))
    entry_id = await session.scalar(
        insert(PointsEntry)
        .values(member_id=member.id, kind=kind, points=points, balance_after=balance, **refs)
        .returning(PointsEntry.id)
    )
    assert entry_id is not None
    return int(entry_id)


async def expire_due_points(session: AsyncSession, member_id: int) -> int:
    """Write one EXPIRE entry for points past their expiry; returns the points expired."""
    member = await _locked_member(session, member_id)
    return await _expire(session, member)


async def _expire(session: AsyncSession, member: Member) -> int:
    now = await session.scalar(select(func.now()))
    sums = (
        await session.execute(
            select(
                func.coalesce(
                    func.sum(PointsEntry.points).filter(
                        PointsEntry.kind.in_(CREDIT_KINDS), PointsEntry.expires_at <= now
                    ),
                    0,
                ),
                func.coalesce(func.sum(PointsEntry.points).filter(PointsEntry.points < 0), 0),
            ).where(PointsEntry.member_id == member.id)
        )
    ).one()
    expired_credits, debits = int(sums[0]), -int(sums[1])
    due = min(max(expired_credits - debits, 0), member.points_balance)
    if due == 0:
        return 0
    await _append(session, member, PointsEntryKind.EXPIRE, -due)
    return due


async def rolling_spend_cents(session: AsyncSession, member_id: int) -> int:
    spend = await session.scalar(
        select(func.coalesce(func.sum(PointsEntry.spend_cents), 0)).where(
            PointsEntry.member_id == member_id,
            PointsEntry.occurred_at > func.now() - SPEND_WINDOW,
        )
    )
    return int(spend or 0)


async def _evaluate_tier(session: AsyncSession, member: Member) -> MemberTier:
    spend = await rolling_spend_cents(session, member.id)
    now = await session.scalar(select(func.now()))
    assert now is not None
    target = tier_for_spend(spend)
    current = TIER_ORDER.index(member.tier)
    if TIER_ORDER.index(target) > current:
        member.tier, member.tier_since = target, now
    elif TIER_ORDER.index(target) < current and member.tier_since <= now - TIER_MINIMUM_HOLD:
        member.tier, member.tier_since = TIER_ORDER[current - 1], now
    await session.flush()
    return member.tier


async def refresh_member(session: AsyncSession, member_id: int) -> Member:
    """Expire due points and re-evaluate the tier (run when a card is opened)."""
    member = await _locked_member(session, member_id)
    await _expire(session, member)
    await _evaluate_tier(session, member)
    return member


async def earn_points_for_sale(
    session: AsyncSession,
    *,
    member_id: int,
    store_id: int,
    sale_id: int,
    paid_cents: int,
    bonus_spend_cents: int = 0,
) -> PointsChange:
    """Credit points for a sale (idempotent per sale) and count its spend toward the tier.
    `bonus_spend_cents` (a points multiplier's extra, api/domain/promotions/redemption.py)
    earns points as if spent, but counts nothing toward the tier."""
    if paid_cents < 0:
        raise InvalidInput("paid_cents must not be negative.")
    member = await _locked_member(session, member_id)
    await _expire(session, member)
    already = await session.scalar(
        select(PointsEntry.id).where(
            PointsEntry.kind == PointsEntryKind.EARN,
            PointsEntry.sale_store_id == store_id,
            PointsEntry.sale_id == sale_id,
        )
    )
    if already is not None:
        return PointsChange(0, member.points_balance, member.tier, None)
    earned = points_for(paid_cents + max(bonus_spend_cents, 0), member.tier)
    now = await session.scalar(select(func.now()))
    assert now is not None
    entry_id = await _append(
        session,
        member,
        PointsEntryKind.EARN,
        earned,
        spend_cents=paid_cents,
        store_id=store_id,
        sale_store_id=store_id,
        sale_id=sale_id,
        expires_at=now + POINTS_VALIDITY,
    )
    tier = await _evaluate_tier(session, member)
    return PointsChange(earned, member.points_balance, tier, entry_id)


async def redeem_points(
    session: AsyncSession,
    *,
    member_id: int,
    points: int,
    store_id: int,
    sale_id: int,
    max_discount_cents: int | None = None,
) -> PointsChange:
    """Take `points` off the balance for money off a sale: `points * CENTS_PER_POINT_REDEEMED`.

    Atomic: the balance is checked and reduced in one guarded UPDATE under the member's row
    lock, so concurrent redemptions cannot overdraw it; CONFLICT when it is too low.
    """
    if points <= 0:
        raise InvalidInput("pointsRedeemed: must be positive.", field="pointsRedeemed")
    if max_discount_cents is not None and points * CENTS_PER_POINT_REDEEMED > max_discount_cents:
        raise InvalidInput(
            "pointsRedeemed: worth more than the sale's amount.", field="pointsRedeemed"
        )
    member = await _locked_member(session, member_id)
    await _expire(session, member)
    entry_id = await _append(
        session,
        member,
        PointsEntryKind.REDEEM,
        -points,
        store_id=store_id,
        sale_store_id=store_id,
        sale_id=sale_id,
    )
    return PointsChange(-points, member.points_balance, member.tier, entry_id)


async def reverse_points_for_return(
    session: AsyncSession,
    *,
    member_id: int,
    sale_store_id: int,
    sale_id: int,
    return_store_id: int,
    return_id: int,
    refund_cents: int,
) -> PointsChange:
    """Take back points earned on a sale, in proportion to the refund (idempotent per return).

    The refund also leaves the rolling spend. Never below a zero balance: points the member
    already spent are not clawed back.
    """
    if refund_cents < 0:
        raise InvalidInput("refund_cents must not be negative.")
    member = await _locked_member(session, member_id)
    earned = (
        await session.execute(
            select(PointsEntry.points, PointsEntry.spend_cents).where(
                PointsEntry.member_id == member_id,
                PointsEntry.kind == PointsEntryKind.EARN,
                PointsEntry.sale_store_id == sale_store_id,
                PointsEntry.sale_id == sale_id,
            )
        )
    ).one_or_none()
    if earned is None or earned.spend_cents <= 0:
        return PointsChange(0, member.points_balance, member.tier, None)
    replayed = await session.scalar(
        select(PointsEntry.id).where(
            PointsEntry.kind == PointsEntryKind.REVERSE_EARN,
            PointsEntry.return_store_id == return_store_id,
            PointsEntry.return_id == return_id,
        )
    )
    if replayed is not None:
        return PointsChange(0, member.points_balance, member.tier, None)
    reversed_before = await session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.kind == PointsEntryKind.REVERSE_EARN,
            PointsEntry.sale_store_id == sale_store_id,
            PointsEntry.sale_id == sale_id,
        )
    )
    refund = min(refund_cents, earned.spend_cents)
    share = earned.points * refund // earned.spend_cents
    take = min(share, earned.points + int(reversed_before or 0), member.points_balance)
    entry_id = await _append(
        session,
        member,
        PointsEntryKind.REVERSE_EARN,
        -take,
        spend_cents=-refund,
        store_id=return_store_id,
        sale_store_id=sale_store_id,
        sale_id=sale_id,
        return_store_id=return_store_id,
        return_id=return_id,
    )
    tier = await _evaluate_tier(session, member)
    return PointsChange(-take, member.points_balance, tier, entry_id)


async def grant_bonus(
    session: AsyncSession,
    *,
    member_id: int,
    points: int,
    store_id: int | None = None,
    credited_at: datetime | None = None,
) -> PointsChange:
    """Credit points outside a sale (welcome bonus, goodwill); they expire like earned ones."""
    if points <= 0:
        raise InvalidInput("points: must be positive.")
    member = await _locked_member(session, member_id)
    now = credited_at or await session.scalar(select(func.now()))
    assert now is not None
    entry_id = await _append(
        session,
        member,
        PointsEntryKind.BONUS,
        points,
        store_id=store_id,
        expires_at=now + POINTS_VALIDITY,
    )
    return PointsChange(points, member.points_balance, member.tier, entry_id)


async def expire_all_due_points(session: AsyncSession, *, limit: int = 500) -> int:
    """For the scheduled sweep: expire due points of up to `limit` members (those who never
    come back too); returns how many members had points expired.

    Due is what `_expire` computes: expired credits minus all debits (oldest points are spent
    first), so only members with something actually due are picked, in id order.
    """
    expired_credits = func.coalesce(
        func.sum(PointsEntry.points).filter(
            PointsEntry.kind.in_(CREDIT_KINDS), PointsEntry.expires_at <= func.now()
        ),
        0,
    )
    debits = func.coalesce(func.sum(PointsEntry.points).filter(PointsEntry.points < 0), 0)
    due = (
        select(PointsEntry.member_id)
        .group_by(PointsEntry.member_id)
        .having(expired_credits + debits > 0)
    )
    candidates = await session.scalars(
        select(Member.id)
        .where(Member.points_balance > 0, Member.id.in_(due))
        .order_by(Member.id)
        .limit(limit)
    )
    done = 0
    for member_id in list(candidates):
        if await expire_due_points(session, member_id):
            done += 1
    return done
