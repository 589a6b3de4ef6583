"""A store's own safety level and reorder target for a SKU (overriding the product's defaults).

Changing the level may itself put the balance below or above safety, so the LOW_STOCK alert
is reconciled at once rather than at the next movement.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_store
from api.domain.error_reasons import ErrorReason
from api.domain.errors import InvalidInput
from api.domain.stock.ledger import Balance, reconcile_low_stock_alert
from api.domain.stock.queries import StockLevelRow, get_stock_level

_SET = text(
    """
    WITH p AS (SELECT id, region_id FROM product WHERE sku = :sku)
    INSERT INTO stock_level AS l (store_id, product_id, on_hand, in_transit, safety_stock,
                                  reorder_target, updated_at)
    SELECT :store_id, p.id, 0, 0, :safety, :target, now() FROM p
     WHERE p.region_id IS NULL OR p.region_id = :region_id
    ON CONFLICT (store_id, product_id) DO UPDATE
      SET safety_stock = EXCLUDED.safety_stock, reorder_target = EXCLUDED.reorder_target,
          updated_at = now()
    RETURNING l.product_id, l.on_hand
    """
)


async def set_stock_thresholds(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str,
    sku: str,
    safety_stock: int,
    reorder_target: int,
) -> StockLevelRow:
    problems = []
    if safety_stock < 0:
        problems.append("safetyStock: must not be negative")
    if reorder_target < safety_stock:
        problems.append("reorderTarget: at least safetyStock")
    if problems:
        raise InvalidInput.listing(problems)
    store = await authorize_store(session, actor, store_code, Permission.MANAGE_STOCK)
    row = (
        await session.execute(
            _SET,
            {
                "sku": sku,
                "store_id": store.id,
                "region_id": store.region_id,
                "safety": safety_stock,
                "target": reorder_target,
            },
        )
    ).one_or_none()
    if row is None:
        level = await get_stock_level(session, actor, store_code=store_code, sku=sku)  # NotFound
        raise InvalidInput(
            f"SKU {sku} is a regional SKU not sold in {store_code}'s region.",
            reason=ErrorReason.INPUT_PROBLEMS,
            problems=[f"sku: {level.product.sku} is not sold at {store_code}"],
        )
    await reconcile_low_stock_alert(
        session,
        store_id=store.id,
        region_id=store.region_id,
        balance=Balance(
            product_id=row.product_id,
            before=row.on_hand,
            on_hand=row.on_hand,
            safety_stock=safety_stock,
        ),
    )
    return await get_stock_level(session, actor, store_code=store_code, sku=sku)
