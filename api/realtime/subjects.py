"""What a delivered event is about, read fresh for each delivery (one statement each)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ComplianceGrant, PrivacyAlert, Product, StockLevel, Store


@dataclass(frozen=True)
class StockSubject:
    store: Store
    product: Product
    on_hand: int
    safety_stock: int | None


async def stock_subject(session: AsyncSession, store_id: int, product_id: int) -> StockSubject:
    row = (
        await session.execute(
            select(Store, Product, StockLevel.on_hand, StockLevel.safety_stock)
            .select_from(Store)
            .join(Product, Product.id == product_id)
            .outerjoin(
                StockLevel,
                (StockLevel.store_id == Store.id) & (StockLevel.product_id == Product.id),
            )
            .where(Store.id == store_id)
        )
    ).one()
    return StockSubject(store=row[0], product=row[1], on_hand=row[2] or 0, safety_stock=row[3])


async def compliance_grant(session: AsyncSession, grant_id: int) -> ComplianceGrant:
    grant = await session.get(ComplianceGrant, grant_id, populate_existing=True)
    assert grant is not None, grant_id  # grants are never deleted
    return grant


async def privacy_alert(session: AsyncSession, alert_id: int) -> PrivacyAlert:
    alert = await session.get(PrivacyAlert, alert_id)
    assert alert is not None, alert_id  # alerts are never deleted
    return alert
