"""Shared steps for sales and stock tests: putting stock on shelves and reading it back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select, text

from api.domain.stock.ledger import Change, apply_movements
from db.engine import create_session_factory
from db.models import MovementKind, Product, Store
from tests.conftest import Api

RECORD_SALE = """mutation($input: RecordSaleInput!) {
  recordSale(input: $input) {
    sale { id receiptNo soldAt subtotalCents discountCents totalCents pointsRedeemed
           lines { lineNo sku quantity unitPriceCents discountCents lineTotalCents returnedQuantity } }
    replayed
    stock { sku onHand discrepancy }
  }
}"""

# A day ago, in Shanghai time: inside the return window, never in the future.
SOLD_AT = (
    (datetime.now(UTC) - timedelta(days=1))
    .astimezone(timezone(timedelta(hours=8)))
    .replace(microsecond=0)
    .isoformat()
)


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def sale_input(
    receipt: str = "R-1",
    store: str = "E1",
    lines: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "storeCode": store,
        "receiptNo": receipt,
        "soldAt": SOLD_AT,
        "lines": lines
        if lines is not None
        else [{"sku": "SKU-CORE-1", "quantity": 2, "unitPriceCents": 200, "discountCents": 50}],
        **extra,
    }


async def receive(api: Api, store: str, sku: str, quantity: int) -> None:
    """Put stock on a store's shelf through the ledger (a RECEIPT movement)."""
    async with create_session_factory(api.engine)() as s, s.begin():
        row = (await s.execute(select(Store.id, Store.region_id).where(Store.code == store))).one()
        product_id = await s.scalar(select(Product.id).where(Product.sku == sku))
        assert product_id is not None
        await apply_movements(
            s,
            store_id=row.id,
            region_id=row.region_id,
            kind=MovementKind.RECEIPT,
            changes=[Change(product_id, quantity)],
        )


async def on_hand(api: Api, store: str, sku: str) -> int:
    async with api.engine.connect() as conn:
        value = await conn.scalar(
            text(
                "SELECT coalesce((SELECT l.on_hand FROM stock_level l"
                " JOIN store s ON s.id = l.store_id JOIN product p ON p.id = l.product_id"
                " WHERE s.code = :store AND p.sku = :sku), 0)"
            ),
            {"store": store, "sku": sku},
        )
    return int(value or 0)


async def count(api: Api, table: str) -> int:
    async with api.engine.connect() as conn:
        return int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


async def written(api: Api) -> tuple[int, int, int, int]:
    """Row counts of everything a sale writes."""
    return (
        await count(api, "sale"),
        await count(api, "sale_line"),
        await count(api, "stock_movement"),
        await count(api, "stock_level"),
    )
