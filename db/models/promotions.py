"""Promotions: HQ's plans and regional requests, the stores and products each covers.

The window is in store-local dates and hours (each store reads it in its own time zone);
`starts_at`/`ends_at` bound it over the time zones of the stores in scope, for the status and
for finding the promotions that may be in force without reading every row. Scope and products
are resolved to rows at creation (`promotion_store`, `promotion_product`); what was asked for
is kept in `scope` as sent.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    Text,
    Time,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column
from db.models.organisation import text_enum


class PromotionMechanism(enum.StrEnum):
    PERCENT_OFF = "PERCENT_OFF"  # percentOff on each unit
    AMOUNT_OFF = "AMOUNT_OFF"  # amountOffCents off each unit
    BUY_X_GET_Y = "BUY_X_GET_Y"  # of each buyQuantity + getQuantity units, getQuantity free
    SPEND_THRESHOLD = "SPEND_THRESHOLD"  # amountOffCents off thresholdCents spent (or every)
    SECOND_ITEM_DISCOUNT = "SECOND_ITEM_DISCOUNT"  # every second unit percentOff
    MEMBER_PRICE = "MEMBER_PRICE"  # members pay memberPriceCents a unit
    POINTS_MULTIPLIER = "POINTS_MULTIPLIER"  # members earn pointsMultiplier x points


class PromotionStacking(enum.StrEnum):
    EXCLUSIVE = "EXCLUSIVE"  # may overlap no other promotion on the same SKU, store and hours
    BEST_OF = "BEST_OF"  # may overlap BEST_OF ones: the best for the customer wins a line


class PromotionState(enum.StrEnum):
    """What is stored; ACTIVE and ENDED are read from the clock (api/domain/promotions)."""

    DRAFT = "DRAFT"  # not running: a draft, or a regional request awaiting HQ
    SCHEDULED = "SCHEDULED"  # published: runs in its window
    CANCELLED = "CANCELLED"  # withdrawn, or a request HQ rejected


class PromotionApproval(enum.StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class Promotion(Base):
    __tablename__ = "promotion"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    mechanism: Mapped[PromotionMechanism] = mapped_column(
        text_enum(PromotionMechanism, "promotion_mechanism")
    )
    state: Mapped[PromotionState] = mapped_column(text_enum(PromotionState, "promotion_state"))
    stacking: Mapped[PromotionStacking] = mapped_column(
        text_enum(PromotionStacking, "promotion_stacking")
    )
    coupons_allowed: Mapped[bool] = mapped_column(Boolean)
    members_only: Mapped[bool] = mapped_column(Boolean)
    percent_off: Mapped[int | None] = mapped_column(Integer)
    amount_off_cents: Mapped[int | None] = mapped_column(Integer)
    buy_quantity: Mapped[int | None] = mapped_column(Integer)
    get_quantity: Mapped[int | None] = mapped_column(Integer)
    threshold_cents: Mapped[int | None] = mapped_column(Integer)
    threshold_repeats: Mapped[bool | None] = mapped_column(Boolean)
    member_price_cents: Mapped[int | None] = mapped_column(Integer)
    points_multiplier: Mapped[int | None] = mapped_column(Integer)
    # The window, read in each store's own time zone: dates inclusive, hours [start, end).
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    daily_start: Mapped[time | None] = mapped_column(Time)
    daily_end: Mapped[time | None] = mapped_column(Time)
    weekdays: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))  # ISO 1 = Monday
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    # As sent: storeCodes, regionCodes, storeTypes, skus, categories.
    scope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    budget_cents: Mapped[int | None] = mapped_column(BigInteger)
    talking_points: Mapped[list[str]] = mapped_column(JSONB)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()
    # A regional request (by a store or region manager): HQ's decision, never the requester's.
    approval: Mapped[PromotionApproval | None] = mapped_column(
        text_enum(PromotionApproval, "promotion_approval")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Versions (api/domain/promotions/lifecycle.py): a revision is a new row naming the one it
    # replaced; sale lines keep the id of the version that priced them.
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("promotion.id"))
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint(
            "(daily_start IS NULL) = (daily_end IS NULL) AND "
            "(daily_start IS NULL OR daily_end > daily_start)",
            name="hours_ordered",
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("percent_off IS NULL OR percent_off BETWEEN 1 AND 100", name="percent"),
        CheckConstraint(
            "coalesce(amount_off_cents, 1) > 0 AND coalesce(threshold_cents, 1) > 0 "
            "AND coalesce(member_price_cents, 0) >= 0 AND coalesce(points_multiplier, 2) >= 2 "
            "AND coalesce(buy_quantity, 1) > 0 AND coalesce(get_quantity, 1) > 0",
            name="amounts_positive",
        ),
        CheckConstraint("budget_cents IS NULL OR budget_cents > 0", name="budget_positive"),
        CheckConstraint(
            "(approval IS NULL OR approval = 'PENDING') = (decided_by_id IS NULL)",
            name="decision_recorded",
        ),
        Index("ix_promotion_state_ends_at", "state", "ends_at"),
    )


class PromotionStore(Base):
    __tablename__ = "promotion_store"

    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotion.id"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)

    __table_args__ = (Index("ix_promotion_store_store_id", "store_id", "promotion_id"),)


class PromotionProduct(Base):
    __tablename__ = "promotion_product"

    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotion.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)

    __table_args__ = (Index("ix_promotion_product_product_id", "product_id", "promotion_id"),)
