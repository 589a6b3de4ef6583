"""The demo history: the same rows for the same seed, the store types' shapes, and a small
history on the test chain whose ledgers, rollups and KPIs agree."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.chain import HOURS
from api.demo.history import generate_history
from api.demo.history_promotions import HistoryPromotion
from api.demo.history_receipts import (
    MemberInfo,
    ProductInfo,
    StoreHistory,
    StoreInfo,
    store_history,
)
from api.domain.analytics.kpis import kpis
from db.models import StoreType
from db.pii import key_ring_from_environment
from tests.analytics.helpers import hq_operations

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST = date(2026, 11, 2)  # a Monday
PRODUCTS = [
    ProductInfo(1, "农夫山泉 饮用天然水 550ml", "BEVERAGES", 200, None, False, 1.0),
    ProductInfo(2, "得力 中性笔", "STATIONERY", 150, None, False, 1.0),
    ProductInfo(3, "思念 黑芝麻汤圆 400g", "FROZEN", 1290, None, True, 1.0),
]
MEMBERS = [MemberInfo(100 + n, date(2026, 10, 1), 1.0 + n) for n in range(5)]


def store(kind: StoreType, hours: str = "H24") -> StoreInfo:
    return StoreInfo(1, "T-1", kind, "NORTH", SHANGHAI, HOURS[hours])


def history(kind: StoreType, *, seed: int = 7, days: int = 7, hours: str = "H24") -> StoreHistory:
    return store_history(
        store(kind, hours),
        PRODUCTS,
        (11, 12),
        MEMBERS,
        FIRST,
        days,
        seed=seed,
        last_moment=datetime.combine(date(2026, 11, 9), time(), tzinfo=SHANGHAI),
    )


def test_a_running_promotion_lifts_its_sku_and_its_lines_carry_it_when_applied() -> None:
    water = HistoryPromotion(
        id=77, percent_off=20, start_date=FIRST, end_date=FIRST + timedelta(days=2),
        weekdays=None, store_ids=frozenset({1}), product_ids=frozenset({1}),
    )  # fmt: skip
    store_ = store(StoreType.COMMUNITY)
    last = datetime.combine(date(2026, 11, 9), time(), tzinfo=SHANGHAI)
    args = (store_, PRODUCTS, (11, 12), MEMBERS, FIRST, 7)
    plain = store_history(*args, seed=7, last_moment=last)
    always = store_history(*args, seed=7, last_moment=last, promotions=[water])
    never = store_history(*args, seed=7, last_moment=last, promotions=[water], diligence=0.0)

    def water_units(h: StoreHistory, first: int, last: int) -> int:
        days = {FIRST + timedelta(days=d) for d in range(first, last)}
        return sum(
            line[4]
            for line in h.lines
            if line[3] == 1 and line[10].astimezone(SHANGHAI).date() in days
        )

    # Lifted while it runs (Mon-Wed), the same as without it afterwards (the days' own seeds).
    assert water_units(always, 0, 3) > water_units(plain, 0, 3)
    assert water_units(always, 3, 7) == water_units(plain, 3, 7)
    promoted = [line for line in always.lines if line[8] == 77]
    assert promoted and all(line[3] == 1 for line in promoted)
    assert all(line[6] == line[4] * line[5] * 20 // 100 for line in promoted)
    eligible, redeemed, discount = always.promotion_stats[77]
    assert eligible == redeemed == len({line[1] for line in promoted})
    assert discount == sum(line[6] for line in promoted)
    # A clerk who never applies it: the receipts were eligible, none claimed it.
    assert not [line for line in never.lines if line[8] is not None]
    assert never.promotion_stats[77][0] > 0 and never.promotion_stats[77][1:] == [0, 0]


def by_hour(h: StoreHistory, weekend: bool) -> Counter[int]:
    return Counter(
        s[3].astimezone(SHANGHAI).hour
        for s in h.sales
        if (s[3].astimezone(SHANGHAI).weekday() >= 5) == weekend
    )


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    first = history(StoreType.COMMUNITY)
    assert first == history(StoreType.COMMUNITY)
    assert first.sales != history(StoreType.COMMUNITY, seed=8).sales
    assert first.sales and first.lines and first.shifts


def test_each_store_type_has_its_own_day() -> None:
    business = by_hour(history(StoreType.BUSINESS_DISTRICT), weekend=False)
    assert business[12] > 2 * business[15] and business[12] > business[10]  # the lunch peak
    school = history(StoreType.SCHOOL)
    after_class = by_hour(school, weekend=False)
    assert after_class[16] > 3 * after_class[9]
    community = history(StoreType.COMMUNITY)
    evenings = by_hour(community, weekend=False)
    assert evenings[19] > 1.5 * evenings[13]
    # Per day: community stores are busier at weekends, school and business stores quieter.
    weekend_day = sum(by_hour(community, weekend=True).values()) / 2
    assert weekend_day > sum(evenings.values()) / 5
    assert sum(by_hour(school, weekend=True).values()) / 2 < sum(after_class.values()) / 5 / 2


def test_nothing_is_sold_while_the_store_is_closed() -> None:
    school = history(StoreType.SCHOOL, hours="SCHOOL")  # 07:00-21:30, shut on Sunday
    local = [s[3].astimezone(SHANGHAI) for s in school.sales]
    assert local and all(t.weekday() != 6 for t in local)
    assert all(time(7) <= t.time() < time(21, 30) for t in local if t.weekday() < 5)


async def test_a_small_history_on_the_test_chain_agrees_with_its_rollups(
    org_session: AsyncSession,
) -> None:
    s = org_session
    ring = key_ring_from_environment()
    report = await generate_history(s, days=3, ring=ring, end=date(2026, 11, 30), scale=0.2)
    assert report.sales > 0 and report.lines >= report.sales and report.shifts == 3 * 3 * 2

    async def one(sql: str) -> tuple[int, ...]:
        return tuple(int(v or 0) for v in (await s.execute(text(sql))).one())

    assert await one("SELECT count(*), sum(total_cents) FROM sale") == await one(
        "SELECT sum(transactions), sum(revenue_cents) FROM store_hourly"
    )
    assert await one("SELECT count(*) FROM sale_line") == (report.lines,)
    assert await one("SELECT sum(returned_quantity) FROM sale_line") == await one(
        "SELECT sum(returned_units) FROM sales_daily"
    )
    assert await one("SELECT count(*) FROM shift WHERE ended_at IS NOT NULL") == await one(
        "SELECT sum(shifts) FROM clerk_monthly"
    )
    # Every receipt falls on one of the three store-local days before the end date.
    assert await one(
        "SELECT count(*) FROM sale s JOIN store st ON st.id = s.store_id"
        " WHERE CAST(s.sold_at AT TIME ZONE st.time_zone AS date)"
        " NOT BETWEEN DATE '2026-11-27' AND DATE '2026-11-29'"
    ) == (0,)
    again = await generate_history(s, days=3, ring=ring, end=date(2026, 11, 30))
    assert again.already_present and again.sales == 0

    ops = hq_operations()
    answer = await kpis(s, ops, first_day=date(2026, 11, 1), last_day=date(2026, 11, 30))
    [november] = answer.months
    assert november.totals.transactions == report.sales
    assert november.figures["customers_per_staff_hour"].value is not None
