"""`chainstore seed --demo --history-days N`: N days of realistic sales for every demo store.

Receipts follow each store type's hours and weekdays and each region's seasons and taste
(api/demo/history_patterns.py); members enrolled by the stores' clerks come back to buy again;
about one receipt in a hundred has a unit returned a few days later; two clerks a day work an
opening and a closing shift. Everything comes from generators seeded per store and day, so a
given seed and end date give the same history whatever else runs.

Fast: the ledgers are written with COPY (ids reserved from their sequences in one block per
store), then the analytics rollups are rebuilt once from them (the same numbers as if every
sale had come through the till, a test shows). Stock is replayed (api/demo/history_stock.py):
each store starts from its opening stock, which `chainstore seed --demo --history-days N`
dates at the history's start, sells what its shelves hold, reorders every evening and books
the deliveries, so stock-outs, turnover and replenishment on-time figures have data; a store
whose stock moved after the history's start (a chain seeded before) sells without moving it.
HQ's campaigns run over the history (api/demo/history_promotions.py): their SKUs sell more,
their lines carry the promotion when the clerk applies it, and each store's redemption counts
are kept. Customers complain and answer surveys (api/demo/history_complaints.py): complaint
handling times and NPS have data. Points are not replayed. Written once: a chain that already
has history is left alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo import history_patterns
from api.demo.history_complaints import store_complaints
from api.demo.history_promotions import create_campaigns, running_promotions, write_stats
from api.demo.history_receipts import (
    HISTORY_PREFIX,
    MemberInfo,
    ProductInfo,
    StoreInfo,
    store_history,
)
from api.demo.history_stock import Shelves
from api.demo.history_writing import (
    complaint_settings,
    stocked_at,
    write_complaints,
    write_store_history,
)
from api.domain.analytics.rebuild import rebuild_rollups
from api.domain.members import codes
from api.domain.members.phones import seal_phone
from api.ops import partitions
from db.models import Member, MemberTier, Product, Region, Role, Staff, Store, StoreType
from db.pii import KeyRing

DEFAULT_SEED = 20261202
MEMBERS_PER_STORE = 150

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class HistoryReport:
    days: int
    sales: int = 0
    lines: int = 0
    returns: int = 0
    members: int = 0
    shifts: int = 0
    already_present: bool = False
    stockouts: int = 0
    replenishments: int = 0
    complaints: int = 0
    survey_answers: int = 0
    rollup_rows: dict[str, int] = field(default_factory=dict)


def history_start(days: int, end: date | None = None) -> datetime:
    """A moment before the history's first store-local day anywhere (UTC midnight the day
    before): the demo's opening stock is dated here when a history follows."""
    end = end or datetime.now(UTC).date()
    return datetime.combine(end - timedelta(days=days + 1), time(), tzinfo=UTC)


async def _stores(session: AsyncSession) -> list[StoreInfo]:
    rows = await session.execute(
        select(Store.id, Store.code, Store.type, Region.code, Store.time_zone, Store.opening_hours)
        .join(Region, Region.id == Store.region_id)
        .order_by(Store.code)
    )
    return [StoreInfo(r[0], r[1], StoreType(r[2]), r[3], ZoneInfo(r[4]), r[5]) for r in rows]


async def _products(session: AsyncSession, seed: int) -> list[ProductInfo]:
    rows = await session.execute(
        select(
            Product.id,
            Product.sku,
            Product.name,
            Product.category,
            Product.price_cents,
            Region.code,
            Product.seasonal,
        )
        .outerjoin(Region, Region.id == Product.region_id)
        .order_by(Product.sku)
    )
    products = []
    for r in rows:
        rng = random.Random(f"{seed}:{r.sku}")  # noqa: S311 - demo data
        products.append(
            ProductInfo(r.id, r.name, r.category, r.price_cents, r[5], r.seasonal,
                        rng.lognormvariate(0, 1))
        )  # fmt: skip
    return products


async def _clerks(session: AsyncSession) -> dict[int, tuple[int, int]]:
    """Each store's two clerks (`clerk.<store>.1` and `.2`)."""
    rows = await session.execute(
        select(Staff.store_id, Staff.id)
        .where(Staff.username.like("clerk.%"), Staff.store_id.is_not(None))
        .order_by(Staff.store_id, Staff.username)
    )
    found: dict[int, list[int]] = {}
    for store_id, staff_id in rows:
        if store_id is not None:
            found.setdefault(store_id, []).append(staff_id)
    return {s: (ids[0], ids[-1]) for s, ids in found.items() if ids}


