"""Preferences derived from purchases, kept up to date as each sale arrives.

For every sale of a member the counters of its categories, products (SKUs) and promotion types
move up (`update_preferences_for_sale`); the card shows the top categories and products by
spend and, per promotion type, the share of the member's purchases that used one ("responds
to buy-one-get-one"). Returns do not subtract: a returned item still says what interests the
member. Explicit tags are kept on the member (`profile.set_tags`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import MemberPreference, PreferenceKind, Product, Sale, SaleLine

TOP = 3


@dataclass
class _Tally:
    quantity: int = 0
    spend_cents: int = 0


async def update_preferences_for_sale(
    session: AsyncSession,
    *,
    member_id: int,
    store_id: int,
    sale_id: int,
    promotion_types: Mapping[int, str] | None = None,
    sold_at: datetime | None = None,  # the sale's month: reads one partition (alembic 0019)
) -> None:
    """Add one sale's lines to the member's preference counters (call once per sale).

    `promotion_types` maps a line's promotion id to its type (e.g. BUY_ONE_GET_ONE); lines
    whose promotion has no known type count toward no promotion type.
    """
    rows = (
        await session.execute(
            select(
                Product.category,
                Product.sku,
                SaleLine.quantity,
                SaleLine.line_total_cents,
                SaleLine.promotion_id,
                Sale.sold_at,
            )
            .join(Product, Product.id == SaleLine.product_id)
            .join(
                Sale,
                (Sale.store_id == SaleLine.store_id)
                & (Sale.id == SaleLine.sale_id)
                & (Sale.sold_at == SaleLine.sold_at),
            )
            .where(
                SaleLine.store_id == store_id,
                SaleLine.sale_id == sale_id,
                *([SaleLine.sold_at == sold_at] if sold_at is not None else []),
            )
        )
    ).all()
    if not rows:
        return
    tallies: dict[tuple[PreferenceKind, str], _Tally] = defaultdict(_Tally)
    for row in rows:
        keys = [(PreferenceKind.CATEGORY, row.category), (PreferenceKind.PRODUCT, row.sku)]
        promotion = (promotion_types or {}).get(row.promotion_id or -1)
        if promotion:
            keys.append((PreferenceKind.PROMOTION_TYPE, promotion[:64]))
        for key in keys:
            tallies[key].quantity += row.quantity
            tallies[key].spend_cents += row.line_total_cents
    last_at: datetime = rows[0].sold_at
    values = [
        {
            "member_id": member_id,
            "kind": kind,
            "key": key,
            "purchases": 1,
            "quantity": tally.quantity,
            "spend_cents": tally.spend_cents,
            "last_purchased_at": last_at,
        }
        for (kind, key), tally in sorted(tallies.items())
    ]
    stmt = insert(MemberPreference).values(values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["member_id", "kind", "key"],
            set_={
                "purchases": MemberPreference.purchases + 1,
                "quantity": MemberPreference.quantity + stmt.excluded.quantity,
                "spend_cents": MemberPreference.spend_cents + stmt.excluded.spend_cents,
                "last_purchased_at": func.greatest(
                    MemberPreference.last_purchased_at, stmt.excluded.last_purchased_at
                ),
            },
        )
    )


@dataclass(frozen=True)
class Preference:
    key: str
    purchases: int
    quantity: int
    spend_cents: int
    share: float  # of the member's purchases (sales) that included it


@dataclass(frozen=True)
class Preferences:
    categories: list[Preference]
    products: list[Preference]
    promotion_types: list[Preference]


async def member_preferences(session: AsyncSession, member_id: int, top: int = TOP) -> Preferences:
    total_sales = await session.scalar(
        select(func.count()).select_from(Sale).where(Sale.member_id == member_id)
    )
    rows = (
        await session.execute(
            select(MemberPreference)
            .where(MemberPreference.member_id == member_id)
            .order_by(
                MemberPreference.kind,
                MemberPreference.spend_cents.desc(),
                MemberPreference.purchases.desc(),
                MemberPreference.key,
            )
        )
    ).scalars()
    by_kind: dict[PreferenceKind, list[Preference]] = defaultdict(list)
    denominator = max(int(total_sales or 0), 1)
    for row in rows:
        if len(by_kind[row.kind]) < top:
            by_kind[row.kind].append(
                Preference(
                    key=row.key,
                    purchases=row.purchases,
                    quantity=row.quantity,
                    spend_cents=row.spend_cents,
                    share=min(round(row.purchases / denominator, 3), 1.0),
                )
            )
    return Preferences(
        categories=by_kind[PreferenceKind.CATEGORY],
        products=by_kind[PreferenceKind.PRODUCT],
        promotion_types=by_kind[PreferenceKind.PROMOTION_TYPE],
    )
