"""The demo history's complaints and survey answers, from one store's generated receipts.

About one receipt in COMPLAINT_EVERY brings a complaint some minutes to two days later, filed
by the receipt's clerk and routed to a handler of the region's route for its category. The
handler answers it (the first response), resolves it some hours later and it closes a day
after that; each step is on the complaint's timeline, and a step later than its target
(api/domain/complaints/sla.py) is flagged as the SLA job would flag it, escalated to the
region's manager. Steps that would fall after the history's end have not happened yet, so the
newest complaints are still open. About one receipt in SURVEY_EVERY gets a survey answer
(0-10) for its clerk, each store with its own service level, so NPS differs by store.

Rows are in memory with local complaint ids; api/demo/history.py writes them (COPY), as it
writes the receipts. No events: the live feed is for what happens from now on.
"""

# Demo texts are Chinese, with full-width punctuation on purpose.

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from db.models import ComplaintCategory

COMPLAINT_EVERY = 900
SURVEY_EVERY = 40

_TEXTS = {
    ComplaintCategory.PRODUCT_QUALITY: ("买的酸奶打开有异味", "面包里有硬块", "饮料瓶盖漏了"),
    ComplaintCategory.SERVICE: ("收银员态度不好", "排队太久没人开第二个收银台", "店员找零出错"),
    ComplaintCategory.PRICE: ("小票价格和货架标签不一致", "促销价没有算上"),
    ComplaintCategory.HYGIENE: ("熟食柜不太干净", "地面很滑没有提示"),
    ComplaintCategory.STOCK_OUT: ("常买的牛奶又没货了", "促销商品一早就卖完了"),
    ComplaintCategory.OTHER: ("会员积分没到账", "门口自行车挡住了入口"),
}
_WEIGHTS = {
    ComplaintCategory.PRODUCT_QUALITY: 30, ComplaintCategory.SERVICE: 25,
    ComplaintCategory.PRICE: 10, ComplaintCategory.HYGIENE: 10,
    ComplaintCategory.STOCK_OUT: 15, ComplaintCategory.OTHER: 10,
}  # fmt: skip
_RESOLUTIONS = ("已向顾客致歉并退款", "已更换商品", "已培训相关店员", "已更正价签并补差价")


@dataclass(frozen=True)
class ComplaintSetting:
    """What routing and the SLA say for the store's region."""

    region_id: int
    manager_id: int | None
    handlers: dict[ComplaintCategory, list[int]]
    targets: dict[ComplaintCategory, tuple[timedelta, timedelta]]  # first response, resolution


@dataclass
class ComplaintRows:
    complaints: list[list[Any]] = field(default_factory=list)
    timeline: list[list[Any]] = field(default_factory=list)  # local complaint id first
    surveys: list[list[Any]] = field(default_factory=list)


COMPLAINT_COLUMNS = (
    "id, store_id, region_id, category, description, member_id, receipt_no, status, assignee_id,"
    " filed_by_id, filed_at, first_response_due_at, resolution_due_at, first_responded_at,"
    " resolved_at, closed_at, resolution, reopen_count, first_response_breached_at,"
    " resolution_breached_at, escalated_to_id, updated_at, channel"
)
TIMELINE_COLUMNS = "complaint_id, store_id, kind, actor_id, status, assignee_id, note, occurred_at"
SURVEY_COLUMNS = (
    "store_id, score, receipt_no, clerk_id, member_id, recorded_by_id, channel, answered_at"
)


def store_complaints(
    store_id: int,
    sales: list[list[Any]],
    setting: ComplaintSetting,
    *,
    rng: random.Random,
    last_moment: datetime,
) -> ComplaintRows:
    """Complaints and survey answers of one store's receipts (rows as history_receipts
    writes them: receipt number, sold at, clerk, member at 2, 3, 4, 5)."""
    out = ComplaintRows()
    service = rng.uniform(6.5, 9.2)  # the store's typical score
    categories, weights = list(_WEIGHTS), list(_WEIGHTS.values())
    for sale in sales:
        receipt_no, sold_at, clerk, member = sale[2], sale[3], sale[4], sale[5]
        if rng.random() * SURVEY_EVERY < 1:
            answered = sold_at + timedelta(minutes=rng.randrange(2, 600))
            if answered < last_moment:
                score = max(0, min(10, round(rng.gauss(service, 2.0))))
                out.surveys.append(
                    [store_id, score, receipt_no, clerk, member, clerk, "APP", answered]
                )
        if rng.random() * COMPLAINT_EVERY >= 1:
            continue
        filed = sold_at + timedelta(minutes=rng.randrange(10, 2 * 24 * 60))
        if filed >= last_moment:
            continue
        category = rng.choices(categories, weights)[0]
        handlers = setting.handlers.get(category) or []
        _complaint(out, store_id, setting, category, receipt_no, member, clerk, filed,
                   rng.choice(handlers) if handlers else None, rng, last_moment)  # fmt: skip
    return out


def _complaint(
    out: ComplaintRows,
    store_id: int,
    setting: ComplaintSetting,
    category: ComplaintCategory,
    receipt_no: str,
    member: int | None,
    clerk: int,
    filed: datetime,
    handler: int | None,
    rng: random.Random,
    last_moment: datetime,
) -> None:
    index = len(out.complaints)
    first_target, resolution_target = setting.targets[category]
    first_due, resolution_due = filed + first_target, filed + resolution_target
    steps: list[tuple[str, int | None, str, int | None, datetime]] = [
        ("FILED", clerk, "OPEN", None, filed)
    ]
    status, assignee = "OPEN", None
    responded = resolved = closed = first_breach = resolution_breach = None
    escalated = None
    resolution = None
    if handler is not None:
        status, assignee = "ASSIGNED", handler
        steps.append(("ASSIGNED", None, status, handler, filed))
        # Most first responses are quick, some miss the target; resolutions take hours.
        responded = filed + first_target * rng.lognormvariate(-0.9, 0.7)
        resolved = responded + resolution_target * rng.lognormvariate(-1.6, 0.8)
        closed = resolved + timedelta(hours=rng.uniform(12, 36))
        for kind, when, new_status in (
            ("STARTED", responded, "IN_PROGRESS"),
            ("RESOLVED", resolved, "RESOLVED"),
            ("CLOSED", closed, "CLOSED"),
        ):
            if when >= last_moment:
                break
            if kind == "STARTED" and when > first_due:
                first_breach, escalated = first_due, setting.manager_id
                steps.append(("FIRST_RESPONSE_BREACHED", None, status, handler, first_due))
            if kind == "RESOLVED" and when > resolution_due:
                resolution_breach, escalated = resolution_due, setting.manager_id
                steps.append(("RESOLUTION_BREACHED", None, status, handler, resolution_due))
            status = new_status
            steps.append((kind, handler, status, handler, when))
        responded = responded if responded < last_moment else None
        resolved = resolved if resolved < last_moment else None
        closed = closed if closed < last_moment else None
        resolution = rng.choice(_RESOLUTIONS) if resolved else None
    out.complaints.append(
        [index, store_id, setting.region_id, category.value, rng.choice(_TEXTS[category]),
         member, receipt_no, status, assignee, clerk, filed, first_due, resolution_due,
         responded, resolved, closed, resolution, 0, first_breach, resolution_breach, escalated,
         steps[-1][4], "APP"]
    )  # fmt: skip
    for kind, actor, step_status, step_assignee, when in steps:
        out.timeline.append([index, store_id, kind, actor, step_status, step_assignee, None, when])
