"""HQ's decision on a regional request: approved (scheduled, the overlap rules checked as for
HQ's own plans) or rejected with a reason (cancelled); never by the requester."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor, Permission, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.domain.promotions.rules import MAX_REASON
from api.domain.promotions.store import check_overlap
from db.models import Promotion, PromotionApproval, PromotionProduct, PromotionState, PromotionStore


async def decide(
    session: AsyncSession,
    actor: Actor | None,
    promotion_id: int,
    *,
    approve: bool,
    reason: str | None,
    now: datetime,
) -> int:
    """HQ approves (it is scheduled, overlap checked) or rejects (cancelled, with the reason)
    a regional request; never the requester. Deciding again as decided is a no-op."""
    actor = require(actor, Permission.APPROVE_PROMOTIONS)
    public = global_ids.encode("Promotion", promotion_id)
    promotion = await session.scalar(
        select(Promotion).where(Promotion.id == promotion_id).with_for_update()
    )
    if promotion is None:
        raise NotFound(f"No promotion {public}.", argument="promotionId")
    reason = (reason or "").strip() or None
    if not approve and reason is None:
        raise InvalidInput.listing(["reason: say why the request is rejected"])
    if reason is not None and len(reason) > MAX_REASON:
        raise InvalidInput.listing([f"reason: at most {MAX_REASON} characters"])
    wanted = PromotionApproval.APPROVED if approve else PromotionApproval.REJECTED
    if promotion.approval is wanted:
        return promotion.id
    if promotion.approval is not PromotionApproval.PENDING:
        shown = promotion.approval or "not a request"
        raise Conflict(
            f"Promotion {public} is {shown}: only a pending request can be decided.",
            reason=ErrorReason.WRONG_STATUS,
            status=str(shown),
        )
    if promotion.created_by_id == actor.staff_id:
        raise Forbidden(
            f"You requested promotion {public}: someone else at HQ must decide on it.",
            reason=ErrorReason.OWN_REQUEST,
        )
    if approve:
        store_ids = list(
            await session.scalars(
                select(PromotionStore.store_id).where(PromotionStore.promotion_id == promotion.id)
            )
        )
        product_ids = list(
            await session.scalars(
                select(PromotionProduct.product_id).where(
                    PromotionProduct.promotion_id == promotion.id
                )
            )
        )
        await check_overlap(
            session, promotion=promotion, store_ids=store_ids, product_ids=product_ids
        )
    promotion.approval = wanted
    promotion.state = PromotionState.SCHEDULED if approve else PromotionState.CANCELLED
    promotion.decided_by_id = actor.staff_id
    promotion.decided_at = now
    promotion.decision_reason = reason
    await session.flush()
    return promotion.id
