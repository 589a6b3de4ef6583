"""Digital adoption: the share of enrolments, handovers, complaints and stock-takes a clerk
(and a store) did in the clerk app, a monthly "digital experts" ranking, and HQ's reward rule.

Each of those writes records its channel (api/channel.py: APP, POS or API). A month is store-
local, by when the write happened: enrolled, shift ended (handed over), complaint filed, stock
counted. The reward rule is HQ's: the top N clerks by writes done in the app, among those with
at least `min_writes` writes of which at least `min_app_share` in the app, earn `reward`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, require
from api.domain.analytics.kpis import _store_ids, add_months
from api.domain.errors import InvalidInput
from db.models import AnalyticsSetting, Staff, Store

REWARD_RULE_KEY = "digital_reward_rule"
KINDS = ("ENROLMENT", "HANDOVER", "COMPLAINT", "STOCKTAKE")
MAX_EXPERTS = 100

_WRITES = text(
    """
    WITH writes AS (
      SELECT m.enrolled_store_id AS store_id, m.enrolled_by_id AS staff_id,
             'ENROLMENT' AS what, m.channel, m.enrolled_at AS at
        FROM member m WHERE m.enrolled_store_id = ANY(CAST(:store_ids AS int[]))
      UNION ALL
      SELECT sh.store_id, sh.handed_over_by_id, 'HANDOVER', coalesce(sh.handover_channel, 'API'),
             sh.ended_at
        FROM shift sh
       WHERE sh.store_id = ANY(CAST(:store_ids AS int[])) AND sh.handed_over_by_id IS NOT NULL
      UNION ALL
      SELECT c.store_id, c.filed_by_id, 'COMPLAINT', c.channel, c.filed_at
        FROM complaint c WHERE c.store_id = ANY(CAST(:store_ids AS int[]))
      UNION ALL
      SELECT sm.store_id, sm.staff_id, 'STOCKTAKE', sm.channel, sm.occurred_at
        FROM stock_movement sm
       WHERE sm.kind = 'COUNT' AND sm.staff_id IS NOT NULL
         AND sm.store_id = ANY(CAST(:store_ids AS int[]))
         AND sm.occurred_at >= CAST(:month AS date) - interval '1 day'
         AND sm.occurred_at < CAST(:next AS date) + interval '1 day'
    )
    SELECT w.store_id, w.staff_id, w.what, count(*) AS writes,
           count(*) FILTER (WHERE w.channel = 'APP') AS in_app
      FROM writes w JOIN store s ON s.id = w.store_id
     WHERE w.at >= CAST(:month AS date) - interval '1 day'
       AND w.at < CAST(:next AS date) + interval '1 day'
       AND CAST(date_trunc('month', w.at AT TIME ZONE s.time_zone) AS date) = :month
     GROUP BY 1, 2, 3
    """
)


@dataclass(frozen=True)
class RewardRule:
    min_writes: int = 20
    min_app_share: float = 0.8
    top_n: int = 10
    reward: str = ""  # empty: HQ has set no reward yet

    def check(self) -> None:
        problems = []
        if not 1 <= self.min_writes <= 100_000:
            problems.append("minWrites: 1 to 100000")
        if not 0 <= self.min_app_share <= 1:
            problems.append("minAppShare: 0 to 1")
        if not 1 <= self.top_n <= MAX_EXPERTS:
            problems.append(f"topN: 1 to {MAX_EXPERTS}")
        if not 1 <= len(self.reward.strip()) <= 200:
            problems.append("reward: 1 to 200 characters")
        if problems:
            raise InvalidInput.listing(problems)


@dataclass
class Adoption:
    """One clerk at one store (or a store's total: `staff` None) in the month."""

    store: Store
    staff: Staff | None
    writes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    in_app: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    rewarded: bool = False

    @property
    def total(self) -> int:
        return sum(self.writes.values())

    @property
    def total_in_app(self) -> int:
        return sum(self.in_app.values())

    @property
    def app_share(self) -> float | None:
        return self.total_in_app / self.total if self.total else None

    def add(self, what: str, writes: int, in_app: int) -> None:
        self.writes[what] += writes
        self.in_app[what] += in_app


async def reward_rule(session: AsyncSession) -> tuple[RewardRule, AnalyticsSetting | None]:
    setting = await session.get(AnalyticsSetting, REWARD_RULE_KEY)
    if setting is None:
        return RewardRule(), None
    return RewardRule(**setting.value), setting


async def set_reward_rule(session: AsyncSession, actor: Actor | None, rule: RewardRule) -> None:
    """HQ sets the digital experts' reward rule (replacing the one before)."""
    actor = require(actor, Permission.MANAGE_STANDARDS)
    rule = RewardRule(**{**asdict(rule), "reward": rule.reward.strip()})
    rule.check()
    values: dict[str, Any] = asdict(rule)
    stmt = insert(AnalyticsSetting).values(
        key=REWARD_RULE_KEY, value=values, set_by_id=actor.staff_id
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[AnalyticsSetting.key],
            set_={
                "value": values,
                "set_by_id": actor.staff_id,
                "set_at": datetime.now().astimezone(),
            },
        )
    )


