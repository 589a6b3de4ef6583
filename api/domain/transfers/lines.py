"""Lines of goods given by SKU (transfers, replenishment receipts, markdown targets), and the
destination's in-transit balance that shipped transfers raise and received ones lower."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.errors import InvalidInput
from db.models import Product

MAX_LINES = 200
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: int


def check_lines(
    lines: list[LineInput], *, field: str, allow_zero: bool, allow_empty: bool = False
) -> list[str]:
    """Problems with a list of SKU lines, each named by its index."""
    problems = []
    if not lines and not allow_empty:
        problems.append(f"{field}: give at least one line")
    if len(lines) > MAX_LINES:
        problems.append(f"{field}: at most {MAX_LINES} lines")
    seen: set[str] = set()
    for index, line in enumerate(lines):
        low = 0 if allow_zero else 1
        if not low <= line.quantity <= MAX_QUANTITY:
            problems.append(
                f"{field}[{index}].quantity: {line.quantity} is not {low} to {MAX_QUANTITY}"
            )
        if line.sku in seen:
            problems.append(f"{field}[{index}].sku: {line.sku} appears twice")
        seen.add(line.sku)
    return problems


async def products_by_sku(session: AsyncSession, skus: Iterable[str]) -> dict[str, Product]:
    wanted = sorted(set(skus))
    rows = await session.scalars(select(Product).where(Product.sku.in_(wanted)))
    return {p.sku: p for p in rows}


def unknown_skus(lines: list[LineInput], found: dict[str, Product], *, field: str) -> list[str]:
    return [
        f"{field}[{i}].sku: no product has SKU {line.sku!r}"
        for i, line in enumerate(lines)
        if line.sku not in found
    ]


def raise_if(problems: list[str]) -> None:
    if problems:
        raise InvalidInput.listing(problems)


_RAISE_IN_TRANSIT = text(
    """
    INSERT INTO stock_level AS l (store_id, product_id, on_hand, in_transit, updated_at)
    SELECT :store_id, d.product_id, 0, d.quantity, now()
      FROM unnest(CAST(:product_ids AS bigint[]), CAST(:quantities AS int[]))
           AS d(product_id, quantity)
     ORDER BY d.product_id
    ON CONFLICT (store_id, product_id)
      DO UPDATE SET in_transit = l.in_transit + EXCLUDED.in_transit, updated_at = now()
    """
)

# Arrivals lower rows that shipping created; the CHECK (in_transit >= 0) refuses lowering more
# than was shipped (an upsert cannot do this: the check runs on the row it would insert).
_LOWER_IN_TRANSIT = text(
    """
    UPDATE stock_level l SET in_transit = l.in_transit - d.quantity, updated_at = now()
      FROM unnest(CAST(:product_ids AS bigint[]), CAST(:quantities AS int[]))
           AS d(product_id, quantity)
     WHERE l.store_id = :store_id AND l.product_id = d.product_id
    """
)


async def adjust_in_transit(
    session: AsyncSession, *, store_id: int, changes: dict[int, int]
) -> None:
    """Raise (shipped) or lower (arrived) a store's inbound quantities, in product order like
    the ledger, so the two never wait on each other in a cycle."""
    ordered = sorted(changes.items())
    for statement, part in (
        (_RAISE_IN_TRANSIT, {pid: qty for pid, qty in ordered if qty > 0}),
        (_LOWER_IN_TRANSIT, {pid: -qty for pid, qty in ordered if qty < 0}),
    ):
        if part:
            await session.execute(
                statement,
                {
                    "store_id": store_id,
                    "product_ids": list(part),
                    "quantities": list(part.values()),
                },
            )
