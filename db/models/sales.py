"""Sales from the till and returns at any store.

A sale is idempotent by (store, receipt number). Lines keep the price actually paid (and, in
a later issue, the promotion applied), so returns refund what was paid.
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
    __tablename__ = "sale"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(64))
    sold_at: Mapped[datetime] = mapped_column()
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # The member served, if a member code was scanned.
    member_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("member.id"))
    points_redeemed: Mapped[int] = mapped_column(Integer, default=0)
    subtotal_cents: Mapped[int] = mapped_column(BigInteger)  # sum of quantity x unit price
    discount_cents: Mapped[int] = mapped_column(BigInteger)  # line discounts
    total_cents: Mapped[int] = mapped_column(BigInteger)  # what was paid
    recorded_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("store_id", "receipt_no", name="uq_sale_store_id_receipt_no"),
        CheckConstraint("points_redeemed >= 0", name="points_redeemed_not_negative"),
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
        Index("ix_sale_store_id_sold_at", "store_id", "sold_at"),
        Index("ix_sale_member_id_sold_at", "member_id", "sold_at"),
    )


class SaleLine(Base):
    __tablename__ = "sale_line"

    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
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
            ["store_id", "sale_id"], ["sale.store_id", "sale.id"], name="fk_sale_line_sale"
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
            ["sale.store_id", "sale.id"],
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