async def _adoption(
    session: AsyncSession, store_ids: list[int], month: date
) -> dict[tuple[int, int], Adoption]:
    rows = list(
        await session.execute(
            _WRITES, {"store_ids": store_ids, "month": month, "next": add_months(month, 1)}
        )
    )
    stores = {s.id: s for s in await session.scalars(select(Store).where(Store.id.in_(store_ids)))}
    staff_ids = {r.staff_id for r in rows}
    staff = {s.id: s for s in await session.scalars(select(Staff).where(Staff.id.in_(staff_ids)))}
    out: dict[tuple[int, int], Adoption] = {}
    for r in rows:
        key = (r.store_id, r.staff_id)
        if key not in out:
            out[key] = Adoption(store=stores[r.store_id], staff=staff[r.staff_id])
        out[key].add(r.what, int(r.writes), int(r.in_app))
    return out


async def digital_adoption(
    session: AsyncSession,
    actor: Actor | None,
    *,
    month: date,
    store_code: str | None = None,
    region_code: str | None = None,
) -> tuple[list[Adoption], list[Adoption]]:
    """Per clerk and per store in the month: (clerks by store then staff id, stores by id)."""
    actor = require(actor, Permission.VIEW_SALES)
    if store_code is not None and region_code is not None:
        raise InvalidInput(
            "storeCode: give storeCode or regionCode, not both", argument="storeCode"
        )
    store_ids = await _store_ids(session, actor, store_code, region_code)
    clerks = await _adoption(session, store_ids, month.replace(day=1))
    stores: dict[int, Adoption] = {}
    for (store_id, _), a in sorted(clerks.items()):
        total = stores.setdefault(store_id, Adoption(store=a.store, staff=None))
        for what in KINDS:
            total.add(what, a.writes[what], a.in_app[what])
    return [clerks[k] for k in sorted(clerks)], [stores[k] for k in sorted(stores)]


async def digital_experts(
    session: AsyncSession,
    actor: Actor | None,
    *,
    month: date,
    region_code: str | None = None,
    first: int = 10,
) -> tuple[RewardRule, list[Adoption]]:
    """The month's clerks in scope by writes done in the app (then app share), the rule's
    reward marked on those who earn it."""
    actor = require(actor, Permission.VIEW_SALES)
    if not 1 <= first <= MAX_EXPERTS:
        raise InvalidInput(f"first: 1 to {MAX_EXPERTS}", argument="first")
    store_ids = await _store_ids(session, actor, None, region_code)
    rule, _ = await reward_rule(session)
    ranked = sorted(
        (await _adoption(session, store_ids, month.replace(day=1))).values(),
        key=lambda a: (-a.total_in_app, -(a.app_share or 0), a.staff.id if a.staff else 0),
    )
    eligible = [
        a for a in ranked if a.total >= rule.min_writes and (a.app_share or 0) >= rule.min_app_share
    ]
    if rule.reward:
        for a in eligible[: rule.top_n]:
            a.rewarded = True
    return rule, ranked[:first]
