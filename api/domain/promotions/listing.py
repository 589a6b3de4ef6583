"""The promotions a caller may see, newest first: those reaching a store in their scope.

The board's promotion picker reads this list; each promotion is read back as `promotion(id)`
reads it (store.promotion_views), so the stores it lists are those of the caller's scope.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, require
from api.domain.pagination import Page, keyset_page
from api.domain.promotions.store import PromotionView, promotion_views
from db.models import Promotion, PromotionStore


async def promotions_page(
    session: AsyncSession,
    actor: Actor | None,
    *,
    first: int | None,
    after: str | None,
    now: datetime,
) -> Page[PromotionView]:
    """A page of the promotions reaching a store in the caller's scope, newest first."""
    actor = require(actor, Permission.VIEW_PROMOTIONS)
    visible = exists().where(
        PromotionStore.promotion_id == Promotion.id, actor.scope.where(PromotionStore.store_id)
    )
    newest_first = -Promotion.id
    ids = await keyset_page(
        session,
        select(Promotion.id).where(visible),
        kind="promotions",
        key_columns=[newest_first],
        key_of=lambda i: [-i],
        first=first,
        after=after,
    )
    views = await promotion_views(session, actor, [i for _, i in ids.items], now=now)
    return Page(
        items=[(cursor, views[i]) for cursor, i in ids.items if i in views],
        has_next_page=ids.has_next_page,
        has_previous_page=ids.has_previous_page,
    )
