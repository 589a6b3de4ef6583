"""Markdowns: HQ's time-limited discounts on chosen stores and SKUs, acknowledged by stores."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column


class Markdown(Base):
    __tablename__ = "markdown"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    percent_off: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("percent_off BETWEEN 1 AND 90", name="percent_off_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )


class MarkdownTarget(Base):
    __tablename__ = "markdown_target"

    markdown_id: Mapped[int] = mapped_column(ForeignKey("markdown.id"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column()

    # A store's markdowns are listed by store: the primary key leads with the markdown.
    __table_args__ = (Index("ix_markdown_target_store_id", "store_id", "markdown_id"),)
