"""Transfers of stock between stores, and replenishment orders from HQ's suppliers."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column
from db.models.organisation import text_enum


class TransferStatus(enum.StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    SHIPPED = "SHIPPED"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"


class ReplenishmentStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    APPROVED = "APPROVED"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"


class Transfer(Base):
    __tablename__ = "transfer"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    from_store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    to_store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    status: Mapped[TransferStatus] = mapped_column(
        text_enum(TransferStatus, "transfer_status"), default=TransferStatus.REQUESTED
    )
    note: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    requested_at: Mapped[datetime] = created_at_column()
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    approved_at: Mapped[datetime | None] = mapped_column()
    shipped_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    shipped_at: Mapped[datetime | None] = mapped_column()
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    received_at: Mapped[datetime | None] = mapped_column()
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint("from_store_id <> to_store_id", name="different_stores"),
        Index("ix_transfer_from_store_id_status", "from_store_id", "status"),
        Index("ix_transfer_to_store_id_status", "to_store_id", "status"),
    )


class TransferLine(Base):
    __tablename__ = "transfer_line"

    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    quantity_requested: Mapped[int] = mapped_column(Integer)
    quantity_shipped: Mapped[int | None] = mapped_column(Integer)
    quantity_received: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("quantity_requested > 0", name="requested_positive"),
        CheckConstraint("quantity_shipped IS NULL OR quantity_shipped >= 0", name="shipped_ok"),
        CheckConstraint("quantity_received IS NULL OR quantity_received >= 0", name="received_ok"),
    )


class ReplenishmentOrder(Base):
    """Keyed by store first, with the store's stock (alembic 0021); looked up by id alone
    (node ids, the order list's cursor) through its index."""

    __tablename__ = "replenishment_order"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    status: Mapped[ReplenishmentStatus] = mapped_column(
        text_enum(ReplenishmentStatus, "replenishment_status"), default=ReplenishmentStatus.DRAFT
    )
    created_at: Mapped[datetime] = created_at_column()
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    approved_at: Mapped[datetime | None] = mapped_column()
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    received_at: Mapped[datetime | None] = mapped_column()
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        # Regenerating drafts updates the store's one DRAFT instead of adding another.
        Index(
            "uq_replenishment_order_draft",
            "store_id",
            unique=True,
            postgresql_where=text("status = 'DRAFT'"),
        ),
    )


class ReplenishmentLine(Base):
    __tablename__ = "replenishment_line"

    order_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    quantity_received: Mapped[int | None] = mapped_column(Integer)
    expires_on: Mapped[date | None] = mapped_column(Date)
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the order's

    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "order_id"],
            ["replenishment_order.store_id", "replenishment_order.id"],
            name="fk_replenishment_line_order",
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        # The previous release's ON CONFLICT (order_id, product_id) (alembic 0021); dropped
        # by the contract migration, before distribution.
        Index("uq_replenishment_line_order_id_product_id", "order_id", "product_id", unique=True),
    )
