"""Promotions: HQ's plans and regional requests with their stores and products; sale lines name
the promotion that gave their discount; a coupon names the sale that redeemed it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 18:03:05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promotion",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "mechanism",
            sa.Enum(
                "PERCENT_OFF",
                "AMOUNT_OFF",
                "BUY_X_GET_Y",
                "SPEND_THRESHOLD",
                "SECOND_ITEM_DISCOUNT",
                "MEMBER_PRICE",
                "POINTS_MULTIPLIER",
                name="promotion_mechanism",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "DRAFT",
                "SCHEDULED",
                "CANCELLED",
                name="promotion_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "stacking",
            sa.Enum(
                "EXCLUSIVE",
                "BEST_OF",
                name="promotion_stacking",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("coupons_allowed", sa.Boolean(), nullable=False),
        sa.Column("members_only", sa.Boolean(), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column("amount_off_cents", sa.Integer(), nullable=True),
        sa.Column("buy_quantity", sa.Integer(), nullable=True),
        sa.Column("get_quantity", sa.Integer(), nullable=True),
        sa.Column("threshold_cents", sa.Integer(), nullable=True),
        sa.Column("threshold_repeats", sa.Boolean(), nullable=True),
        sa.Column("member_price_cents", sa.Integer(), nullable=True),
        sa.Column("points_multiplier", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("daily_start", sa.Time(), nullable=True),
        sa.Column("daily_end", sa.Time(), nullable=True),
        sa.Column("weekdays", postgresql.ARRAY(sa.SmallInteger()), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=True),
        sa.Column("talking_points", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "approval",
            sa.Enum(
                "PENDING",
                "APPROVED",
                "REJECTED",
                name="promotion_approval",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(approval IS NULL OR approval = 'PENDING') = (decided_by_id IS NULL)",
            name=op.f("ck_promotion_decision_recorded"),
        ),
        sa.CheckConstraint(
            "(daily_start IS NULL) = (daily_end IS NULL) AND "
            "(daily_start IS NULL OR daily_end > daily_start)",
            name=op.f("ck_promotion_hours_ordered"),
        ),
        sa.CheckConstraint(
            "budget_cents IS NULL OR budget_cents > 0", name=op.f("ck_promotion_budget_positive")
        ),
        sa.CheckConstraint(
            "coalesce(amount_off_cents, 1) > 0 AND coalesce(threshold_cents, 1) > 0 "
            "AND coalesce(member_price_cents, 0) >= 0 AND coalesce(points_multiplier, 2) >= 2 "
            "AND coalesce(buy_quantity, 1) > 0 AND coalesce(get_quantity, 1) > 0",
            name=op.f("ck_promotion_amounts_positive"),
        ),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_promotion_dates_ordered")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_promotion_ends_after_start")),
        sa.CheckConstraint(
            "percent_off IS NULL OR percent_off BETWEEN 1 AND 100",
            name=op.f("ck_promotion_percent"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_promotion_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff.id"], name=op.f("fk_promotion_decided_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion")),
    )
    op.create_index("ix_promotion_state_ends_at", "promotion", ["state", "ends_at"], unique=False)
    op.create_table(
        "promotion_product",
        sa.Column("promotion_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_promotion_product_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotion.id"],
            name=op.f("fk_promotion_product_promotion_id_promotion"),
        ),
        sa.PrimaryKeyConstraint("promotion_id", "product_id", name=op.f("pk_promotion_product")),
    )
    op.create_index(
        "ix_promotion_product_product_id",
        "promotion_product",
        ["product_id", "promotion_id"],
        unique=False,
    )
    op.create_table(
        "promotion_store",
        sa.Column("promotion_id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotion.id"],
            name=op.f("fk_promotion_store_promotion_id_promotion"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_promotion_store_store_id_store")
        ),
        sa.PrimaryKeyConstraint("promotion_id", "store_id", name=op.f("pk_promotion_store")),
    )
    op.create_index(
        "ix_promotion_store_store_id", "promotion_store", ["store_id", "promotion_id"], unique=False
    )
    op.add_column("member_coupon", sa.Column("redeemed_store_id", sa.Integer(), nullable=True))
    op.add_column("member_coupon", sa.Column("redeemed_sale_id", sa.BigInteger(), nullable=True))
    op.create_check_constraint(
        op.f("ck_member_coupon_redeemed_by_a_sale"),
        "member_coupon",
        "num_nonnulls(redeemed_store_id, redeemed_sale_id) IN (0, 2) AND "
        "(redeemed_sale_id IS NULL OR redeemed_at IS NOT NULL)",
    )
    op.create_foreign_key(
        "fk_member_coupon_redeemed_sale",
        "member_coupon",
        "sale",
        ["redeemed_store_id", "redeemed_sale_id"],
        ["store_id", "id"],
    )
    op.create_foreign_key(
        op.f("fk_sale_line_promotion_id_promotion"),
        "sale_line",
        "promotion",
        ["promotion_id"],
        ["id"],
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_sale_line_promotion_id_promotion"), "sale_line", type_="foreignkey")
    op.drop_constraint("fk_member_coupon_redeemed_sale", "member_coupon", type_="foreignkey")
    op.drop_constraint(op.f("ck_member_coupon_redeemed_by_a_sale"), "member_coupon", type_="check")
    op.drop_column("member_coupon", "redeemed_sale_id")
    op.drop_column("member_coupon", "redeemed_store_id")
    op.drop_index("ix_promotion_store_store_id", table_name="promotion_store")
    op.drop_table("promotion_store")
    op.drop_index("ix_promotion_product_product_id", table_name="promotion_product")
    op.drop_table("promotion_product")
    op.drop_index("ix_promotion_state_ends_at", table_name="promotion")
    op.drop_table("promotion")
