"""Shared steps for transfer tests: requests in each state, stock on shelves, snapshots."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from api.domain.stock.ledger import Change, apply_movements
from db.engine import create_session_factory
from db.models import MovementKind
from tests.conftest import Api

TRANSFER_FIELDS = """transfer { id status note fromStore { code } toStore { code } hasDifferences
  lines { product { sku } quantityRequested quantityShipped quantityReceived difference } }"""
REQUEST = f"""mutation($input: RequestTransferInput!) {{
  requestTransfer(input: $input) {{ {TRANSFER_FIELDS} }} }}"""
APPROVE = f"mutation($id: ID!) {{ approveTransfer(id: $id) {{ {TRANSFER_FIELDS} }} }}"
CANCEL = f"mutation($id: ID!) {{ cancelTransfer(id: $id) {{ {TRANSFER_FIELDS} }} }}"
SHIP = f"""mutation($id: ID!, $lines: [SkuQuantityInput!]!, $key: String) {{
  shipTransfer(input: {{transferId: $id, lines: $lines, idempotencyKey: $key}}) {{
    {TRANSFER_FIELDS} }} }}"""
RECEIVE = f"""mutation($id: ID!, $lines: [SkuQuantityInput!]!, $key: String) {{
  receiveTransfer(input: {{transferId: $id, lines: $lines, idempotencyKey: $key}}) {{
    {TRANSFER_FIELDS}
    differences {{ product {{ sku }} difference }} }} }}"""


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def lines(**quantities: int) -> list[dict[str, Any]]:
    return [{"sku": sku.replace("_", "-"), "quantity": q} for sku, q in quantities.items()]


def request_input(from_store: str = "E2", to_store: str = "E1", **overrides: Any) -> dict[str, Any]:
    return {
        "fromStoreCode": from_store,
        "toStoreCode": to_store,
        "lines": lines(SKU_CORE_1=5, SKU_CORE_2=3),
        "note": "weekend rush",
        **overrides,
    }


async def stock(api: Api, store: str, sku: str, quantity: int) -> None:
    async with create_session_factory(api.engine)() as s, s.begin():
        row = (
            await s.execute(
                text(
                    "SELECT s.id, s.region_id, p.id AS product_id FROM store s, product p "
                    "WHERE s.code = :store AND p.sku = :sku"
                ),
                {"store": store, "sku": sku},
            )
        ).one()
        await apply_movements(
            s,
            store_id=row.id,
            region_id=row.region_id,
            kind=MovementKind.RECEIPT,
            changes=[Change(row.product_id, quantity)],
        )


async def level(api: Api, store: str, sku: str) -> tuple[int, int]:
    async with api.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT l.on_hand, l.in_transit FROM stock_level l "
                    "JOIN store s ON s.id = l.store_id JOIN product p ON p.id = l.product_id "
                    "WHERE s.code = :store AND p.sku = :sku"
                ),
                {"store": store, "sku": sku},
            )
        ).one_or_none()
    return (row.on_hand, row.in_transit) if row else (0, 0)


async def count(api: Api, sql: str) -> int:
    async with api.engine.connect() as conn:
        return int(await conn.scalar(text(sql)) or 0)


async def snapshot(api: Api) -> tuple[int, ...]:
    """Everything a failed transfer mutation must leave alone."""
    return (
        await count(api, "SELECT count(*) FROM transfer"),
        await count(api, "SELECT count(*) FROM transfer_line"),
        await count(api, "SELECT count(*) FROM stock_movement"),
        await count(api, "SELECT count(*) FROM event"),
        await count(api, "SELECT coalesce(sum(in_transit), 0) FROM stock_level"),
        await count(
            api,
            "SELECT count(*) FROM transfer t WHERE status <> 'REQUESTED' "
            "OR approved_at IS NOT NULL",
        ),
    )


async def requested(api: Api, **overrides: Any) -> str:
    data = await api.data(
        REQUEST, {"input": request_input(**overrides)}, token=await api.token_for("clerk.e1")
    )
    transfer_id: str = data["requestTransfer"]["transfer"]["id"]
    return transfer_id


async def approved(api: Api) -> str:
    transfer_id = await requested(api)
    await api.data(APPROVE, {"id": transfer_id}, token=await api.token_for("rm.east"))
    return transfer_id


async def shipped(api: Api) -> str:
    transfer_id = await approved(api)
    await stock(api, "E2", "SKU-CORE-1", 20)
    await stock(api, "E2", "SKU-CORE-2", 20)
    await api.data(
        SHIP,
        {"id": transfer_id, "lines": lines(SKU_CORE_1=5, SKU_CORE_2=2)},
        token=await api.token_for("clerk.e2"),
    )
    return transfer_id
