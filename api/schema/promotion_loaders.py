"""The promotions one request reads (sale lines, priced baskets, offers), batched: a DataLoader
per request, beside its context as the complaint loaders are."""

from __future__ import annotations

from datetime import UTC, datetime

from strawberry.dataloader import DataLoader

from api.context import Context
from api.domain.promotions import store
from api.domain.promotions.store import PromotionView

_ATTRIBUTE = "_promotion_loader"


def promotion_loader(context: Context) -> DataLoader[int, PromotionView | None]:
    """This request's loader of promotions the caller may see (None: not in scope)."""
    found: DataLoader[int, PromotionView | None] | None = getattr(context, _ATTRIBUTE, None)
    if found is None:

        async def load(keys: list[int]) -> list[PromotionView | None]:
            views = await store.promotion_views(
                context.session, context.actor, keys, now=datetime.now(UTC)
            )
            return [views.get(k) for k in keys]

        found = DataLoader(load)
        setattr(context, _ATTRIBUTE, found)
    return found
