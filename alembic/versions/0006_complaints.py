"""Complaints: lifecycle, timeline, SLAs, compensation, customer message outbox.

The timeline reuses 0002's append_only() trigger function: no UPDATE, DELETE or TRUNCATE.
SLA targets are seeded with the defaults (first response 1 hour, resolution 24 hours).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_TABLES = ("complaint_timeline",)
CATEGORIES = ("PRODUCT_QUALITY", "SERVICE", "PRICE", "HYGIENE", "STOCK_OUT", "OTHER")
DEFAULT_FIRST_RESPONSE_MINUTES = 60
DEFAULT_RESOLUTION_MINUTES = 24 * 60


_MOVEMENT_KINDS = (
    "SALE",
    "RETURN",
    "RECEIPT",
    "TRANSFER_OUT",
    "TRANSFER_IN",
    "ADJUSTMENT",
    "COUNT",
    "WRITE_OFF",
)


def _movement_kinds(kinds: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_stock_movement_movement_kind"), "stock_movement", type_="check")
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    op.create_check_constraint(
        op.f("ck_stock_movement_movement_kind"), "stock_movement", f"kind IN ({listed})"
    )


def upgrade() -> None:
    # A replacement handed over for a complaint is its own movement kind, not shrinkage.
    _movement_kinds((*_MOVEMENT_KINDS, "REPLACEMENT"))
    op.create_table(
        "complaint_route",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "PRODUCT_QUALITY",
                "SERVICE",
                "PRICE",
                "HYGIENE",
                "STOCK_OUT",
                "OTHER",
                name="complaint_category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("handler_id", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "set_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"], ["staff.id"], name=op.f("fk_complaint_route_handler_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_complaint_route_region_id_region")
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["staff.id"], name=op.f("fk_complaint_route_set_by_id_staff")
        ),
        sa.PrimaryKeyConstraint(
            "region_id", "category", "handler_id", name=op.f("pk_complaint_route")
        ),
    )
    op.create_table(
        "complaint_sla",
        sa.Column(
            "category",
            sa.Enum(
                "PRODUCT_QUALITY",
                "SERVICE",
                "PRICE",
                "HYGIENE",
                "STOCK_OUT",
                "OTHER",
                name="complaint_category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "first_response_minutes > 0 AND resolution_minutes >= first_response_minutes",
            name=op.f("ck_complaint_sla_targets_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["staff.id"], name=op.f("fk_complaint_sla_updated_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("category", name=op.f("pk_complaint_sla")),
    )
    op.create_table(
        "complaint",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "PRODUCT_QUALITY",
                "SERVICE",
                "PRICE",
                "HYGIENE",
                "STOCK_OUT",
                "OTHER",
                name="complaint_category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("receipt_no", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "OPEN",
                "ASSIGNED",
                "IN_PROGRESS",
                "RESOLVED",
                "CLOSED",
                "REOPENED",
                name="complaint_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("filed_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "filed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("first_response_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("first_response_breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_to_id", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "length(description) BETWEEN 1 AND 2000", name=op.f("ck_complaint_description_length")
        ),
        sa.CheckConstraint(
            "reopen_count >= 0", name=op.f("ck_complaint_reopen_count_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff.id"], name=op.f("fk_complaint_assignee_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["escalated_to_id"], ["staff.id"], name=op.f("fk_complaint_escalated_to_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["staff.id"], name=op.f("fk_complaint_filed_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_complaint_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_complaint_region_id_region")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_complaint_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
    )
    op.create_index(
        "ix_complaint_assignee_id_status", "complaint", ["assignee_id", "status"], unique=False
    )
    op.create_index("ix_complaint_filed_at", "complaint", ["filed_at"], unique=False)
    op.create_index(
        "ix_complaint_member_id_status", "complaint", ["member_id", "status"], unique=False
    )
    op.create_index("ix_complaint_region_id_id", "complaint", ["region_id", "id"], unique=False)
    op.create_index(
        "ix_complaint_store_id_status", "complaint", ["store_id", "status"], unique=False
    )
    op.create_table(
        "complaint_message",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("complaint_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_complaint_message_complaint_id_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_complaint_message_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_message")),
    )
    op.create_index(
        "ix_complaint_message_complaint_id_id",
        "complaint_message",
        ["complaint_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_complaint_message_due",
        "complaint_message",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.create_table(
        "complaint_pickup",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("complaint_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "COLLECTED",
                name="complaint_pickup_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("collected_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "quantity BETWEEN 1 AND 100", name=op.f("ck_complaint_pickup_quantity_range")
        ),
        sa.ForeignKeyConstraint(
            ["collected_by_id"],
            ["staff.id"],
            name=op.f("fk_complaint_pickup_collected_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_complaint_pickup_complaint_id_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_complaint_pickup_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_complaint_pickup_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_complaint_pickup_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_pickup")),
    )
    op.create_index(
        "ix_complaint_pickup_complaint_id", "complaint_pickup", ["complaint_id"], unique=False
    )
    op.create_index(
        "ix_complaint_pickup_member_id_status",
        "complaint_pickup",
        ["member_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_complaint_pickup_store_id_status",
        "complaint_pickup",
        ["store_id", "status"],
        unique=False,
    )
    op.create_table(
        "complaint_timeline",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("complaint_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "FILED",
                "ASSIGNED",
                "STARTED",
                "RESOLVED",
                "CLOSED",
                "REOPENED",
                "FIRST_RESPONSE_BREACHED",
                "RESOLUTION_BREACHED",
                "MESSAGE_DELIVERED",
                "REPLACEMENT_COLLECTED",
                name="complaint_timeline_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "OPEN",
                "ASSIGNED",
                "IN_PROGRESS",
                "RESOLVED",
                "CLOSED",
                "REOPENED",
                name="complaint_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("due_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff.id"], name=op.f("fk_complaint_timeline_actor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff.id"], name=op.f("fk_complaint_timeline_assignee_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_complaint_timeline_complaint_id_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_timeline")),
    )
    op.create_index(
        "ix_complaint_timeline_complaint_id_id",
        "complaint_timeline",
        ["complaint_id", "id"],
        unique=False,
    )
    op.create_table(
        "member_coupon",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("complaint_id", sa.BigInteger(), nullable=True),
        sa.Column("value_cents", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "value_cents BETWEEN 1 AND 100000", name=op.f("ck_member_coupon_value_range")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name=op.f("fk_member_coupon_complaint_id_complaint")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["staff.id"], name=op.f("fk_member_coupon_issued_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_member_coupon_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_coupon")),
    )
    op.create_index(
        "ix_member_coupon_member_id_expires_at",
        "member_coupon",
        ["member_id", "expires_at"],
        unique=False,
    )

    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION append_only()"
        )
    sla = sa.table(
        "complaint_sla",
        sa.column("category", sa.String),
        sa.column("first_response_minutes", sa.Integer),
        sa.column("resolution_minutes", sa.Integer),
    )
    op.bulk_insert(
        sla,
        [
            {
                "category": category,
                "first_response_minutes": DEFAULT_FIRST_RESPONSE_MINUTES,
                "resolution_minutes": DEFAULT_RESOLUTION_MINUTES,
            }
            for category in CATEGORIES
        ],
    )


def downgrade() -> None:
    for table in APPEND_ONLY_TABLES:
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.drop_index("ix_member_coupon_member_id_expires_at", table_name="member_coupon")
    op.drop_table("member_coupon")
    op.drop_index("ix_complaint_timeline_complaint_id_id", table_name="complaint_timeline")
    op.drop_table("complaint_timeline")
    op.drop_index("ix_complaint_pickup_store_id_status", table_name="complaint_pickup")
    op.drop_index("ix_complaint_pickup_member_id_status", table_name="complaint_pickup")
    op.drop_index("ix_complaint_pickup_complaint_id", table_name="complaint_pickup")
    op.drop_table("complaint_pickup")
    op.drop_index(
        "ix_complaint_message_due",
        table_name="complaint_message",
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.drop_index("ix_complaint_message_complaint_id_id", table_name="complaint_message")
    op.drop_table("complaint_message")
    op.drop_index("ix_complaint_store_id_status", table_name="complaint")
    op.drop_index("ix_complaint_region_id_id", table_name="complaint")
    op.drop_index("ix_complaint_member_id_status", table_name="complaint")
    op.drop_index("ix_complaint_filed_at", table_name="complaint")
    op.drop_index("ix_complaint_assignee_id_status", table_name="complaint")
    op.drop_table("complaint")
    op.drop_table("complaint_sla")
    op.drop_table("complaint_route")
    # Fails while REPLACEMENT movements exist: the ledger is append-only, so they are not
    # deleted to make a downgrade pass.
    _movement_kinds(_MOVEMENT_KINDS)
