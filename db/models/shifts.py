"""Service standards (HQ's versioned checklist templates) and the shifts that must meet them.

A template's versions are immutable rows (a trigger refuses updates and deletes); the current
version is the highest. A shift copies the applicable items into `shift_item` when it starts,
so a later template change never alters a shift already under way. Shift tables carry
`store_id` in their primary key (see ARCHITECTURE "Data rules").
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column
from db.models.organisation import text_enum


class ShiftKind(enum.StrEnum):
    OPENING = "OPENING"
    MIDDAY = "MIDDAY"
    CLOSING = "CLOSING"


class ShiftStatus(enum.StrEnum):
    OPEN = "OPEN"  # under way
    ENDED = "ENDED"  # ended without a handover (only when its checklist was empty)
    HANDED_OVER = "HANDED_OVER"  # checklist complete, summary written, awaiting acceptance
    ACCEPTED = "ACCEPTED"  # the incoming clerk or the manager took it over


class ChecklistTemplate(Base):
    """The identity of a standard; its content lives in its versions."""

    __tablename__ = "checklist_template"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()
    # A retired template no longer applies to shifts started afterwards.
    retired_at: Mapped[datetime | None] = mapped_column()
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    __table_args__ = (CheckConstraint("code ~ '^[A-Z0-9-]{2,64}$'", name="code_format"),)


class ChecklistTemplateVersion(Base):
    """One immutable version: its title and where it applies (an empty list means all)."""

    __tablename__ = "checklist_template_version"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    store_types: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    region_codes: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    shift_kinds: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("template_id", "version", name="uq_checklist_template_version"),
        CheckConstraint("version > 0", name="version_positive"),
    )


class ChecklistItem(Base):
    """An item of one template version (immutable with it)."""

    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("checklist_template_version.id"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    requires_photo: Mapped[bool] = mapped_column(Boolean)
    requires_note: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        UniqueConstraint("version_id", "position", name="uq_checklist_item_version_position"),
    )


class Shift(Base):
    __tablename__ = "shift"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[ShiftKind] = mapped_column(text_enum(ShiftKind, "shift_kind"))
    status: Mapped[ShiftStatus] = mapped_column(
        text_enum(ShiftStatus, "shift_status"), default=ShiftStatus.OPEN
    )
    started_at: Mapped[datetime] = created_at_column()
    # The kind's store-local window on the day the shift started; the handover is due by
    # window_end plus the grace period (HQ's late/missing figures).
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    handed_over_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Generated from the shift's data when it ends (sales, returns, members, alerts, ...).
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    todos: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    accepted_at: Mapped[datetime | None] = mapped_column()
    # Where the handover was completed (APP, POS, API): a trigger stamps it (migration 0016).
    handover_channel: Mapped[str | None] = mapped_column(String(8))

    __table_args__ = (
        # Found by id alone from the API (the id is unique by its identity).
        Index("ix_shift_id", "id"),
        Index("ix_shift_store_id_started_at", "store_id", "started_at"),
        # One open shift per clerk and store; the domain also serialises per clerk.
        Index(
            "uq_shift_open_clerk",
            "store_id",
            "clerk_id",
            unique=True,
            postgresql_where=text("status = 'OPEN'"),
        ),
        Index("ix_shift_clerk_id_status", "clerk_id", "status"),
        CheckConstraint("window_end > window_start", name="window_ordered"),
        CheckConstraint(
            "(status = 'OPEN') = (ended_at IS NULL)", name="ended_exactly_when_not_open"
        ),
        CheckConstraint(
            "(status = 'ACCEPTED') = (accepted_at IS NOT NULL)", name="accepted_when_accepted"
        ),
    )


class ShiftItem(Base):
    """A checklist item as copied into a shift when it started, and what was done about it."""

    __tablename__ = "shift_item"

    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id"), primary_key=True)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("checklist_template_version.id"))
    position: Mapped[int] = mapped_column(Integer)  # order within the shift's checklist
    text: Mapped[str] = mapped_column(Text)
    requires_photo: Mapped[bool] = mapped_column(Boolean)
    requires_note: Mapped[bool] = mapped_column(Boolean)
    done_at: Mapped[datetime | None] = mapped_column()
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "shift_id"], ["shift.store_id", "shift.id"], name="fk_shift_item_shift"
        ),
    )
