"""Customer voice, staff development and HQ's analytics settings.

- SurveyAnswer: one customer's 0-10 answer ("would you recommend us?"), at a store, optionally
  for a receipt (then it rates the clerk who served it) or a complaint; NPS and the clerks'
  customer ratings both read these rows (a low-volume table, read directly).
- TrainingTask: the plan task a store manager gets when a clerk is at the bottom of their store
  type three months running (api/domain/analytics/training.py).
- GoodPractice: a clerk's good practice a manager published to the chain-wide case library.
- AnalyticsSetting: HQ's settings by key (the digital experts' reward rule), as JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column

# A write's channel: the transaction's `chainstore.channel` (api/channel.py), else API.
CHANNEL_DEFAULT = "coalesce(nullif(current_setting('chainstore.channel', true), ''), 'API')"


def channel_column() -> Mapped[str]:
    return mapped_column(String(8), server_default=text(CHANNEL_DEFAULT), nullable=False)


def channel_check(column: str = "channel") -> CheckConstraint:
    return CheckConstraint(f"{column} IN ('APP', 'POS', 'API')", name=f"{column}_known")


class SurveyAnswer(Base):
    __tablename__ = "survey_answer"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    receipt_no: Mapped[str | None] = mapped_column(String(64))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # who served it
    member_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("member.id"))
    # A complaint of the same store (record_survey_answer checks; the key says so too).
    complaint_id: Mapped[int | None] = mapped_column(BigInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    channel: Mapped[str] = channel_column()
    answered_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "complaint_id"],
            ["complaint.store_id", "complaint.id"],
            name="fk_survey_answer_complaint",
        ),
        CheckConstraint("score BETWEEN 0 AND 10", name="score_0_10"),
        channel_check(),
        Index("ix_survey_answer_store_id_answered_at", "store_id", "answered_at"),
    )


class TrainingTask(Base):
    __tablename__ = "training_task"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    month: Mapped[date] = mapped_column(Date)  # the third month at the bottom
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), server_default="OPEN")
    created_at: Mapped[datetime] = created_at_column()
    done_at: Mapped[datetime | None] = mapped_column()
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("status IN ('OPEN', 'DONE')", name="status"),
        CheckConstraint("(status = 'DONE') = (done_at IS NOT NULL)", name="done_at"),
        UniqueConstraint("staff_id", "month"),
    )


class GoodPractice(Base):
    __tablename__ = "good_practice"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    published_at: Mapped[datetime] = created_at_column()


class AnalyticsSetting(Base):
    __tablename__ = "analytics_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSONB)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    set_at: Mapped[datetime] = created_at_column()
