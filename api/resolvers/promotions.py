"""Queries and mutations for promotions: plans and requests, HQ's decisions."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain import global_ids, members
from api.domain.access import Permission
from api.domain.errors import NotFound
from api.domain.promotions import (
    approval,
    basket,
    evidence,
    lifecycle,
    listing,
    offers,
    pricing,
    redemption,
    returns,
    rules,
    store,
)
from api.resolvers.idempotent import once
from api.resolvers.sales import member_codes
from api.schema.permissions import requires
from api.schema.promotion_execution import (
    AttachPromotionPostersInput,
    CancelPromotionInput,
    PromotionEvidencePayload,
    PromotionRedemption,
    PromotionReturns,
    RecordPromotionBriefingInput,
    StorePromotionEvidence,
)
from api.schema.promotions import (
    ApplicableOffers,
    ApprovePromotionInput,
    ApprovePromotionPayload,
    BasketLineInput,
    CreatePromotionInput,
    CreatePromotionPayload,
    PricedBasket,
    Promotion,
    RevisePromotionInput,
)
from api.schema.relay import Connection, connection


def _new_promotion(input: CreatePromotionInput | RevisePromotionInput) -> rules.NewPromotion:
    w = input.window
    return rules.NewPromotion(
        name=input.name,
        mechanism=input.mechanism,
        window=rules.window_from(w.start_date, w.end_date, w.daily_start, w.daily_end, w.weekdays),
        store_codes=tuple(c.strip() for c in input.store_codes),
        region_codes=tuple(c.strip() for c in input.region_codes),
        store_types=tuple(input.store_types),
        skus=tuple(s.strip() for s in input.skus),
        categories=tuple(c.strip() for c in input.categories),
        stacking=input.stacking,
        coupons_allowed=input.coupons_allowed,
        members_only=input.members_only,
        percent_off=input.percent_off,
        amount_off_cents=input.amount_off_cents,
        buy_quantity=input.buy_quantity,
        get_quantity=input.get_quantity,
        threshold_cents=input.threshold_cents,
        threshold_repeats=input.threshold_repeats,
        member_price_cents=input.member_price_cents,
        points_multiplier=input.points_multiplier,
        budget_cents=input.budget_cents,
        talking_points=tuple(input.talking_points),
        draft=input.draft,
    )


async def load_promotion(context: Context, promotion_id: int, *, argument: str = "id") -> Promotion:
    views = await store.promotion_views(
        context.session, context.actor, [promotion_id], now=datetime.now(UTC)
    )
    if promotion_id not in views:
        public = global_ids.encode("Promotion", promotion_id)
        raise NotFound(f"No promotion {public} for a store in your scope.", argument=argument)
    return Promotion.from_view(views[promotion_id])


async def _member_id(info: Info, member_code: str | None) -> int | None:
    """The member a scanned code names, read as recordSale reads it."""
    if member_code is None:
        return None
    codes = member_codes(info)
    return await members.resolve_member_code(
        info.context.session,
        member_code,
        ring=codes["ring"],
        ttl_seconds=codes["code_ttl_seconds"],
        argument="memberCode",
    )


@strawberry.type
class PromotionsQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_PROMOTIONS)],
        description="Price a basket at a store in your scope with the promotions in force there "
        "now (or `at`), in the store's time zone, the member's coupons and the stacking rules: "
        "each line's discount, the promotion that gave it and why. recordSale checks a till's "
        "claims against the same rules. Deterministic: the same basket, the same answer.",
    )
    async def price_basket(
        self,
        info: Info,
        store_code: str,
        lines: list[BasketLineInput],
        member_code: str | None = None,
        coupon_ids: list[strawberry.ID] | None = None,
        at: datetime | None = None,
    ) -> PricedBasket:
        context: Context = info.context
        member_id = await _member_id(info, member_code)
        priced = await basket.price_at(
            context.session,
            context.actor,
            store_code=store_code,
            lines=[
                pricing.BasketLine(x.sku.strip(), x.quantity, x.unit_price_cents) for x in lines
            ],
            member_id=member_id,
            coupon_ids=[
                global_ids.expect(c, "MemberCoupon", argument="couponIds") for c in coupon_ids or []
            ],
            at=at or datetime.now(UTC),
        )
        return PricedBasket.from_domain(priced)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_PROMOTIONS)],
        description="The promotions running now at a store in your scope that this customer "
        "can use, ranked by the member's purchases and taste for each mechanism (the rule is "
        "in `score`), each with its talking points, and the member's coupons.",
    )
    async def applicable_offers(
        self, info: Info, store_code: str, member_code: str | None = None
    ) -> ApplicableOffers:
        context: Context = info.context
        member_id = await _member_id(info, member_code)
        found = await offers.applicable_offers(
            context.session,
            context.actor,
            store_code=store_code,
            member_id=member_id,
            now=datetime.now(UTC),
        )
        return ApplicableOffers.from_domain(found)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_PROMOTIONS)],
        description="A promotion that runs (or would run) in a store in your scope.",
    )
    async def promotion(self, info: Info, id: strawberry.ID) -> Promotion:
        return await load_promotion(info.context, global_ids.expect(id, "Promotion", argument="id"))

    @strawberry.field(
        extensions=[requires(Permission.VIEW_PROMOTIONS)],
        description="The promotions reaching a store in your scope, newest first (each as "
        "`promotion(id)` reads it).",
    )
    async def promotions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Promotion]:
        context: Context = info.context
        page = await listing.promotions_page(
            await context.read_session(),
            context.actor,
            first=first,
            after=after,
            now=datetime.now(UTC),
        )
        return connection(page, Promotion.from_view)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_PROMOTIONS)],
        description="A promotion's redemption at each store in your scope, counted as sales "
        "arrive, against the chain's and the same store type's rates; `method` states the "
        "under-redemption rule (PROMOTION_UNDER_REDEEMED, once per promotion and store).",
    )
    async def promotion_redemption(
        self, info: Info, promotion_id: strawberry.ID
    ) -> PromotionRedemption:
        context: Context = info.context
        row_id = global_ids.expect(promotion_id, "Promotion", argument="promotionId")
        # NOT_FOUND outside the caller's scope
        await load_promotion(context, row_id, argument="promotionId")
        report = await redemption.redemption_report(
            await context.read_session(), context.require_actor(), row_id
        )
        return PromotionRedemption.from_domain(report)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_PROMOTIONS)],
        description="Proof of execution at each store in your scope of a scheduled promotion "
        "not yet ended: poster photos and the staff briefing, due by store-local midnight the "
        "day before it starts; LATE and MISSING are flagged.",
    )
    async def promotion_execution(
        self, info: Info, promotion_id: strawberry.ID
    ) -> list[StorePromotionEvidence]:
        context: Context = info.context
        row_id = global_ids.expect(promotion_id, "Promotion", argument="promotionId")
        # NOT_FOUND outside the caller's scope, like promotionRedemption (not an empty list)
        await load_promotion(context, row_id, argument="promotionId")
        found = await evidence.execution_report(
            context.session, context.actor, row_id, now=datetime.now(UTC)
        )
        return [StorePromotionEvidence.from_domain(e) for e in found]

    @strawberry.field(
        extensions=[requires(Permission.APPROVE_PROMOTIONS)],
        description="HQ: what promotions returned, side by side and per mechanism: incremental "
        "units and revenue against a baseline, discount cost, margin and cost per incremental "
        "yuan; `method` states how.",
    )
    async def promotion_returns(
        self, info: Info, promotion_ids: list[strawberry.ID]
    ) -> PromotionReturns:
        context: Context = info.context
        ids = [global_ids.expect(i, "Promotion", argument="promotionIds") for i in promotion_ids]
        found = await returns.promotion_returns(
            context.session, context.actor, ids, today=datetime.now(UTC).date()
        )
        return PromotionReturns.from_domain(found)


@strawberry.type
class PromotionsMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.CREATE_PROMOTIONS)],
        description="HQ plans a promotion (SCHEDULED, or a DRAFT); a store or region manager's "
        "is a request for their own scope (DRAFT, approval PENDING) that runs once HQ approves "
        "it. Bad input is BAD_USER_INPUT listing every problem; an overlap the stacking rules "
        "forbid is CONFLICT (PROMOTION_OVERLAP) naming the promotion already running.",
    )
    async def create_promotion(
        self, info: Info, input: CreatePromotionInput
    ) -> CreatePromotionPayload:
        context: Context = info.context
        actor = context.require_actor()

        async def perform() -> int:  # the key is checked before the input is read
            new = _new_promotion(input)
            return await store.create_promotion(context.session, actor, new, now=datetime.now(UTC))

        promotion_id = await once(context, "createPromotion", input, perform)
        return CreatePromotionPayload(promotion=await load_promotion(context, promotion_id))

    @strawberry.mutation(
        extensions=[requires(Permission.APPROVE_PROMOTIONS)],
        description="HQ approves a regional request (it is scheduled, the overlap rules checked) "
        "or rejects it with a reason; never the requester (FORBIDDEN, OWN_REQUEST).",
    )
    async def approve_promotion(
        self, info: Info, input: ApprovePromotionInput
    ) -> ApprovePromotionPayload:
        context: Context = info.context
        actor = context.require_actor()
        promotion_id = global_ids.expect(input.promotion_id, "Promotion", argument="promotionId")

        async def perform() -> int:
            return await approval.decide(
                context.session,
                actor,
                promotion_id,
                approve=input.approve,
                reason=input.reason,
                now=datetime.now(UTC),
            )

        decided = await once(context, "approvePromotion", input, perform)
        return ApprovePromotionPayload(promotion=await load_promotion(context, decided))

    @strawberry.mutation(
        extensions=[requires(Permission.VIEW_PROMOTIONS)],
        description="Attach your uploaded poster photos (POST /photos) as a store's proof that "
        "it shows a promotion; attaching one twice is one attachment.",
    )
    async def attach_promotion_posters(
        self, info: Info, input: AttachPromotionPostersInput
    ) -> PromotionEvidencePayload:
        context: Context = info.context
        promotion_id = global_ids.expect(input.promotion_id, "Promotion", argument="promotionId")

        async def perform() -> int:
            return await evidence.attach_posters(
                context.session,
                context.actor,
                promotion_id=promotion_id,
                store_code=input.store_code.strip(),
                photo_ids=global_ids.expect_photos(input.photo_ids),
            )

        await once(context, "attachPromotionPosters", input, perform)
        return await _evidence_payload(context, promotion_id, input.store_code.strip())

    @strawberry.mutation(
        extensions=[requires(Permission.VIEW_PROMOTIONS)],
        description="Record that you briefed these staff of the store on a promotion (a later "
        "record replaces the list); BAD_USER_INPUT naming anyone not on the store's staff.",
    )
    async def record_promotion_briefing(
        self, info: Info, input: RecordPromotionBriefingInput
    ) -> PromotionEvidencePayload:
        context: Context = info.context
        promotion_id = global_ids.expect(input.promotion_id, "Promotion", argument="promotionId")

        async def perform() -> int:
            return await evidence.record_briefing(
                context.session,
                context.actor,
                promotion_id=promotion_id,
                store_code=input.store_code.strip(),
                briefed_usernames=input.briefed_usernames,
                note=input.note,
            )

        await once(context, "recordPromotionBriefing", input, perform)
        return await _evidence_payload(context, promotion_id, input.store_code.strip())

    @strawberry.mutation(
        extensions=[requires(Permission.APPROVE_PROMOTIONS)],
        description="HQ cancels a promotion that has not ended, with a reason: it stops "
        "applying at once (cancelling again is a no-op; an ENDED one is CONFLICT).",
    )
    async def cancel_promotion(
        self, info: Info, input: CancelPromotionInput
    ) -> CreatePromotionPayload:
        context: Context = info.context
        promotion_id = global_ids.expect(input.promotion_id, "Promotion", argument="promotionId")

        async def perform() -> int:
            return await lifecycle.cancel_promotion(
                context.session,
                context.actor,
                promotion_id,
                reason=input.reason,
                now=datetime.now(UTC),
            )

        done = await once(context, "cancelPromotion", input, perform)
        return CreatePromotionPayload(promotion=await load_promotion(context, done))

    @strawberry.mutation(
        extensions=[requires(Permission.APPROVE_PROMOTIONS)],
        description="HQ changes a promotion by writing a new version (the history is kept; "
        "sale lines keep the version that priced them): an ACTIVE one ends now and the new "
        "version runs from now; a SCHEDULED or DRAFT one is replaced. Checked as "
        "createPromotion is; ENDED or CANCELLED ones are CONFLICT (WRONG_STATUS).",
    )
    async def revise_promotion(
        self, info: Info, input: RevisePromotionInput
    ) -> CreatePromotionPayload:
        context: Context = info.context
        promotion_id = global_ids.expect(input.promotion_id, "Promotion", argument="promotionId")

        async def perform() -> int:
            return await lifecycle.revise_promotion(
                context.session,
                context.actor,
                promotion_id,
                _new_promotion(input),
                now=datetime.now(UTC),
            )

        revised = await once(context, "revisePromotion", input, perform)
        return CreatePromotionPayload(promotion=await load_promotion(context, revised))


async def _evidence_payload(
    context: Context, promotion_id: int, store_code: str
) -> PromotionEvidencePayload:
    found = await evidence.execution_report(
        context.session, context.actor, promotion_id, now=datetime.now(UTC)
    )
    mine = [e for e in found if e.store_code == store_code]
    return PromotionEvidencePayload(
        evidence=StorePromotionEvidence.from_domain(mine[0]) if mine else None
    )
