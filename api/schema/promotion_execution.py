"""GraphQL types for how stores execute a promotion: redemption per store against the chain's
and the store type's rates, with the alert rule stated."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.dataloader import DataLoader

from api.context import Context
from api.domain import global_ids
from api.domain.promotions import evidence, redemption
from api.domain.promotions import returns as promotion_returns
from api.schema.enums import StoreTypeEnum
from api.schema.photos import Photo
from db.models import StoreType


@strawberry.type(description="A promotion's redemption at one store, counted as sales arrive.")
class StoreRedemption:
    store_code: str
    store_type: StoreTypeEnum  # type: ignore[valid-type]
    eligible_transactions: int = strawberry.field(
        description="Sales in the window with a SKU of it and its precondition met."
    )
    redemptions: int = strawberry.field(description="Of those, the ones a line claimed it on.")
    discount_cents: int = strawberry.field(description="Given on the lines that claimed it.")
    rate: float | None = strawberry.field(description="redemptions / eligibleTransactions.")
    chain_rate: float | None = strawberry.field(description="Every store of it, pooled.")
    store_type_rate: float | None = strawberry.field(
        description="The stores of this one's type, pooled (this one included)."
    )
    under_redeemed_at: datetime | None = strawberry.field(
        description="When PROMOTION_UNDER_REDEEMED was raised for this store (once), if it was."
    )
    z_score: float | None = strawberry.field(description="The test's z when the alert fired.")

    @classmethod
    def from_domain(cls, r: redemption.StoreRedemption) -> StoreRedemption:
        return cls(
            store_code=r.store_code,
            store_type=StoreType(r.store_type),
            eligible_transactions=r.eligible,
            redemptions=r.redeemed,
            discount_cents=r.discount_cents,
            rate=r.rate,
            chain_rate=r.chain_rate,
            store_type_rate=r.store_type_rate,
            under_redeemed_at=r.under_redeemed_at,
            z_score=r.z_score,
        )


@strawberry.type(description="A promotion's redemption, chain-wide and per store in your scope.")
class PromotionRedemption:
    eligible_transactions: int = strawberry.field(description="The whole chain's.")
    redemptions: int
    rate: float | None
    discount_cents: int = strawberry.field(description="Given so far, the whole chain.")
    budget_cents: int | None = strawberry.field(
        description="It stops applying once the discount given reaches it (the sale that "
        "crosses it keeps its discount)."
    )
    stores: list[StoreRedemption]
    method: str = strawberry.field(description="The under-redemption rule, in words.")

    @classmethod
    def from_domain(cls, r: redemption.RedemptionReport) -> PromotionRedemption:
        return cls(
            eligible_transactions=r.eligible,
            redemptions=r.redeemed,
            rate=r.rate,
            discount_cents=r.discount_cents,
            budget_cents=r.budget_cents,
            stores=[StoreRedemption.from_domain(s) for s in r.stores],
            method=r.method,
        )


EvidenceStatusEnum = strawberry.enum(
    evidence.EvidenceStatus,
    name="PromotionEvidenceStatus",
    description="PENDING (before the deadline), DONE (posters and briefing by the deadline), "
    "LATE (complete after it), MISSING (the deadline passed without them).",
)


@strawberry.type(description="A store's proof that it executes a promotion.")
class StorePromotionEvidence:
    promotion_id: strawberry.ID
    promotion_name: str
    store_code: str
    due_at: datetime = strawberry.field(
        description="Store-local midnight at the start of the day before the promotion starts."
    )
    poster_photos: int
    briefed_by: str | None
    briefed: list[str] = strawberry.field(description="Usernames of the staff briefed.")
    briefed_at: datetime | None
    done_at: datetime | None
    status: EvidenceStatusEnum  # type: ignore[valid-type]
    posters: list[Photo] = strawberry.field(
        description="The poster photos, oldest first (GET their `url` or `thumbnailUrl`)."
    )

    @classmethod
    def from_domain(cls, e: evidence.StoreEvidence) -> StorePromotionEvidence:
        return cls(
            promotion_id=strawberry.ID(global_ids.encode("Promotion", e.promotion_id)),
            promotion_name=e.promotion_name,
            store_code=e.store_code,
            due_at=e.due_at,
            poster_photos=e.photos,
            briefed_by=e.briefed_by,
            briefed=e.briefed,
            briefed_at=e.briefed_at,
            done_at=e.done_at,
            status=e.status,
            posters=[Photo.from_ref(p) for p in e.posters],
        )


@strawberry.input(description="Poster photos (uploaded with POST /photos) for one store.")
class AttachPromotionPostersInput:
    promotion_id: strawberry.ID
    store_code: str
    photo_ids: list[strawberry.ID]
    idempotency_key: str | None = None


@strawberry.input(description="Which of the store's staff were briefed (by you).")
class RecordPromotionBriefingInput:
    promotion_id: strawberry.ID
    store_code: str
    briefed_usernames: list[str]
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.type
class PromotionEvidencePayload:
    evidence: StorePromotionEvidence | None


_OWED_LOADER = "_promotion_evidence_owed_loader"


def owed_loader(context: Context) -> DataLoader[int, list[StorePromotionEvidence]]:
    """The promotion evidence each store still owes, batched per request (for shifts)."""
    found: DataLoader[int, list[StorePromotionEvidence]] | None = getattr(
        context, _OWED_LOADER, None
    )
    if found is None:

        async def load(keys: list[int]) -> list[list[StorePromotionEvidence]]:
            owed = await evidence.owed_at_stores(
                context.session, context.require_actor(), keys, now=datetime.now(UTC)
            )
            return [[StorePromotionEvidence.from_domain(e) for e in owed[k]] for k in keys]

        found = DataLoader(load, cache=False)
        setattr(context, _OWED_LOADER, found)
    return found


@strawberry.input(description="HQ withdraws a promotion that has not ended.")
class CancelPromotionInput:
    promotion_id: strawberry.ID
    reason: str
    idempotency_key: str | None = None


@strawberry.type(description="What a promotion (or a mechanism's promotions) returned.")
class PromotionFigures:
    units: int
    revenue_cents: int = strawberry.field(description="Net of discounts.")
    baseline_units: float
    baseline_revenue_cents: float
    incremental_units: float
    incremental_revenue_cents: float
    discount_cents: int = strawberry.field(description="What it cost: the discount it gave.")
    incremental_margin_cents: float = strawberry.field(
        description="Incremental revenue net of discount (no unit costs are recorded)."
    )
    cost_per_incremental_yuan: float | None

    @classmethod
    def from_domain(cls, f: promotion_returns.Figures) -> PromotionFigures:
        return cls(
            units=f.units,
            revenue_cents=f.revenue_cents,
            baseline_units=f.baseline_units,
            baseline_revenue_cents=f.baseline_revenue_cents,
            incremental_units=f.incremental_units,
            incremental_revenue_cents=f.incremental_revenue_cents,
            discount_cents=f.discount_cents,
            incremental_margin_cents=f.incremental_revenue_cents,
            cost_per_incremental_yuan=f.cost_per_incremental_yuan,
        )


@strawberry.type
class PromotionReturnRow:
    promotion_id: strawberry.ID
    mechanism: str
    days: int = strawberry.field(description="Days of it so far (up to today).")
    figures: PromotionFigures


@strawberry.type
class MechanismReturn:
    mechanism: str
    figures: PromotionFigures


@strawberry.type(description="Promotions and mechanisms side by side, with the method.")
class PromotionReturns:
    promotions: list[PromotionReturnRow]
    mechanisms: list[MechanismReturn]
    method: str

    @classmethod
    def from_domain(cls, r: promotion_returns.Returns) -> PromotionReturns:
        return cls(
            promotions=[
                PromotionReturnRow(
                    promotion_id=strawberry.ID(global_ids.encode("Promotion", p.promotion_id)),
                    mechanism=p.mechanism,
                    days=p.days,
                    figures=PromotionFigures.from_domain(p.figures),
                )
                for p in r.promotions
            ],
            mechanisms=[
                MechanismReturn(mechanism=m, figures=PromotionFigures.from_domain(f))
                for m, f in sorted(r.mechanisms.items())
            ],
            method=r.method,
        )
