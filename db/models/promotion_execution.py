"""How stores execute a promotion: redemption counted per promotion and store as sales arrive,
the under-redemption alert raised once per promotion and store, and each store's briefing
record (its poster photos are photo attachments of subject PROMOTION at that store)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, CheckConstraint, Float, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column


class PromotionStoreStats(Base):
    """Counted in the sale's transaction (api/domain/promotions/redemption.py)."""

    __tablename__ = "promotion_store_stats"

    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotion.id"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    eligible: Mapped[int] = mapped_column(Integer)  # transactions that could use it
    redeemed: Mapped[int] = mapped_column(Integer)  # of those, the ones a line claimed it on
    discount_cents: Mapped[int] = mapped_column(BigInteger)  # given on the claiming lines

    __table_args__ = (
        CheckConstraint("0 <= redeemed AND redeemed <= eligible", name="counts_ordered"),
    )


class PromotionUnderRedeemed(Base):
    """The alert, once per promotion and store: the numbers the test saw when it fired."""

    __tablename__ = "promotion_under_redeemed"

    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotion.id"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    eligible: Mapped[int] = mapped_column(Integer)
    redeemed: Mapped[int] = mapped_column(Integer)
    others_eligible: Mapped[int] = mapped_column(Integer)
    others_redeemed: Mapped[int] = mapped_column(Integer)
    z_score: Mapped[float] = mapped_column(Float)
    raised_at: Mapped[datetime] = created_at_column()


class PromotionBriefing(Base):
    """A store's staff briefing on a promotion: who was briefed, by whom (one per store; a
    later record replaces the list)."""

    __tablename__ = "promotion_briefing"

    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotion.id"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    briefed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    staff_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = created_at_column()

    __table_args__ = (CheckConstraint("cardinality(staff_ids) > 0", name="someone_briefed"),)
