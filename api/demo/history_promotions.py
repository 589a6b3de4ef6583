"""The demo history's promotions: HQ's campaigns over the history, created through the same
rules as createPromotion (dated before each starts), and read back with every other scheduled
percent-off promotion whose window meets the history (the demo's own EAST drink included).

At the till a promoted SKU sells PROMOTION_UPLIFT times as often while the window runs (the
forecaster estimates that uplift from this history) and its line carries the promotion and its
discount, when the clerk applies it: each store applies it with its own diligence (most nearly
always, a few far less), so redemption rates differ by store as they do in a real chain. Each
store's counts go into `promotion_store_stats` as the till's one upsert would have kept them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.complaints.common import staff_as_actor
from api.domain.promotions.rules import NewPromotion, Window
from api.domain.promotions.store import create_promotion
from db.models import PromotionMechanism, PromotionState, Staff, StoreType

PROMOTION_UPLIFT = 1.3


@dataclass(frozen=True)
class _Campaign:
    name: str
    categories: tuple[str, ...]
    percent_off: int
    share: tuple[float, float]  # of the history's days: when it starts and ends
    weekdays: tuple[int, ...] | None = None
    store_types: tuple[StoreType, ...] = ()
    region_codes: tuple[str, ...] = ()


CAMPAIGNS = (
    _Campaign("周末饮料 9 折", ("BEVERAGES",), 10, (0.1, 0.4), weekdays=(6, 7)),
    _Campaign("开学季文具零食 85 折", ("STATIONERY", "SNACKS"), 15, (0.45, 0.75),
              store_types=(StoreType.SCHOOL,)),
    _Campaign("北方速冻暖冬 8 折", ("FROZEN",), 20, (0.5, 0.85), region_codes=("NORTH",)),
)  # fmt: skip


@dataclass(frozen=True)
class HistoryPromotion:
    id: int
    percent_off: int
    start_date: date  # store-local, inclusive
    end_date: date
    weekdays: frozenset[int] | None  # ISO, 1 = Monday
    store_ids: frozenset[int]
    product_ids: frozenset[int]

    def runs_on(self, store_id: int, day: date) -> bool:
        return (
            store_id in self.store_ids
            and self.start_date <= day <= self.end_date
            and (self.weekdays is None or day.isoweekday() in self.weekdays)
        )


async def create_campaigns(session: AsyncSession, first_day: date, days: int) -> int:
    """HQ's campaigns of the history (a window too short for one is left out)."""
    hq = await session.scalar(select(Staff).where(Staff.username == "hq.ops"))
    if hq is None:  # not the demo chain
        return 0
    created = 0
    for campaign in CAMPAIGNS:
        start = first_day + timedelta(days=round(campaign.share[0] * days))
        end = first_day + timedelta(days=round(campaign.share[1] * days))
        if end <= start:
            continue
        await create_promotion(
            session,
            staff_as_actor(hq),
            NewPromotion(
                name=campaign.name,
                mechanism=PromotionMechanism.PERCENT_OFF,
                window=Window(start_date=start, end_date=end, weekdays=campaign.weekdays),
                categories=campaign.categories,
                store_types=campaign.store_types,
                region_codes=campaign.region_codes,
                percent_off=campaign.percent_off,
            ),
            now=datetime.combine(start - timedelta(days=3), time(9), tzinfo=UTC),
        )
        created += 1
    return created


_RUNNING = text(
    """
    SELECT p.id, p.percent_off, p.start_date, p.end_date, p.weekdays,
           (SELECT array_agg(store_id) FROM promotion_store s WHERE s.promotion_id = p.id)
             AS store_ids,
           (SELECT array_agg(product_id) FROM promotion_product x WHERE x.promotion_id = p.id)
             AS product_ids
      FROM promotion p
     WHERE p.state = :scheduled AND p.mechanism = :percent_off AND p.daily_start IS NULL
       AND p.start_date <= :last AND p.end_date >= :first AND NOT p.members_only
     ORDER BY p.id
    """
)


async def running_promotions(
    session: AsyncSession, first_day: date, last_day: date
) -> list[HistoryPromotion]:
    """Every scheduled all-day percent-off promotion for anyone whose window meets the days."""
    rows = await session.execute(
        _RUNNING,
        {
            "scheduled": PromotionState.SCHEDULED.value,
            "percent_off": PromotionMechanism.PERCENT_OFF.value,
            "first": first_day,
            "last": last_day,
        },
    )
    return [
        HistoryPromotion(
            r.id,
            r.percent_off,
            r.start_date,
            r.end_date,
            frozenset(r.weekdays) if r.weekdays else None,
            frozenset(r.store_ids or ()),
            frozenset(r.product_ids or ()),
        )
        for r in rows
    ]


_STATS = text(
    """
    INSERT INTO promotion_store_stats AS t (promotion_id, store_id, eligible, redeemed,
                                            discount_cents)
    SELECT x.promotion_id, :store_id, x.eligible, x.redeemed, x.discount
      FROM unnest(CAST(:promotions AS bigint[]), CAST(:eligible AS int[]),
                  CAST(:redeemed AS int[]), CAST(:discount AS bigint[]))
           AS x(promotion_id, eligible, redeemed, discount)
    ON CONFLICT (promotion_id, store_id) DO UPDATE
       SET eligible = t.eligible + EXCLUDED.eligible, redeemed = t.redeemed + EXCLUDED.redeemed,
           discount_cents = t.discount_cents + EXCLUDED.discount_cents
    """
)


async def write_stats(session: AsyncSession, store_id: int, stats: dict[int, list[int]]) -> None:
    """A store's counts per promotion: eligible receipts, redeemed receipts, discount."""
    if not stats:
        return
    ids = sorted(stats)
    await session.execute(
        _STATS,
        {
            "store_id": store_id,
            "promotions": ids,
            "eligible": [stats[i][0] for i in ids],
            "redeemed": [stats[i][1] for i in ids],
            "discount": [stats[i][2] for i in ids],
        },
    )
