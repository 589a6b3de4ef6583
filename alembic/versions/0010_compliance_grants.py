"""Granting HQ_COMPLIANCE takes a second person: pending grants, confirmed by another HQ
compliance member or on the server; the PII access log records grants as well as reveals.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "compliance_grant",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "requested_by_id <> staff_id", name=op.f("ck_compliance_grant_not_self_requested")
        ),
        sa.CheckConstraint(
            "confirmed_by_id IS NULL OR (confirmed_at IS NOT NULL "
            "AND confirmed_by_id <> requested_by_id AND confirmed_by_id <> staff_id)",
            name=op.f("ck_compliance_grant_second_person"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_compliance_grant_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["staff.id"],
            name=op.f("fk_compliance_grant_requested_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["staff.id"],
            name=op.f("fk_compliance_grant_confirmed_by_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_grant")),
    )
    op.create_index(
        op.f("ix_compliance_grant_staff_id"), "compliance_grant", ["staff_id"], unique=False
    )
    op.create_index(
        "uq_compliance_grant_pending_staff_id",
        "compliance_grant",
        ["staff_id"],
        unique=True,
        postgresql_where=sa.text("confirmed_at IS NULL"),
    )
    op.alter_column("pii_access_log", "staff_id", existing_type=sa.Integer(), nullable=True)
    op.alter_column("pii_access_log", "member_id", existing_type=sa.BigInteger(), nullable=True)
    op.add_column("pii_access_log", sa.Column("subject_staff_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_pii_access_log_subject_staff_id_staff"),
        "pii_access_log",
        "staff",
        ["subject_staff_id"],
        ["id"],
    )
    op.create_check_constraint(
        op.f("ck_pii_access_log_one_subject"),
        "pii_access_log",
        "num_nonnulls(member_id, subject_staff_id) = 1",
    )
    op.create_check_constraint(
        op.f("ck_pii_access_log_reader_named"),
        "pii_access_log",
        "staff_id IS NOT NULL OR member_id IS NULL",
    )


def downgrade() -> None:
    # Grant entries have no member: they go with the grants (the log is append-only for the
    # application; a downgrade is the operator's own step).
    op.execute("ALTER TABLE pii_access_log DISABLE TRIGGER USER")
    op.execute("DELETE FROM pii_access_log WHERE member_id IS NULL")
    op.execute("ALTER TABLE pii_access_log ENABLE TRIGGER USER")
    op.drop_constraint(op.f("ck_pii_access_log_reader_named"), "pii_access_log", type_="check")
    op.drop_constraint(op.f("ck_pii_access_log_one_subject"), "pii_access_log", type_="check")
    op.drop_constraint(
        op.f("fk_pii_access_log_subject_staff_id_staff"), "pii_access_log", type_="foreignkey"
    )
    op.drop_column("pii_access_log", "subject_staff_id")
    op.alter_column("pii_access_log", "member_id", existing_type=sa.BigInteger(), nullable=False)
    op.alter_column("pii_access_log", "staff_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("uq_compliance_grant_pending_staff_id", table_name="compliance_grant")
    op.drop_index(op.f("ix_compliance_grant_staff_id"), table_name="compliance_grant")
    op.drop_table("compliance_grant")
