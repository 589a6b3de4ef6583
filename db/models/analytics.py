"""Analytics rollups: running totals that dashboards and KPIs read instead of scanning sales.

Every day, hour and month here is store-local (the store's time zone), so "Saturday 14:00" and
"March" mean what the store's staff mean. The rows are kept current by api/domain/analytics/
rollups.py in the transaction that writes the ledger row, and can be rebuilt from the ledgers
(api/domain/analytics/rebuild.py) with identical numbers. `store_id` leads every primary key,
like the high-volume tables they summarise (ARCHITECTURE "Data rules"). Derived data: only the
store carries a foreign key (the ledgers hold the others), so the till's upserts check no more.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base


class SalesDaily(Base):
    """Per store, store-local day and SKU: what sold, what came back, how often it ran out."""

    __tablename__ = "sales_daily"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    units: Mapped[int] = mapped_column(BigInteger)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)  # line totals, after line discounts
    transactions: Mapped[int] = mapped_column(Integer)  # receipts with this SKU on them
    # Returns are counted where and when the goods came back.
    returned_units: Mapped[int] = mapped_column(BigInteger)
    refund_cents: Mapped[int] = mapped_column(BigInteger)
    # Sales that took the recorded balance from above zero to zero or below.
    stockouts: Mapped[int] = mapped_column(Integer)
    # The SKU's recorded balance after the day's last sale (inventory turnover days).
    closing_on_hand: Mapped[int | None] = mapped_column(BigInteger)


class StoreHourly(Base):
    """Per store, store-local day and hour: receipts (traffic), units and takings."""

    __tablename__ = "store_hourly"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    transactions: Mapped[int] = mapped_column(Integer)
    member_transactions: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(BigInteger)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    stockouts: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("hour BETWEEN 0 AND 23", name="hour_of_day"),)


class ClerkMonthly(Base):
    """Per store, clerk and store-local month (its first day): sales, members, time on duty.
    The monthly KPIs read their sales figures here."""

    __tablename__ = "clerk_monthly"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    transactions: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(BigInteger)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    # Of those sales, the ones that emptied a shelf: with the sums above, the store's month is
    # its clerks' rows added up (a handful of rows, where its hours would be hundreds).
    stockouts: Mapped[int] = mapped_column(Integer)
    members_enrolled: Mapped[int] = mapped_column(Integer)
    shifts: Mapped[int] = mapped_column(Integer)  # shifts ended, by the month they started
    shift_seconds: Mapped[int] = mapped_column(BigInteger)
    # Receipts with at least one line a promotion discounted (promotion redemption rate).
    promoted_transactions: Mapped[int] = mapped_column(Integer, server_default="0")
    # What this clerk's sales changed in the store's month closing stock (the SKUs' balances
    # after their last sale of the month, sales_monthly): a sale adds each SKU's new balance
    # minus the month's previous one, so a store's month rows add up to its closing stock.
    closing_stock_change: Mapped[int] = mapped_column(BigInteger, server_default="0")

    __table_args__ = (CheckConstraint("extract(day FROM month) = 1", name="month_first_day"),)


class MemberMonthly(Base):
    """Per store, store-local month and member: purchases (repurchase rates read this)."""

    __tablename__ = "member_monthly"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    transactions: Mapped[int] = mapped_column(Integer)
    spend_cents: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("extract(day FROM month) = 1", name="month_first_day"),)


class MemberCategoryMonthly(Base):
    """Per store, store-local month, member and product category: receipts with the category
    on them (repurchase by category reads this, never the sale lines)."""

    __tablename__ = "member_category_monthly"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    purchases: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("extract(day FROM month) = 1", name="month_first_day"),)


class SalesMonthly(Base):
    """Per store, store-local month and SKU: what sold (the SKU days' units and takings added
    up: product figures over whole months read these) and the recorded balance after the
    month's last sale of the SKU (what a new sale's closing_stock_change is measured from)."""

    __tablename__ = "sales_monthly"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    units: Mapped[int] = mapped_column(BigInteger)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    closing_on_hand: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("extract(day FROM month) = 1", name="month_first_day"),)
