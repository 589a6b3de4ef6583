"""Shifts, checklist templates (standards) and handovers.

Template versions and their items reuse 0002's append_only() trigger function: a version is
never changed once written (a change is a new version), so shifts that copied it stay true.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_TABLES = ("checklist_template_version", "checklist_item")


def _created_at(name: str = "created_at") -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _kind_enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "checklist_template",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _created_at(),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "code ~ '^[A-Z0-9-]{2,64}$'", name=op.f("ck_checklist_template_code_format")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_checklist_template_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["retired_by_id"], ["staff.id"], name=op.f("fk_checklist_template_retired_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_template")),
        sa.UniqueConstraint("code", name=op.f("uq_checklist_template_code")),
    )
    op.create_table(
        "checklist_template_version",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("store_types", sa.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("region_codes", sa.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("shift_kinds", sa.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _created_at(),
        sa.CheckConstraint(
            "version > 0", name=op.f("ck_checklist_template_version_version_positive")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff.id"],
            name=op.f("fk_checklist_template_version_created_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_template.id"],
            name=op.f("fk_checklist_template_version_template_id_checklist_template"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_template_version")),
        sa.UniqueConstraint("template_id", "version", name="uq_checklist_template_version"),
    )
    op.create_table(
        "checklist_item",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("requires_photo", sa.Boolean(), nullable=False),
        sa.Column("requires_note", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["checklist_template_version.id"],
            name=op.f("fk_checklist_item_version_id_checklist_template_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_item")),
        sa.UniqueConstraint("version_id", "position", name="uq_checklist_item_version_position"),
    )
    op.create_table(
        "shift",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("kind", _kind_enum("shift_kind", "OPENING", "MIDDAY", "CLOSING"), nullable=False),
        sa.Column(
            "status",
            _kind_enum("shift_status", "OPEN", "ENDED", "HANDED_OVER", "ACCEPTED"),
            nullable=False,
        ),
        _created_at("started_at"),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handed_over_by_id", sa.Integer(), nullable=True),
        sa.Column("summary", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("todos", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'ACCEPTED') = (accepted_at IS NOT NULL)",
            name=op.f("ck_shift_accepted_when_accepted"),
        ),
        sa.CheckConstraint(
            "(status = 'OPEN') = (ended_at IS NULL)",
            name=op.f("ck_shift_ended_exactly_when_not_open"),
        ),
        sa.CheckConstraint("window_end > window_start", name=op.f("ck_shift_window_ordered")),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["staff.id"], name=op.f("fk_shift_accepted_by_id_staff")
        ),
        sa.ForeignKeyConstraint(["clerk_id"], ["staff.id"], name=op.f("fk_shift_clerk_id_staff")),
        sa.ForeignKeyConstraint(
            ["handed_over_by_id"], ["staff.id"], name=op.f("fk_shift_handed_over_by_id_staff")
        ),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name=op.f("fk_shift_store_id_store")),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_shift")),
    )
    op.create_index("ix_shift_clerk_id_status", "shift", ["clerk_id", "status"])
    op.create_index("ix_shift_id", "shift", ["id"])
    op.create_index("ix_shift_store_id_started_at", "shift", ["store_id", "started_at"])
    op.create_index(
        "uq_shift_open_clerk",
        "shift",
        ["store_id", "clerk_id"],
        unique=True,
        postgresql_where=sa.text("status = 'OPEN'"),
    )
    op.create_table(
        "shift_item",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("template_version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("requires_photo", sa.Boolean(), nullable=False),
        sa.Column("requires_note", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["staff.id"], name=op.f("fk_shift_item_done_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["checklist_item.id"], name=op.f("fk_shift_item_item_id_checklist_item")
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "shift_id"], ["shift.store_id", "shift.id"], name="fk_shift_item_shift"
        ),
        sa.ForeignKeyConstraint(
            ["template_version_id"],
            ["checklist_template_version.id"],
            name=op.f("fk_shift_item_template_version_id_checklist_template_version"),
        ),
        sa.PrimaryKeyConstraint("store_id", "shift_id", "item_id", name=op.f("pk_shift_item")),
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


def downgrade() -> None:
    for table in APPEND_ONLY_TABLES:
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.drop_table("shift_item")
    op.drop_index("uq_shift_open_clerk", table_name="shift")
    op.drop_index("ix_shift_store_id_started_at", table_name="shift")
    op.drop_index("ix_shift_id", table_name="shift")
    op.drop_index("ix_shift_clerk_id_status", table_name="shift")
    op.drop_table("shift")
    op.drop_table("checklist_item")
    op.drop_table("checklist_template_version")
    op.drop_table("checklist_template")
