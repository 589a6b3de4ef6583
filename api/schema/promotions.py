"""GraphQL types for promotions: the plan and its window, a priced basket with each line's
discount and the promotion that gave it, and the offers a member can use now."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain import global_ids
from api.domain.promotions import basket, rules
from api.domain.promotions import offers as ranked_offers
from api.domain.promotions.store import PromotionView
from api.schema.enums import StoreTypeEnum
from api.schema.organisation import Store
from api.schema.promotion_loaders import promotion_loader
from db.models import PromotionApproval, PromotionMechanism, PromotionStacking

PromotionMechanismEnum = strawberry.enum(
    PromotionMechanism,
    name="PromotionMechanism",
    description="How a promotion takes money off (or adds points): PERCENT_OFF (percentOff), "
    "AMOUNT_OFF (amountOffCents a unit), BUY_X_GET_Y (buyQuantity, getQuantity free), "
    "SPEND_THRESHOLD (amountOffCents off thresholdCents, once or, with thresholdRepeats, for "
    "every whole threshold), SECOND_ITEM_DISCOUNT (every second unit percentOff), MEMBER_PRICE "
    "(memberPriceCents a unit, members only), POINTS_MULTIPLIER (pointsMultiplier x points).",
)
PromotionStackingEnum = strawberry.enum(
    PromotionStacking,
    name="PromotionStacking",
    description="EXCLUSIVE: may share no SKU, store and hours with another promotion (refused "
    "with CONFLICT at scheduling). BEST_OF: may overlap other BEST_OF ones; each line takes "
    "the one promotion that takes most off it.",
)
PromotionStatusEnum = strawberry.enum(
    rules.PromotionStatus,
    name="PromotionStatus",
    description="DRAFT (a draft, or a request awaiting HQ), SCHEDULED (before its window), "
    "ACTIVE, ENDED (after its window, in every store's own time zone), CANCELLED (or rejected).",
)
PromotionApprovalEnum = strawberry.enum(
    PromotionApproval, name="PromotionApproval", description="HQ's decision on a request."
)


@strawberry.input(description="Store-local: each store reads it in its own time zone.")
class PromotionWindowInput:
    start_date: date
    end_date: date = strawberry.field(description="Inclusive; not before startDate.")
    daily_start: str | None = strawberry.field(default=None, description="HH:MM, store-local.")
    daily_end: str | None = strawberry.field(
        default=None, description="HH:MM, after dailyStart (hours do not cross midnight)."
    )
    weekdays: list[int] | None = strawberry.field(
        default=None, description="ISO weekdays, 1 (Monday) to 7; null: every day."
    )


@strawberry.input
class CreatePromotionInput:
    name: str
    mechanism: PromotionMechanismEnum  # type: ignore[valid-type]
    window: PromotionWindowInput
    store_codes: list[str] = strawberry.field(
        default_factory=list,
        description="With regionCodes, the stores it runs in; neither: the whole chain (HQ) or "
        "your own scope (a manager's request).",
    )
    region_codes: list[str] = strawberry.field(default_factory=list)
    store_types: list[StoreTypeEnum] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Only stores of these types; none: every type."
    )
    skus: list[str] = strawberry.field(default_factory=list)
    categories: list[str] = strawberry.field(
        default_factory=list,
        description="Every product of these categories (core, and the regional ones of the "
        "regions in scope).",
    )
    stacking: PromotionStackingEnum = PromotionStacking.BEST_OF  # type: ignore[valid-type]
    coupons_allowed: bool = strawberry.field(
        default=True, description="Whether a member's coupons may come off its lines too."
    )
    members_only: bool = False
    percent_off: int | None = None
    amount_off_cents: int | None = None
    buy_quantity: int | None = None
    get_quantity: int | None = None
    threshold_cents: int | None = None
    threshold_repeats: bool | None = strawberry.field(
        default=None,
        description="SPEND_THRESHOLD: true, 'amountOffCents off every thresholdCents'; false, "
        "once per receipt.",
    )
    member_price_cents: int | None = None
    points_multiplier: int | None = None
    budget_cents: int | None = strawberry.field(
        default=None, description="The most the promotion may give away in discounts."
    )
    talking_points: list[str] = strawberry.field(
        default_factory=list, description="What clerks tell customers (up to 5)."
    )
    draft: bool = strawberry.field(
        default=False, description="HQ: keep it a DRAFT instead of scheduling it."
    )
    idempotency_key: str | None = None


@strawberry.input(
    description="A new version of a promotion, said in full as createPromotion says it: an "
    "ACTIVE one ends now and the new version runs from now; one not yet started is replaced."
)
class RevisePromotionInput(CreatePromotionInput):
    promotion_id: strawberry.ID = strawberry.field(description="The version being replaced.")


@strawberry.input
class ApprovePromotionInput:
    promotion_id: strawberry.ID
    approve: bool = strawberry.field(description="False rejects the request (give a reason).")
    reason: str | None = None
    idempotency_key: str | None = None


@strawberry.type(description="When a promotion runs, in each store's own time zone.")
class PromotionWindow:
    start_date: date
    end_date: date
    daily_start: str | None
    daily_end: str | None
    weekdays: list[int] | None


@strawberry.type(description="A promotion: HQ's plan or a store's or region's request.")
class Promotion(relay.Node):
    id: relay.NodeID[int]
    name: str
    mechanism: PromotionMechanismEnum  # type: ignore[valid-type]
    status: PromotionStatusEnum  # type: ignore[valid-type]
    stacking: PromotionStackingEnum  # type: ignore[valid-type]
    coupons_allowed: bool
    members_only: bool
    percent_off: int | None
    amount_off_cents: int | None
    buy_quantity: int | None
    get_quantity: int | None
    threshold_cents: int | None
    threshold_repeats: bool | None
    member_price_cents: int | None
    points_multiplier: int | None
    window: PromotionWindow
    skus: list[str] = strawberry.field(description="Every SKU it covers.")
    budget_cents: int | None
    talking_points: list[str]
    created_by: str = strawberry.field(description="The username who planned or requested it.")
    approval: PromotionApprovalEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="Null for HQ's own plans."
    )
    decided_by: str | None
    decision_reason: str | None
    version: int = strawberry.field(description="1, then one more for each revision.")
    previous_version_id: strawberry.ID | None = strawberry.field(
        description="The version this one replaced; sale lines keep the version that priced them."
    )
    cancel_reason: str | None
    store_ids: strawberry.Private[list[int]]

    @classmethod
    def from_view(cls, view: PromotionView) -> Promotion:
        p = view.promotion
        return cls(
            id=p.id,
            name=p.name,
            mechanism=p.mechanism,
            status=view.status,
            stacking=p.stacking,
            coupons_allowed=p.coupons_allowed,
            members_only=p.members_only,
            percent_off=p.percent_off,
            amount_off_cents=p.amount_off_cents,
            buy_quantity=p.buy_quantity,
            get_quantity=p.get_quantity,
            threshold_cents=p.threshold_cents,
            threshold_repeats=p.threshold_repeats,
            member_price_cents=p.member_price_cents,
            points_multiplier=p.points_multiplier,
            window=PromotionWindow(
                start_date=p.start_date,
                end_date=p.end_date,
                daily_start=p.daily_start.strftime("%H:%M") if p.daily_start else None,
                daily_end=p.daily_end.strftime("%H:%M") if p.daily_end else None,
                weekdays=list(p.weekdays) if p.weekdays is not None else None,
            ),
            skus=view.skus,
            budget_cents=p.budget_cents,
            talking_points=list(p.talking_points),
            created_by=view.created_by,
            approval=p.approval,
            decided_by=view.decided_by,
            decision_reason=p.decision_reason,
            version=p.version,
            previous_version_id=strawberry.ID(global_ids.encode("Promotion", p.previous_id))
            if p.previous_id is not None
            else None,
            cancel_reason=p.cancel_reason,
            store_ids=view.store_ids,
        )

    @strawberry.field(description="The stores it runs in that are in your scope.")
    async def stores(self, info: Info) -> list[Store]:
        found = await info.context.loaders.store.load_many(self.store_ids)
        return [Store.from_model(s) for s in found]


@strawberry.type
class CreatePromotionPayload:
    promotion: Promotion


@strawberry.type
class ApprovePromotionPayload:
    promotion: Promotion


async def promotion_by_id(info: Info, promotion_id: int | None) -> Promotion | None:
    """A promotion the caller may see, batched per request; None when there is none."""
    if promotion_id is None:
        return None
    view = await promotion_loader(info.context).load(promotion_id)
    return None if view is None else Promotion.from_view(view)


@strawberry.input
class BasketLineInput:
    sku: str
    quantity: int = strawberry.field(description="Units, at least 1.")
    unit_price_cents: int = strawberry.field(description="The shelf price, in cents.")


@strawberry.type(description="A coupon of the basket and what of it the basket used.")
class CouponUse:
    coupon_id: strawberry.ID
    applied_cents: int = strawberry.field(
        description="0: nothing in the basket could take it (it would not be redeemed)."
    )


@strawberry.type(description="One line priced: its discount, the promotion that gave it, why.")
class PricedLine:
    line_no: int
    sku: str
    quantity: int
    unit_price_cents: int
    subtotal_cents: int
    promotion_discount_cents: int
    coupon_discount_cents: int
    discount_cents: int = strawberry.field(
        description="Promotion and coupons together: what recordSale's discountCents must be."
    )
    total_cents: int
    points_multiplier: int = strawberry.field(description="1 unless a multiplier is in force.")
    explanation: list[str] = strawberry.field(description="Each rule applied, in order.")
    promotion_id: strawberry.Private[int | None]
    points_promotion_id: strawberry.Private[int | None]

    @strawberry.field(description="The promotion that gave the line its promotion discount.")
    async def promotion(self, info: Info) -> Promotion | None:
        return await promotion_by_id(info, self.promotion_id)

    @strawberry.field(description="The points multiplier in force on the line, if any.")
    async def points_promotion(self, info: Info) -> Promotion | None:
        return await promotion_by_id(info, self.points_promotion_id)


@strawberry.type(description="A basket priced by the rules a till's recordSale is checked by.")
class PricedBasket:
    store: Store
    priced_at: datetime = strawberry.field(description="In the store's time zone.")
    lines: list[PricedLine]
    coupons: list[CouponUse]
    subtotal_cents: int
    discount_cents: int
    total_cents: int

    @classmethod
    def from_domain(cls, priced: basket.Priced) -> PricedBasket:
        b = priced.basket
        return cls(
            store=Store.from_model(priced.store),
            priced_at=priced.local_time,
            lines=[
                PricedLine(
                    line_no=i,
                    sku=x.sku,
                    quantity=x.quantity,
                    unit_price_cents=x.unit_price_cents,
                    subtotal_cents=x.subtotal_cents,
                    promotion_discount_cents=x.promotion_discount_cents,
                    coupon_discount_cents=x.coupon_discount_cents,
                    discount_cents=x.discount_cents,
                    total_cents=x.total_cents,
                    points_multiplier=x.points_multiplier,
                    explanation=list(x.explanation),
                    promotion_id=x.promotion_id,
                    points_promotion_id=x.points_promotion_id,
                )
                for i, x in enumerate(b.lines, start=1)
            ],
            coupons=[
                CouponUse(
                    coupon_id=strawberry.ID(global_ids.encode("MemberCoupon", c.coupon_id)),
                    applied_cents=c.applied_cents,
                )
                for c in b.coupons
            ],
            subtotal_cents=b.subtotal_cents,
            discount_cents=b.discount_cents,
            total_cents=b.total_cents,
        )


@strawberry.type(description="A promotion this customer can use now, ranked for the member.")
class ApplicableOffer:
    score: float = strawberry.field(
        description="Share of visits buying what it covers + half the share using this "
        "mechanism; higher first (ties: oldest promotion first)."
    )
    reason: str = strawberry.field(description="Why it ranks here, for the clerk.")
    talking_points: list[str]
    promotion_id: strawberry.Private[int]

    @strawberry.field
    async def promotion(self, info: Info) -> Promotion | None:
        return await promotion_by_id(info, self.promotion_id)


@strawberry.type(description="A coupon of the member's, usable now, with what to say.")
class ApplicableCoupon:
    coupon_id: strawberry.ID
    value_cents: int
    expires_at: datetime
    talking_point: str


@strawberry.type(description="What the clerk can offer this customer now.")
class ApplicableOffers:
    offers: list[ApplicableOffer]
    coupons: list[ApplicableCoupon]

    @classmethod
    def from_domain(cls, found: ranked_offers.Offers) -> ApplicableOffers:
        return cls(
            offers=[
                ApplicableOffer(
                    score=o.score,
                    reason=o.reason,
                    talking_points=o.talking_points,
                    promotion_id=o.promotion.id,
                )
                for o in found.offers
            ],
            coupons=[
                ApplicableCoupon(
                    coupon_id=strawberry.ID(global_ids.encode("MemberCoupon", c.id)),
                    value_cents=c.value_cents,
                    expires_at=c.expires_at,
                    talking_point=point,
                )
                for c, point in found.coupons
            ],
        )
