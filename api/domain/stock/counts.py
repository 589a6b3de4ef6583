"""Stock-take: a clerk counts a shelf and the count becomes the book balance.

One COUNT movement per counted SKU moves the balance by (counted - book), so the ledger keeps
what the books said and what the shelf held. The balances are locked first (in product order,
like every ledger write), so a sale between reading the book and writing the count cannot be
lost: the variance is always against the balance the count replaced. A SKU counted equal to
its book still gets a COUNT movement of zero: the ledger shows it was counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.errors import InvalidInput
from api.domain.stock.ledger import Change, apply_movements
from db.models import MovementKind

MAX_COUNT_LINES = 500


@dataclass(frozen=True)
class CountLine:
    sku: str
    counted: int


@dataclass(frozen=True)
class CountedLine:
    sku: str
    name: str
    book: int  # the balance before the count
    counted: int

    @property
    def variance(self) -> int:
        """Counted minus book: negative is stock missing from the shelf."""
        return self.counted - self.book


_PRODUCTS = text(
    """
    SELECT p.id, p.sku, p.name FROM product p
     WHERE p.sku = ANY(CAST(:skus AS text[]))
       AND (p.region_id IS NULL OR p.region_id = :region_id)
    """
)

_LOCK = text(
    """
    SELECT product_id, on_hand FROM stock_level
     WHERE store_id = :store_id AND product_id = ANY(CAST(:product_ids AS bigint[]))
     ORDER BY product_id
       FOR UPDATE
    """
)


def _check(lines: list[CountLine]) -> None:
    problems = []
    if not 1 <= len(lines) <= MAX_COUNT_LINES:
        problems.append(f"lines: 1-{MAX_COUNT_LINES} lines")
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if line.counted < 0:
            problems.append(f"lines[{i}].counted: must not be negative")
        if line.sku in seen:
            problems.append(f"lines[{i}].sku: {line.sku} is counted twice")
        seen.add(line.sku)
    if problems:
        raise InvalidInput.listing(problems)


async def record_stock_count(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str,
    lines: list[CountLine],
    note: str | None = None,
) -> list[CountedLine]:
    """Set the counted SKUs' balances at a store in scope; each line's variance, input order."""
    actor = require(actor, Permission.HANDLE_GOODS)
    _check(lines)
    store = await authorize_store(session, actor, store_code, Permission.HANDLE_GOODS)
    found = {
        r.sku: r
        for r in await session.execute(
            _PRODUCTS, {"skus": [line.sku for line in lines], "region_id": store.region_id}
        )
    }
    unknown = [
        f"lines[{i}].sku: no product {x.sku}" for i, x in enumerate(lines) if x.sku not in found
    ]
    if unknown:
        raise InvalidInput.listing(unknown)
    ids = sorted(found[line.sku].id for line in lines)
    book = {
        r.product_id: r.on_hand
        for r in await session.execute(_LOCK, {"store_id": store.id, "product_ids": ids})
    }
    counted = [
        CountedLine(line.sku, found[line.sku].name, book.get(found[line.sku].id, 0), line.counted)
        for line in lines
    ]
    await apply_movements(
        session,
        store_id=store.id,
        region_id=store.region_id,
        kind=MovementKind.COUNT,
        changes=[Change(found[c.sku].id, c.variance) for c in counted],
        reference_type="stock_count",
        reason=(note or "").strip()[:200] or None,
        staff_id=actor.staff_id,
    )
    return counted
