"""GraphQL types of the staff, store, product and digital analytics, survey answers, training
tasks and the case library."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain.analytics import digital, products, store_ops
from api.schema.complaint_loaders import loaders
from api.schema.organisation import Store
from api.schema.staff import Staff
from db import models


async def _store(info: Info, store_id: int) -> Store:
    found = await info.context.loaders.store.load(store_id)
    return Store.from_model(found)


async def _staff(info: Info, staff_id: int | None) -> Staff | None:
    if staff_id is None:
        return None
    found = await loaders(info.context).staff.load(staff_id)
    return Staff.from_model(found) if found is not None else None


@strawberry.type(description="A customer's 0-10 answer at a store, for NPS and clerk ratings.")
class SurveyAnswer(relay.Node):
    id: relay.NodeID[int]
    score: int
    receipt_no: str | None
    comment: str | None
    channel: str = strawberry.field(description="APP, POS or API: where it was recorded.")
    answered_at: datetime
    model: strawberry.Private[models.SurveyAnswer]

    @classmethod
    def from_model(cls, row: models.SurveyAnswer) -> SurveyAnswer:
        return cls(
            id=row.id,
            score=row.score,
            receipt_no=row.receipt_no,
            comment=row.comment,
            channel=row.channel,
            answered_at=row.answered_at,
            model=row,
        )

    @strawberry.field
    async def store(self, info: Info) -> Store:
        return await _store(info, self.model.store_id)

    @strawberry.field(description="The clerk who served the receipt, when one was given.")
    async def clerk(self, info: Info) -> Staff | None:
        return await _staff(info, self.model.clerk_id)


@strawberry.type(description="A store manager's plan task: train a clerk at the bottom.")
class TrainingTask(relay.Node):
    id: relay.NodeID[int]
    month: date = strawberry.field(description="The third month at the bottom (first day).")
    reason: str = strawberry.field(description="Why, with the takings behind it.")
    status: str = strawberry.field(description="OPEN or DONE.")
    created_at: datetime
    done_at: datetime | None
    note: str | None
    model: strawberry.Private[models.TrainingTask]

    @classmethod
    def from_model(cls, row: models.TrainingTask) -> TrainingTask:
        return cls(
            id=row.id,
            month=row.month,
            reason=row.reason,
            status=row.status,
            created_at=row.created_at,
            done_at=row.done_at,
            note=row.note,
            model=row,
        )

    @strawberry.field
    async def store(self, info: Info) -> Store:
        return await _store(info, self.model.store_id)

    @strawberry.field(description="The clerk to train.")
    async def clerk(self, info: Info) -> Staff | None:
        return await _staff(info, self.model.staff_id)

    @strawberry.field
    async def done_by(self, info: Info) -> Staff | None:
        return await _staff(info, self.model.done_by_id)


@strawberry.type(description="A clerk's good practice in the chain-wide case library.")
class GoodPractice(relay.Node):
    id: relay.NodeID[int]
    title: str
    body: str
    published_at: datetime
    model: strawberry.Private[models.GoodPractice]

    @classmethod
    def from_model(cls, row: models.GoodPractice) -> GoodPractice:
        return cls(
            id=row.id,
            title=row.title,
            body=row.body,
            published_at=row.published_at,
            model=row,
        )

    @strawberry.field
    async def store(self, info: Info) -> Store:
        return await _store(info, self.model.store_id)

    @strawberry.field(description="The clerk whose practice it is.")
    async def clerk(self, info: Info) -> Staff | None:
        return await _staff(info, self.model.staff_id)

    @strawberry.field
    async def published_by(self, info: Info) -> Staff | None:
        return await _staff(info, self.model.published_by_id)


@strawberry.type(description="One store-local weekday and hour among a store's busiest.")
class PeakHour:
    weekday: int = strawberry.field(description="ISO weekday: 1 Monday .. 7 Sunday.")
    hour: int
    receipts_per_day: float
    clerks_on_shift_per_day: float
    receipts_per_clerk_hour: float | None
    extra_clerks: int = strawberry.field(description="Clerks to add; 0 when staffed.")
    suggestion: str = strawberry.field(description="The suggestion with its numbers.")

    @classmethod
    def from_data(cls, p: store_ops.PeakHour) -> PeakHour:
        return cls(
            weekday=p.weekday,
            hour=p.hour,
            receipts_per_day=p.receipts_per_day,
            clerks_on_shift_per_day=p.clerks_on_shift_per_day,
            receipts_per_clerk_hour=p.receipts_per_clerk_hour,
            extra_clerks=p.extra_clerks,
            suggestion=p.suggestion,
        )


@strawberry.type(description="A store's operations over store-local dates.")
class StoreOperations:
    receipts: int
    units: int
    revenue_cents: int
    average_ticket_cents: float | None
    items_per_basket: float | None
    hours_on_duty: float = strawberry.field(description="Ended shifts started in the dates.")
    customers_per_duty_hour: float | None
    peaks: list[PeakHour] = strawberry.field(description="The 3 busiest weekday hours.")
    members_enrolled: int
    sign_up_rate: float | None = strawberry.field(description="Members enrolled per receipt.")
    chain_sign_up_rate: float | None = strawberry.field(
        description="The whole chain's members enrolled per receipt in the same dates."
    )
    sign_up_suggestion: str | None

    @classmethod
    def from_data(cls, o: store_ops.StoreOperations) -> StoreOperations:
        return cls(
            receipts=o.receipts,
            units=o.units,
            revenue_cents=o.revenue_cents,
            average_ticket_cents=o.average_ticket_cents,
            items_per_basket=o.items_per_basket,
            hours_on_duty=o.hours_on_duty,
            customers_per_duty_hour=o.customers_per_duty_hour,
            peaks=[PeakHour.from_data(p) for p in o.peaks],
            members_enrolled=o.members_enrolled,
            sign_up_rate=o.sign_up_rate,
            chain_sign_up_rate=o.chain_sign_up_rate,
            sign_up_suggestion=o.sign_up_suggestion,
        )


@strawberry.type(
    description="One SKU's sales over the dates, and over as many days before (as many "
    "months before a period of whole months)."
)
class SkuFigure:
    sku: str
    name: str
    category: str
    units: int
    revenue_cents: int
    units_before: int

    @classmethod
    def from_data(cls, s: products.SkuFigure) -> SkuFigure:
        return cls(
            sku=s.sku,
            name=s.name,
            category=s.category,
            units=s.units,
            revenue_cents=s.revenue_cents,
            units_before=s.units_before,
        )


@strawberry.type(description="When a seasonal category's season starts in a region.")
class RegionalOnset:
    category: str
    region_code: str
    onset_month: date
    units_at_peak: int = strawberry.field(description="Units in the region's peak month.")
    lead_days: int = strawberry.field(description="Days after the first region's onset.")
    suggestion: str


@strawberry.type(
    description="Of members who bought a category in the store-local months the period "
    "touches, the share who came back."
)
class CategoryRepurchase:
    category: str
    buyers: int
    repeaters: int = strawberry.field(description="Members with two or more receipts of it.")
    rate: float | None


@strawberry.type(description="A store type's leading category against the stores asked about.")
class StoreTypeStrategy:
    store_type: str
    category: str
    share: float
    chain_share: float
    suggestion: str


@strawberry.type(description="Products and store types over store-local dates.")
class ProductInsights:
    best_sellers: list[SkuFigure]
    seasonal_hits: list[SkuFigure]
    regional_demand: list[RegionalOnset]
    repurchase_by_category: list[CategoryRepurchase]
    strategies: list[StoreTypeStrategy]

    @classmethod
    def from_data(cls, p: products.ProductInsights) -> ProductInsights:
        return cls(
            best_sellers=[SkuFigure.from_data(s) for s in p.best_sellers],
            seasonal_hits=[SkuFigure.from_data(s) for s in p.seasonal_hits],
            regional_demand=[
                RegionalOnset(
                    category=r.category,
                    region_code=r.region_code,
                    onset_month=r.onset_month,
                    units_at_peak=r.units_at_peak,
                    lead_days=r.lead_days,
                    suggestion=r.suggestion,
                )
                for r in p.regional_demand
            ],
            repurchase_by_category=[
                CategoryRepurchase(
                    category=r.category, buyers=r.buyers, repeaters=r.repeaters, rate=r.rate
                )
                for r in p.repurchase_by_category
            ],
            strategies=[
                StoreTypeStrategy(
                    store_type=s.store_type,
                    category=s.category,
                    share=s.share,
                    chain_share=s.chain_share,
                    suggestion=s.suggestion,
                )
                for s in p.strategies
            ],
        )


@strawberry.type(description="Writes of one kind, and how many of them in the clerk app.")
class ChannelCount:
    kind: str = strawberry.field(description="ENROLMENT, HANDOVER, COMPLAINT or STOCKTAKE.")
    writes: int
    in_app: int


@strawberry.type(description="A clerk's (or a store's) writes in a month, by channel.")
class DigitalAdoption:
    store: Store
    clerk: Staff | None = strawberry.field(description="Null on a store's total.")
    writes: int
    in_app: int
    app_share: float | None = strawberry.field(description="In the app, 0 to 1.")
    by_kind: list[ChannelCount]
    rewarded: bool = strawberry.field(description="Earns the reward rule's reward.")

    @classmethod
    def from_data(cls, a: digital.Adoption) -> DigitalAdoption:
        return cls(
            store=Store.from_model(a.store),
            clerk=Staff.from_model(a.staff) if a.staff is not None else None,
            writes=a.total,
            in_app=a.total_in_app,
            app_share=a.app_share,
            by_kind=[
                ChannelCount(kind=k, writes=a.writes[k], in_app=a.in_app[k]) for k in digital.KINDS
            ],
            rewarded=a.rewarded,
        )


@strawberry.type(description="A month's digital adoption per clerk and per store.")
class DigitalAdoptionReport:
    clerks: list[DigitalAdoption]
    stores: list[DigitalAdoption]


@strawberry.type(description="HQ's reward rule for the digital experts.")
class DigitalRewardRule:
    min_writes: int
    min_app_share: float
    top_n: int
    reward: str = strawberry.field(description="Empty until HQ sets a rule.")

    @classmethod
    def from_data(cls, r: digital.RewardRule) -> DigitalRewardRule:
        return cls(
            min_writes=r.min_writes, min_app_share=r.min_app_share, top_n=r.top_n, reward=r.reward
        )


@strawberry.type(description="The month's digital experts, most writes in the app first.")
class DigitalExperts:
    rule: DigitalRewardRule
    ranking: list[DigitalAdoption]


@strawberry.input
class RecordSurveyAnswerInput:
    store_code: str
    score: int = strawberry.field(description="0 to 10: how likely to recommend us.")
    receipt_no: str | None = strawberry.field(
        default=None, description="A receipt of that store: the answer rates its clerk."
    )
    member_code: str | None = strawberry.field(
        default=None, description="The member's card number or rotating QR code."
    )
    complaint_id: strawberry.ID | None = strawberry.field(
        default=None, description="A complaint of that store the answer is about."
    )
    comment: str | None = strawberry.field(default=None, description="At most 500 characters.")
    idempotency_key: str | None = None


@strawberry.type
class RecordSurveyAnswerPayload:
    survey_answer: SurveyAnswer


@strawberry.input
class CompleteTrainingTaskInput:
    task_id: strawberry.ID
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.type
class CompleteTrainingTaskPayload:
    training_task: TrainingTask


@strawberry.type
class ReviewTrainingPayload:
    training_tasks: list[TrainingTask] = strawberry.field(description="Raised by this review.")


@strawberry.input
class PublishGoodPracticeInput:
    store_code: str
    clerk_username: str
    title: str = strawberry.field(description="1 to 120 characters.")
    body: str = strawberry.field(description="1 to 4000 characters.")
    idempotency_key: str | None = None


@strawberry.type
class PublishGoodPracticePayload:
    good_practice: GoodPractice


@strawberry.input
class SetDigitalRewardRuleInput:
    min_writes: int
    min_app_share: float
    top_n: int
    reward: str


@strawberry.type
class SetDigitalRewardRulePayload:
    digital_reward_rule: DigitalRewardRule
