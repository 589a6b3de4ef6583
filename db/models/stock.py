"""Stock: the store x SKU balance, its immutable movement ledger, batches and stock alerts.

Store-scoped, high-volume tables carry store_id first in their primary key so they can be
partitioned by time and distributed by store later without a rewrite.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column, partition_time_column
from db.models.insights import channel_check, channel_column
from db.models.organisation import text_enum


class MovementKind(enum.StrEnum):
    SALE = "SALE"
    RETURN = "RETURN"
    RECEIPT = "RECEIPT"
    TRANSFER_OUT = "TRANSFER_OUT"
    TRANSFER_IN = "TRANSFER_IN"
    ADJUSTMENT = "ADJUSTMENT"
    COUNT = "COUNT"
    WRITE_OFF = "WRITE_OFF"
    REPLACEMENT = "REPLACEMENT"  # handed to a customer as a complaint's compensation


class AlertKind(enum.StrEnum):
    LOW_STOCK = "LOW_STOCK"
    SLOW_MOVER = "SLOW_MOVER"
    NEAR_EXPIRY = "NEAR_EXPIRY"


class AlertStatus(enum.StrEnum):
    OPEN = "OPEN"
    CLEARED = "CLEARED"


class StockLevel(Base):
    """The balance of one SKU at one store. May go negative: a discrepancy to investigate."""

    __tablename__ = "stock_level"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    in_transit: Mapped[int] = mapped_column(Integer, default=0)  # inbound, shipped not received
    # Store overrides of the product's defaults; NULL means "use the product's".
    safety_stock: Mapped[int | None] = mapped_column(Integer)
    reorder_target: Mapped[int | None] = mapped_column(Integer)
    last_sold_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("in_transit >= 0", name="in_transit_not_negative"),
        CheckConstraint("safety_stock IS NULL OR safety_stock >= 0", name="safety_not_negative"),
        CheckConstraint(
            "reorder_target IS NULL OR reorder_target >= 0", name="reorder_target_not_negative"
        ),
        Index("ix_stock_level_product_id", "product_id", "store_id"),
    )


class StockMovement(Base):
    """One immutable change to a balance (a trigger refuses UPDATE and DELETE); partitioned by
    month of occurred_at, which the primary key therefore includes."""

    __tablename__ = "stock_movement"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    kind: Mapped[MovementKind] = mapped_column(text_enum(MovementKind, "movement_kind"))
    quantity: Mapped[int] = mapped_column(Integer)  # signed change to on_hand
    balance_after: Mapped[int] = mapped_column(Integer)
    # What caused it: ("sale", "<sale id>"), ("transfer", "<id>"), ...
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    occurred_at: Mapped[datetime] = partition_time_column()
    channel: Mapped[str] = channel_column()  # APP, POS or API (api/channel.py)

    __table_args__ = (
        Index("ix_stock_movement_store_id_product_id", "store_id", "product_id", "id"),
        channel_check(),
        # Stock-takes by store and time, for the digital adoption figures.
        Index(
            "ix_stock_movement_counts",
            "store_id",
            "occurred_at",
            postgresql_where=text("kind = 'COUNT'"),
        ),
        Index("ix_stock_movement_reference", "reference_type", "reference_id"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )


class StockBatch(Base):
    """Goods received with an expiry date, for near-expiry scans."""

    __tablename__ = "stock_batch"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date] = mapped_column(Date)
    movement_id: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_stock_batch_expires_on", "expires_on"),
    )


class StockAlert(Base):
    """At most one OPEN alert per store x SKU x kind (a partial unique index says so). Keyed
    by store first, like the store's stock (alembic 0020); looked up by id through its index."""

    __tablename__ = "stock_alert"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    kind: Mapped[AlertKind] = mapped_column(text_enum(AlertKind, "alert_kind"))
    status: Mapped[AlertStatus] = mapped_column(
        text_enum(AlertStatus, "alert_status"), default=AlertStatus.OPEN
    )
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    raised_at: Mapped[datetime] = created_at_column()
    cleared_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index(
            "uq_stock_alert_open",
            "store_id",
            "product_id",
            "kind",
            unique=True,
            postgresql_where=text("status = 'OPEN'"),
        ),
        Index("ix_stock_alert_store_id_status", "store_id", "status", "id"),
    )
