"""Analytics rollups: sales per store x day x SKU, traffic per store x day x hour, clerks and
members per month (store-local), kept current with the ledgers and rebuildable from them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _store_id() -> sa.Column[int]:
    return sa.Column("store_id", sa.Integer(), nullable=False)


def _to_store(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["store_id"], ["store.id"], name=op.f(f"fk_{table}_store_id_store")
    )


def upgrade() -> None:
    op.create_table(
        "sales_daily",
        _store_id(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("returned_units", sa.BigInteger(), nullable=False),
        sa.Column("refund_cents", sa.BigInteger(), nullable=False),
        sa.Column("stockouts", sa.Integer(), nullable=False),
        _to_store("sales_daily"),
        sa.PrimaryKeyConstraint("store_id", "day", "product_id", name=op.f("pk_sales_daily")),
    )
    op.create_table(
        "store_hourly",
        _store_id(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("member_transactions", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.Column("stockouts", sa.Integer(), nullable=False),
        sa.CheckConstraint("hour BETWEEN 0 AND 23", name=op.f("ck_store_hourly_hour_of_day")),
        _to_store("store_hourly"),
        sa.PrimaryKeyConstraint("store_id", "day", "hour", name=op.f("pk_store_hourly")),
    )
    op.create_table(
        "clerk_monthly",
        _store_id(),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.Column("stockouts", sa.Integer(), nullable=False),
        sa.Column("members_enrolled", sa.Integer(), nullable=False),
        sa.Column("shifts", sa.Integer(), nullable=False),
        sa.Column("shift_seconds", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "extract(day FROM month) = 1", name=op.f("ck_clerk_monthly_month_first_day")
        ),
        _to_store("clerk_monthly"),
        sa.PrimaryKeyConstraint("store_id", "staff_id", "month", name=op.f("pk_clerk_monthly")),
    )
    op.create_table(
        "member_monthly",
        _store_id(),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("spend_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "extract(day FROM month) = 1", name=op.f("ck_member_monthly_month_first_day")
        ),
        _to_store("member_monthly"),
        sa.PrimaryKeyConstraint("store_id", "month", "member_id", name=op.f("pk_member_monthly")),
    )


def downgrade() -> None:
    for table in ("member_monthly", "clerk_monthly", "store_hourly", "sales_daily"):
        op.drop_table(table)
