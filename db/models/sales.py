"""Sales from the till and returns at any store.

A sale is idempotent by (store, receipt number): `sale_receipt` holds that key, since `sale`
is partitioned by month (alembic 0019) and PostgreSQL keeps a partitioned table's unique keys
only when they include the month. Lines keep the price actually paid (and the promotion
applied), so returns refund what was paid; they share their sale's month (`sold_at`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column


class Sale(Base):
    """Partitioned by month of sold_at; the primary key includes it (a sale id alone is unique
    anyway: ids come only from the identity sequence)."""

    __tablename__ = "sale"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(64))
    sold_at: Mapped[datetime] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # The member served, if a member code was scanned.
    member_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("member.id"))
    points_redeemed: Mapped[int] = mapped_column(Integer, default=0)
    subtotal_cents: Mapped[int] = mapped_column(BigInteger)  # sum of quantity x unit price
    discount_cents: Mapped[int] = mapped_column(BigInteger)  # line discounts
    total_cents: Mapped[int] = mapped_column(BigInteger)  # what was paid
    recorded_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("points_redeemed >= 0", name="points_redeemed_not_negative"),
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
        Index("ix_sale_store_id_sold_at", "store_id", "sold_at"),
        Index("ix_sale_member_id_sold_at", "member_id", "sold_at"),
        # Receipt look-ups (replays, returns, complaints); uniqueness is sale_receipt's.
        Index("ix_sale_store_id_receipt_no", "store_id", "receipt_no"),
        {"postgresql_partition_by": "RANGE (sold_at)"},
    )


class SaleReceipt(Base):
    """One row per recorded sale, not partitioned: the global (store, receipt) key that makes
    recordSale idempotent, and the one key by which returns and coupons name a sale. Claimed
    first by record_sale (ON CONFLICT DO NOTHING) and, for any other writer, by a trigger on
    sale that refuses a second sale with the same receipt."""

    __tablename__ = "sale_receipt"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    sale_id: Mapped[int] = mapped_column(BigInteger)
    sold_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("store_id", "sale_id", name="uq_sale_receipt_store_id_sale_id"),
    )


class SaleLine(Base):
    __tablename__ = "sale_line"

    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sold_at: Mapped[datetime] = mapped_column(primary_key=True)  # the sale's: same partition
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    line_total_cents: Mapped[int] = mapped_column(BigInteger)
    # The promotion that gave the line its discount (api/domain/promotions/claims.py).
    promotion_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("promotion.id"))
    returned_quantity: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "sale_id", "sold_at"],
            ["sale.store_id", "sale.id", "sale.sold_at"],
            name="fk_sale_line_sale",
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="unit_price_not_negative"),
        CheckConstraint(
            "discount_cents >= 0 AND discount_cents <= quantity * unit_price_cents",
            name="discount_within_price",
        ),
        CheckConstraint(
            "returned_quantity >= 0 AND returned_quantity <= quantity",
            name="returned_within_bought",
        ),
        Index("ix_sale_line_product_id", "product_id"),
        {"postgresql_partition_by": "RANGE (sold_at)"},
    )


class SaleReturn(Base):
    """Goods brought back to `store_id`, against a sale made at any store."""

    __tablename__ = "sale_return"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    original_store_id: Mapped[int] = mapped_column(Integer)
    original_sale_id: Mapped[int] = mapped_column(BigInteger)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    refund_cents: Mapped[int] = mapped_column(BigInteger)
    points_reversed: Mapped[int] = mapped_column(Integer, default=0)
    returned_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        ForeignKeyConstraint(
            ["original_store_id", "original_sale_id"],
            ["sale_receipt.store_id", "sale_receipt.sale_id"],
            name="fk_sale_return_original_sale",
        ),
        CheckConstraint("refund_cents >= 0", name="refund_not_negative"),
    )


class ReturnLine(Base):
    __tablename__ = "return_line"

    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    refund_cents: Mapped[int] = mapped_column(BigInteger)
    resaleable: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "return_id"],
            ["sale_return.store_id", "sale_return.id"],
            name="fk_return_line_return",
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )
