"""Queries and mutations of the staff, store, product and digital analytics: survey answers,
training tasks, the case library, store operations, product insights, digital adoption.

Analytics reads go through the read session (DATABASE_READ_URL when set); writes through the
request's session."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain import global_ids
from api.domain.access import Permission
from api.domain.analytics import cases, digital, products, store_ops, surveys, training
from api.resolvers.idempotent import once as _once
from api.schema.insights import (
    CompleteTrainingTaskInput,
    CompleteTrainingTaskPayload,
    DigitalAdoption,
    DigitalAdoptionReport,
    DigitalExperts,
    DigitalRewardRule,
    GoodPractice,
    ProductInsights,
    PublishGoodPracticeInput,
    PublishGoodPracticePayload,
    RecordSurveyAnswerInput,
    RecordSurveyAnswerPayload,
    ReviewTrainingPayload,
    SetDigitalRewardRuleInput,
    SetDigitalRewardRulePayload,
    StoreOperations,
    SurveyAnswer,
    TrainingTask,
)
from api.schema.members import key_ring
from api.schema.permissions import requires
from api.schema.relay import Connection, connection
from db import models

From = Annotated[date, strawberry.argument(name="from")]


@strawberry.type
class InsightsQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_SALES)],
        description="A store's average ticket, items per basket, time on duty, customers per "
        "hour on duty, its 3 busiest weekday hours with staffing suggestions, and its member "
        "sign-ups against the chain's, over store-local dates from..to (at most 366 days).",
    )
    async def store_operations(
        self, info: Info, store_code: str, from_: From, to: date
    ) -> StoreOperations:
        context: Context = info.context
        ops = await store_ops.store_operations(
            await context.read_session(),
            context.actor,
            store_code=store_code,
            first_day=from_,
            last_day=to,
        )
        return StoreOperations.from_data(ops)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_SALES)],
        description="Best sellers, seasonal hits, regional demand with lead times, repurchase "
        "rate by category and a strategy per store type, over store-local dates from..to, for "
        "one store, one region or every store in your scope.",
    )
    async def product_insights(
        self,
        info: Info,
        from_: From,
        to: date,
        region_code: str | None = None,
        store_code: str | None = None,
    ) -> ProductInsights:
        context: Context = info.context
        found = await products.product_insights(
            await context.read_session(),
            context.actor,
            first_day=from_,
            last_day=to,
            store_code=store_code,
            region_code=region_code,
        )
        return ProductInsights.from_data(found)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_SALES)],
        description="The store-local month of `month`: each clerk's and store's enrolments, "
        "handovers, complaints and stock-takes, and how many were done in the clerk app.",
    )
    async def digital_adoption(
        self,
        info: Info,
        month: date,
        region_code: str | None = None,
        store_code: str | None = None,
    ) -> DigitalAdoptionReport:
        context: Context = info.context
        clerks, stores = await digital.digital_adoption(
            await context.read_session(),
            context.actor,
            month=month,
            store_code=store_code,
            region_code=region_code,
        )
        return DigitalAdoptionReport(
            clerks=[DigitalAdoption.from_data(a) for a in clerks],
            stores=[DigitalAdoption.from_data(a) for a in stores],
        )

    @strawberry.field(
        extensions=[requires(Permission.VIEW_SALES)],
        description="The month's digital experts in your scope (or a region): most writes in "
        "the app first, those earning HQ's reward marked.",
    )
    async def digital_experts(
        self, info: Info, month: date, region_code: str | None = None, first: int = 10
    ) -> DigitalExperts:
        context: Context = info.context
        rule, ranking = await digital.digital_experts(
            await context.read_session(),
            context.actor,
            month=month,
            region_code=region_code,
            first=first,
        )
        return DigitalExperts(
            rule=DigitalRewardRule.from_data(rule),
            ranking=[DigitalAdoption.from_data(a) for a in ranking],
        )

    @strawberry.field(
        extensions=[requires(Permission.VIEW_STAFF)],
        description="Training plan tasks at stores in your scope (or one store), newest first.",
    )
    async def training_tasks(
        self,
        info: Info,
        store_code: str | None = None,
        open_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TrainingTask]:
        context: Context = info.context
        page = await training.training_tasks(
            await context.read_session(),
            context.actor,
            store_code=store_code,
            open_only=open_only,
            first=first,
            after=after,
        )
        return connection(page, TrainingTask.from_model)

    @strawberry.field(
        extensions=[requires(Permission.SIGNED_IN)],
        description="The chain-wide case library of clerks' good practice, newest first.",
    )
    async def good_practices(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[GoodPractice]:
        context: Context = info.context
        page = await cases.good_practices(
            await context.read_session(), context.actor, first=first, after=after
        )
        return connection(page, GoodPractice.from_model)


@strawberry.type
class InsightsMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.RECORD_SALES)],
        description="Record a customer's 0-10 survey answer at a store in your scope; with a "
        "receipt it rates the clerk who served it (NPS and clerk ratings).",
    )
    async def record_survey_answer(
        self, info: Info, input: RecordSurveyAnswerInput
    ) -> RecordSurveyAnswerPayload:
        context: Context = info.context
        new = surveys.NewSurveyAnswer(
            store_code=input.store_code.strip(),
            score=input.score,
            receipt_no=input.receipt_no,
            member_code=input.member_code,
            complaint_id=(
                global_ids.expect(input.complaint_id, "Complaint", argument="complaintId")
                if input.complaint_id is not None
                else None
            ),
            comment=input.comment,
        )

        recorded: list[models.SurveyAnswer] = []

        async def perform() -> int:
            answer = await surveys.record_survey_answer(
                context.session,
                context.actor,
                new,
                ring=key_ring(info),
                code_ttl_seconds=context.settings.member_code_ttl_seconds,
            )
            recorded.append(answer)
            return answer.id

        answer_id = await _once(context, "recordSurveyAnswer", input, perform)
        # A replay answers with the first call's id (its key is (store_id, id)): read it.
        row = recorded[0] if recorded else await surveys.survey_answer(context.session, answer_id)
        return RecordSurveyAnswerPayload(survey_answer=SurveyAnswer.from_model(row))

    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_STANDARDS)],
        description="HQ: raise the training alerts of `month` (a clerk at the bottom of their "
        "store type three months running); the plan tasks raised now.",
    )
    async def review_training(self, info: Info, month: date) -> ReviewTrainingPayload:
        context: Context = info.context
        tasks = await training.review_training(context.session, context.actor, month=month)
        return ReviewTrainingPayload(training_tasks=[TrainingTask.from_model(t) for t in tasks])

    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_STAFF)],
        description="Mark a training plan task at a store in your scope done.",
    )
    async def complete_training_task(
        self, info: Info, input: CompleteTrainingTaskInput
    ) -> CompleteTrainingTaskPayload:
        context: Context = info.context
        task_id = global_ids.expect(input.task_id, "TrainingTask", argument="taskId")

        async def perform() -> int:
            return await training.complete_training_task(
                context.session, context.actor, task_id, input.note, datetime.now(UTC)
            )

        done = await _once(context, "completeTrainingTask", input, perform)
        row = await context.session.get(models.TrainingTask, done)
        assert row is not None
        return CompleteTrainingTaskPayload(training_task=TrainingTask.from_model(row))

    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_STAFF)],
        description="Publish a clerk's good practice (a clerk of a store in your scope) to the "
        "chain-wide case library.",
    )
    async def publish_good_practice(
        self, info: Info, input: PublishGoodPracticeInput
    ) -> PublishGoodPracticePayload:
        context: Context = info.context
        new = cases.NewGoodPractice(
            store_code=input.store_code.strip(),
            clerk_username=input.clerk_username.strip(),
            title=input.title,
            body=input.body,
        )

        async def perform() -> int:
            return await cases.publish_good_practice(context.session, context.actor, new)

        case_id = await _once(context, "publishGoodPractice", input, perform)
        row = await context.session.get(models.GoodPractice, case_id)
        assert row is not None
        return PublishGoodPracticePayload(good_practice=GoodPractice.from_model(row))

    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_STANDARDS)],
        description="HQ sets the digital experts' reward rule (replacing the one before).",
    )
    async def set_digital_reward_rule(
        self, info: Info, input: SetDigitalRewardRuleInput
    ) -> SetDigitalRewardRulePayload:
        context: Context = info.context
        rule = digital.RewardRule(
            min_writes=input.min_writes,
            min_app_share=input.min_app_share,
            top_n=input.top_n,
            reward=input.reward,
        )
        await digital.set_reward_rule(context.session, context.actor, rule)
        saved, _ = await digital.reward_rule(context.session)
        return SetDigitalRewardRulePayload(digital_reward_rule=DigitalRewardRule.from_data(saved))
