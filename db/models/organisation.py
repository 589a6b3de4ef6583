"""The chain's shape: regions, stores and the product catalogue."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Identity,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column
from db.pinyin import initials


class StoreType(enum.StrEnum):
    BUSINESS_DISTRICT = "BUSINESS_DISTRICT"
    COMMUNITY = "COMMUNITY"
    SCHOOL = "SCHOOL"


def text_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint: adding a value later is a cheap migration."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
    )


class Region(Base):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (CheckConstraint("code ~ '^[A-Z0-9-]{2,32}$'", name="code_format"),)


class Store(Base):
    __tablename__ = "store"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    type: Mapped[StoreType] = mapped_column(text_enum(StoreType, "store_type"))
    city: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text)
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    time_zone: Mapped[str] = mapped_column(String(64))
    # {"MONDAY": [["07:00", "23:00"]], ...}; an empty list means closed that day.
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("code ~ '^[A-Z0-9-]{2,32}$'", name="code_format"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
    )


def _initials_of_name(context: Any) -> str:
    """Column default: the pinyin initials of the row's name (empty if the name is not set).
    A multi-row `insert().values([...])` cannot run it: such inserts give the column."""
    return initials(str(context.get_current_parameters().get("name") or ""))


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    barcode: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(64), index=True)
    unit: Mapped[str] = mapped_column(String(16))
    price_cents: Mapped[int] = mapped_column(Integer)
    # NULL region: a core SKU sold everywhere; otherwise sold only in that region.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    seasonal: Mapped[bool] = mapped_column(Boolean, default=False)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    # Chain-wide defaults per store; a store x SKU stock level may override them.
    default_safety_stock: Mapped[int] = mapped_column(Integer, server_default="0")
    default_reorder_target: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = created_at_column()
    # 板蓝根颗粒 -> "blgkl": the stock search's pinyin initials, filled from the name on every
    # insert through SQLAlchemy (demo import included); migration 0017 backfilled.
    pinyin_initials: Mapped[str] = mapped_column(
        String(64), server_default="", default=_initials_of_name
    )

    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint(
            "default_safety_stock >= 0 AND default_reorder_target >= default_safety_stock",
            name="stock_defaults_ordered",
        ),
        CheckConstraint(
            "shelf_life_days IS NULL OR shelf_life_days > 0", name="shelf_life_positive"
        ),
        CheckConstraint("barcode ~ '^[0-9]{8,14}$'", name="barcode_digits"),
    )

    @property
    def core(self) -> bool:
        return self.region_id is None
