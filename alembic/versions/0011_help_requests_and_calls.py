"""Help requests from stores to HQ (with a photo as HELP_REQUEST evidence), and customer calls
placed through the masked-number bridge.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUBJECTS = ("SHIFT", "COMPLAINT", "PROMOTION")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _subject_check(values: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_photo_attachment_photo_subject"), "photo_attachment", type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(
        op.f("ck_photo_attachment_photo_subject"),
        "photo_attachment",
        f"subject IN ({listed})",
    )


def upgrade() -> None:
    op.create_table(
        "help_request",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", _enum("help_request_status", "OPEN", "ANSWERED"), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(note) BETWEEN 1 AND 1000", name=op.f("ck_help_request_note_length")
        ),
        sa.CheckConstraint(
            "(status = 'OPEN' AND answer IS NULL AND answered_by_id IS NULL "
            "AND answered_at IS NULL) OR (status = 'ANSWERED' AND length(answer) BETWEEN 1 "
            "AND 2000 AND answered_by_id IS NOT NULL AND answered_at IS NOT NULL)",
            name=op.f("ck_help_request_answered_in_full"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_help_request_store_id_store")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_help_request_region_id_region")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["staff.id"],
            name=op.f("fk_help_request_requested_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["staff.id"], name=op.f("fk_help_request_answered_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_request")),
    )
    op.create_index("ix_help_request_status_id", "help_request", ["status", "id"])
    op.create_index(
        "ix_help_request_store_id_status_id", "help_request", ["store_id", "status", "id"]
    )
    op.create_index(
        "ix_help_request_region_id_status_id", "help_request", ["region_id", "status", "id"]
    )

    op.create_table(
        "customer_call",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("complaint_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("access_log_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            _enum("customer_call_status", "PLACING", "CONNECTING", "RECORDED", "FAILED"),
            nullable=False,
        ),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_call_id", sa.String(length=128), nullable=True),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "length(reason) BETWEEN 5 AND 200", name=op.f("ck_customer_call_reason_length")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_customer_call_complaint_id_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_customer_call_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_customer_call_store_id_store")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_customer_call_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_call")),
    )
    op.create_index(
        "ix_customer_call_staff_id_requested_at", "customer_call", ["staff_id", "requested_at"]
    )
    op.create_index("ix_customer_call_complaint_id_id", "customer_call", ["complaint_id", "id"])

    _subject_check((*_SUBJECTS, "HELP_REQUEST"))


def downgrade() -> None:
    op.execute("DELETE FROM photo_attachment WHERE subject = 'HELP_REQUEST'")
    _subject_check(_SUBJECTS)
    op.drop_table("customer_call")
    op.drop_table("help_request")