def _diligence(seed: int, store_code: str) -> float:
    """How often the store's clerks apply a running promotion: most nearly always, one store
    in eight far less (what the under-redemption alert is for)."""
    rng = random.Random(f"{seed}:diligence:{store_code}")  # noqa: S311 - demo data
    return rng.uniform(0.45, 0.7) if rng.random() < 0.125 else rng.uniform(0.9, 0.99)


async def _managers(session: AsyncSession) -> dict[int, int]:
    """Each store's manager, who approves its replenishment orders."""
    rows = await session.execute(
        select(Staff.store_id, Staff.id)
        .where(Staff.role == Role.STORE_MANAGER, Staff.store_id.is_not(None))
        .order_by(Staff.store_id, Staff.id)
    )
    managers: dict[int, int] = {}
    for store_id, staff_id in rows:
        if store_id is not None:
            managers.setdefault(store_id, staff_id)
    return managers


async def _members(
    session: AsyncSession,
    stores: list[StoreInfo],
    clerks: dict[int, tuple[int, int]],
    first_day: date,
    days: int,
    *,
    seed: int,
    scale: float,
    ring: KeyRing,
) -> dict[int, list[MemberInfo]]:
    """Members enrolled by each store's clerks: a third before the history, the rest during."""
    per_store = max(1, round(MEMBERS_PER_STORE * scale))
    rows, loyalty = [], {}
    for index, store in enumerate(stores):
        if store.id not in clerks:
            continue
        rng = random.Random(f"{seed}:members:{store.code}")  # noqa: S311 - demo data
        for n in range(per_store):
            card = codes.new_card_number(rng)
            offset = rng.randrange(-days // 2, days) if n % 3 else -rng.randrange(1, 60)
            enrolled = datetime.combine(
                first_day + timedelta(days=offset), time(12), tzinfo=store.zone
            ) + timedelta(minutes=rng.randrange(-180, 360))
            sealed = seal_phone(ring, f"+86198{index:03d}{n:05d}")
            rows.append(
                {
                    "card_number": card,
                    "display_name": "会员" + card[-4:],
                    "phone_ciphertext": sealed.ciphertext.blob,
                    "phone_key_id": sealed.ciphertext.key_id,
                    "phone_blind_index": sealed.blind_index,
                    "tier": MemberTier.BASIC,
                    "points_balance": 0,
                    "enrolled_store_id": store.id,
                    "enrolled_by_id": clerks[store.id][n % 2],
                    "enrolled_at": enrolled,
                    "tier_since": enrolled,
                    "marketing_consent_at": enrolled,
                    "marketing_consent": rng.random() < 0.6,
                    "tags": [],
                }
            )
            loyalty[card] = rng.paretovariate(1.5)
    members: dict[int, list[MemberInfo]] = {}
    zones = {s.id: s.zone for s in stores}
    for start in range(0, len(rows), 1000):
        stmt = (
            insert(Member)
            .values(rows[start : start + 1000])
            .on_conflict_do_nothing()
            .returning(Member.id, Member.card_number, Member.enrolled_store_id, Member.enrolled_at)
        )
        for r in await session.execute(stmt):
            local = r.enrolled_at.astimezone(zones[r.enrolled_store_id]).date()
            members.setdefault(r.enrolled_store_id, []).append(
                MemberInfo(r.id, local, loyalty[r.card_number])
            )
    return members


async def _write_weather(session: AsyncSession, first_day: date, days: int, seed: int) -> int:
    """Each region's observed weather over the history (the same curve its shoppers followed),
    so the forecaster can estimate how hot days move demand. A day already recorded stays."""
    regions = (await session.execute(select(Region.id, Region.code))).all()
    rows = []
    for region_id, code in regions:
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            temp, rain = history_patterns.temperature(code, day, seed)
            rows.append((region_id, day, temp, rain))
    if rows:
        await session.execute(
            text(
                "INSERT INTO weather_reading (region_id, day, temp_max_c, precipitation_mm, source)"
                " SELECT r, d, t, p, 'HISTORY' FROM unnest(CAST(:r AS int[]), CAST(:d AS date[]),"
                " CAST(:t AS numeric[]), CAST(:p AS numeric[])) AS x(r, d, t, p)"
                " ON CONFLICT (region_id, day) WHERE store_id IS NULL DO NOTHING"
            ),
            {
                "r": [row[0] for row in rows],
                "d": [row[1] for row in rows],
                "t": [row[2] for row in rows],
                "p": [row[3] for row in rows],
            },
        )
    return len(rows)


async def generate_history(
    session: AsyncSession,
    *,
    days: int,
    ring: KeyRing,
    end: date | None = None,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    progress: ProgressCallback | None = None,
) -> HistoryReport:
    """Write `days` days of history ending the day before `end` (default: today, UTC) at every
    store of the chain, then rebuild the rollups. In the caller's transaction; never commits."""
    report = progress or (lambda label, done, total: None)
    present = await session.scalar(
        text("SELECT EXISTS (SELECT 1 FROM sale WHERE receipt_no LIKE :p)"),
        {"p": f"{HISTORY_PREFIX}________-%"},
    )
    if present:
        return HistoryReport(days=days, already_present=True)
    end = end or datetime.now(UTC).date()
    first_day = end - timedelta(days=days)
    # Months older than the migration made get partitions of their own, not the DEFAULT one
    # (a day early: a store's local morning of the 1st is the month before in UTC).
    await partitions.ensure_months(session, first=first_day - timedelta(days=1), last=end)
    stores = await _stores(session)
    products = await _products(session, seed)
    clerks = await _clerks(session)
    managers = await _managers(session)
    complaint_rules = await complaint_settings(session)
    start = history_start(days, end)
    await create_campaigns(session, first_day, days)
    promotions = await running_promotions(session, first_day, end - timedelta(days=1))
    report("members", 0, 1)
    members = await _members(
        session, stores, clerks, first_day, days, seed=seed, scale=scale, ring=ring
    )
    report("members", 1, 1)
    totals = {
        "sales": 0,
        "lines": 0,
        "returns": 0,
        "shifts": 0,
        "stockouts": 0,
        "orders": 0,
        "complaints": 0,
        "surveys": 0,
    }
    selling = [s for s in stores if s.id in clerks]
    for done, store in enumerate(selling, start=1):
        sold_here = [p for p in products if p.region is None or p.region == store.region]
        stocked = await stocked_at(session, store.id, start)
        shelves = (
            Shelves(store.id, stocked, rng=random.Random(f"{seed}:stock:{store.code}"))  # noqa: S311
            if stocked
            else None
        )
        history = store_history(
            store,
            sold_here,
            clerks[store.id],
            members.get(store.id, []),
            first_day,
            days,
            seed=seed,
            scale=scale,
            last_moment=datetime.combine(end, time(), tzinfo=store.zone),
            shelves=shelves,
            promotions=promotions,
            diligence=_diligence(seed, store.code),
        )
        if shelves is not None:
            shelves.until(datetime.combine(end, time(), tzinfo=store.zone))
            totals["stockouts"] += shelves.rows.stockouts
            totals["orders"] += len(shelves.rows.orders)
        await write_store_history(session, history, shelves, manager_id=managers.get(store.id))
        await write_stats(session, store.id, history.promotion_stats)
        complaints = store_complaints(
            store.id,
            history.sales,
            complaint_rules[store.region],
            rng=random.Random(f"{seed}:complaints:{store.code}"),  # noqa: S311 - demo data
            last_moment=datetime.combine(end, time(), tzinfo=store.zone),
        )
        await write_complaints(session, complaints)
        totals["complaints"] += len(complaints.complaints)
        totals["surveys"] += len(complaints.surveys)
        totals["sales"] += len(history.sales)
        totals["lines"] += len(history.lines)
        totals["returns"] += len(history.returns)
        totals["shifts"] += len(history.shifts)
        report("history", done, len(selling))
    await _write_weather(session, first_day, days, seed)
    report("rollups", 0, 1)
    await session.execute(
        text("ANALYZE sale, sale_line, sale_return, return_line, shift, member, stock_movement")
    )
    rebuilt = await rebuild_rollups(session)
    report("rollups", 1, 1)
    return HistoryReport(
        days=days,
        sales=totals["sales"],
        lines=totals["lines"],
        returns=totals["returns"],
        shifts=totals["shifts"],
        members=sum(len(m) for m in members.values()),
        stockouts=totals["stockouts"],
        replenishments=totals["orders"],
        complaints=totals["complaints"],
        survey_answers=totals["surveys"],
        rollup_rows=rebuilt.rows,
    )
