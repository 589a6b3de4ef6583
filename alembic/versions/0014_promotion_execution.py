"""Promotion execution and lifecycle: versions and cancellation of a promotion, redemption
counted per promotion and store as sales arrive, the under-redemption alert once per promotion
and store, and each store's briefing record.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _keys(table: str) -> list[Any]:
    return [
        sa.Column("promotion_id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["promotion_id"], ["promotion.id"], name=op.f(f"fk_{table}_promotion_id_promotion")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f(f"fk_{table}_store_id_store")
        ),
        sa.PrimaryKeyConstraint("promotion_id", "store_id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.add_column(
        "promotion", sa.Column("version", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column("promotion", sa.Column("previous_id", sa.BigInteger(), nullable=True))
    op.add_column("promotion", sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
    op.add_column("promotion", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("promotion", sa.Column("cancel_reason", sa.Text(), nullable=True))
    op.create_foreign_key(
        op.f("fk_promotion_previous_id_promotion"),
        "promotion",
        "promotion",
        ["previous_id"],
        ["id"],
    )
    op.create_foreign_key(
        op.f("fk_promotion_cancelled_by_id_staff"),
        "promotion",
        "staff",
        ["cancelled_by_id"],
        ["id"],
    )
    op.create_table(
        "promotion_store_stats",
        *_keys("promotion_store_stats"),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("redeemed", sa.Integer(), nullable=False),
        sa.Column("discount_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "0 <= redeemed AND redeemed <= eligible",
            name=op.f("ck_promotion_store_stats_counts_ordered"),
        ),
    )
    op.create_table(
        "promotion_under_redeemed",
        *_keys("promotion_under_redeemed"),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("redeemed", sa.Integer(), nullable=False),
        sa.Column("others_eligible", sa.Integer(), nullable=False),
        sa.Column("others_redeemed", sa.Integer(), nullable=False),
        sa.Column("z_score", sa.Float(), nullable=False),
        sa.Column(
            "raised_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
    )
    op.create_table(
        "promotion_briefing",
        *_keys("promotion_briefing"),
        sa.Column("briefed_by_id", sa.Integer(), nullable=False),
        sa.Column("staff_ids", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["briefed_by_id"], ["staff.id"], name=op.f("fk_promotion_briefing_briefed_by_id_staff")
        ),
        sa.CheckConstraint(
            "cardinality(staff_ids) > 0", name=op.f("ck_promotion_briefing_someone_briefed")
        ),
    )


def downgrade() -> None:
    op.drop_table("promotion_briefing")
    op.drop_table("promotion_under_redeemed")
    op.drop_table("promotion_store_stats")
    op.drop_constraint(op.f("fk_promotion_cancelled_by_id_staff"), "promotion", type_="foreignkey")
    op.drop_constraint(op.f("fk_promotion_previous_id_promotion"), "promotion", type_="foreignkey")
    for column in ("cancel_reason", "cancelled_at", "cancelled_by_id", "previous_id", "version"):
        op.drop_column("promotion", column)
