"""Members: profiles, codes, points, preferences and phone-number protection.

What the sales flow calls when a sale carries a member code (all in the sale's transaction):

    member_id = await members.resolve_member_code(session, code, ring=ring)
    await members.redeem_points(session, member_id=..., points=..., store_id=..., sale_id=...,
                                max_discount_cents=...)          # if points are used
    await members.record_member_sale(session, member_id=..., store_id=..., sale_id=...,
                                     paid_cents=...)             # points + preferences
    await members.reverse_points_for_return(session, ...)        # on a return
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.members.points import (
    CENTS_PER_POINT_REDEEMED,
    PointsChange,
    earn_points_for_sale,
    redeem_points,
    reverse_points_for_return,
)
from api.domain.members.preferences import update_preferences_for_sale
from api.domain.members.profile import resolve_member_code

__all__ = [
    "CENTS_PER_POINT_REDEEMED",
    "PointsChange",
    "earn_points_for_sale",
    "record_member_sale",
    "redeem_points",
    "resolve_member_code",
    "reverse_points_for_return",
    "update_preferences_for_sale",
]


async def record_member_sale(
    session: AsyncSession,
    *,
    member_id: int,
    store_id: int,
    sale_id: int,
    paid_cents: int,
    promotion_types: Mapping[int, str] | None = None,
    bonus_spend_cents: int = 0,
    sold_at: datetime | None = None,
) -> PointsChange:
    """Earn points for a recorded sale (its lines already flushed) and update preferences.

    Idempotent per sale: a replay earns nothing and leaves the preferences as they are.
    """
    change = await earn_points_for_sale(
        session,
        member_id=member_id,
        store_id=store_id,
        sale_id=sale_id,
        paid_cents=paid_cents,
        bonus_spend_cents=bonus_spend_cents,
    )
    if change.entry_id is not None:
        await update_preferences_for_sale(
            session,
            member_id=member_id,
            store_id=store_id,
            sale_id=sale_id,
            promotion_types=promotion_types,
            sold_at=sold_at,
        )
    return change
