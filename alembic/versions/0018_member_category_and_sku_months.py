"""Two more monthly rollups so productInsights and kpis read neither the ledgers nor a whole
period of SKU days: purchases per store x month x member x category (repurchase by category),
units, takings and closing stock per store x month x SKU (whole months of the product figures),
and on the clerks' months their sales' change to the store's month closing stock (a store's
month rows add up to its closing stock, read with its other KPIs).

The new rows start empty: `chainstore analytics rebuild` fills them from the ledgers (the
history generator rebuilds anyway).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _month_check(table: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        "extract(day FROM month) = 1", name=op.f(f"ck_{table}_month_first_day")
    )


def _to_store(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["store_id"], ["store.id"], name=op.f(f"fk_{table}_store_id_store")
    )


def upgrade() -> None:
    op.create_table(
        "member_category_monthly",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("purchases", sa.Integer(), nullable=False),
        _month_check("member_category_monthly"),
        _to_store("member_category_monthly"),
        sa.PrimaryKeyConstraint(
            "store_id",
            "month",
            "member_id",
            "category",
            name=op.f("pk_member_category_monthly"),
        ),
    )
    op.create_table(
        "sales_monthly",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.Column("closing_on_hand", sa.BigInteger(), nullable=True),
        _month_check("sales_monthly"),
        _to_store("sales_monthly"),
        sa.PrimaryKeyConstraint("store_id", "month", "product_id", name=op.f("pk_sales_monthly")),
    )
    op.add_column(
        "clerk_monthly",
        sa.Column("closing_stock_change", sa.BigInteger(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("clerk_monthly", "closing_stock_change")
    op.drop_table("sales_monthly")
    op.drop_table("member_category_monthly")
