"""A promotion's life after creation: HQ cancels it, or revises it as a new version.

Status: DRAFT and CANCELLED are stored; a scheduled one is SCHEDULED, ACTIVE or ENDED by the
clock (rules.status), so nothing has to flip it at midnight.

Versions: a revision never edits a promotion in place. It writes a new row (version + 1, its
`previous_id` the one it replaces) through the same checks as createPromotion, and the old one
stops: an ACTIVE one ends now (its `ends_at` set to now, so it reads ENDED and prices nothing
after now) and the new version starts now, not earlier, so a receipt from before the change
is still priced by the version that was in force then; a not yet started one is cancelled.
Sale lines keep the id of the version that priced them. ENDED or CANCELLED ones cannot be
changed (CONFLICT, WRONG_STATUS).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor, Permission, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, InvalidInput, NotFound
from api.domain.promotions.rules import MAX_REASON, NewPromotion, PromotionStatus, status
from api.domain.promotions.store import create_promotion
from db.models import Promotion, PromotionState


async def _locked(session: AsyncSession, promotion_id: int, argument: str) -> Promotion:
    promotion = await session.scalar(
        select(Promotion).where(Promotion.id == promotion_id).with_for_update()
    )
    if promotion is None:
        public = global_ids.encode("Promotion", promotion_id)
        raise NotFound(f"No promotion {public}.", argument=argument)
    return promotion


def _wrong_status(promotion: Promotion, shown: str, doing: str) -> Conflict:
    public = global_ids.encode("Promotion", promotion.id)
    return Conflict(
        f"Promotion {public} is {shown}: it cannot be {doing}.",
        reason=ErrorReason.WRONG_STATUS,
        status=shown,
    )


async def cancel_promotion(
    session: AsyncSession,
    actor: Actor | None,
    promotion_id: int,
    *,
    reason: str,
    now: datetime,
) -> int:
    """HQ withdraws a promotion that has not ended, with a reason; cancelling it again is a
    no-op. An active one stops applying at once."""
    actor = require(actor, Permission.APPROVE_PROMOTIONS)
    reason = reason.strip()
    if not 1 <= len(reason) <= MAX_REASON:
        raise InvalidInput.listing([f"reason: 1 to {MAX_REASON} characters"])
    promotion = await _locked(session, promotion_id, "promotionId")
    shown = status(promotion.state, promotion.starts_at, promotion.ends_at, now)
    if shown == PromotionStatus.CANCELLED:
        return promotion.id
    if shown == PromotionStatus.ENDED:
        raise _wrong_status(promotion, shown, "cancelled")
    promotion.state = PromotionState.CANCELLED
    promotion.cancelled_by_id = actor.staff_id
    promotion.cancelled_at = now
    promotion.cancel_reason = reason
    await session.flush()
    return promotion.id


async def revise_promotion(
    session: AsyncSession,
    actor: Actor | None,
    promotion_id: int,
    new: NewPromotion,
    *,
    now: datetime,
) -> int:
    """HQ's new version of a promotion (the old one stops, as the module says); its id."""
    actor = require(actor, Permission.APPROVE_PROMOTIONS)
    old = await _locked(session, promotion_id, "promotionId")
    shown = status(old.state, old.starts_at, old.ends_at, now)
    if shown in (PromotionStatus.ENDED, PromotionStatus.CANCELLED):
        raise _wrong_status(old, shown, "revised")
    if old.approval is not None and old.state is PromotionState.DRAFT:
        raise _wrong_status(old, "a pending request", "revised (approve or reject it)")
    active = shown == PromotionStatus.ACTIVE
    if active:
        old.ends_at = now
    else:
        old.state = PromotionState.CANCELLED
        old.cancelled_by_id = actor.staff_id
        old.cancelled_at = now
        old.cancel_reason = "revised"
    await session.flush()  # out of the overlap check before the new version is checked
    return await create_promotion(
        session, actor, new, now=now, previous=old, not_before=now if active else None
    )


async def history(session: AsyncSession, promotion_id: int) -> list[int]:
    """The ids of a promotion's earlier versions, newest first."""
    found = []
    current = await session.scalar(
        select(Promotion.previous_id).where(Promotion.id == promotion_id)
    )
    while current is not None:
        found.append(current)
        current = await session.scalar(select(Promotion.previous_id).where(Promotion.id == current))
    return found
