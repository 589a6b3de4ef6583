"""Staff, store and KPI analytics: survey answers (NPS and customer ratings), promoted receipts
and closing stock in the rollups, training tasks, the good-practice case library, analytics
settings (HQ's reward rule), and the channel (APP, POS, API) of enrolments, handovers,
complaints and stock movements.

The channel columns default to the transaction's `chainstore.channel` setting (set by the API
from the trusted document's client, api/channel.py), else 'API': every existing write path keeps
working unchanged and records where it came from. A handover is an UPDATE of its shift, so a
trigger stamps `handover_channel` when `handed_over_by_id` is first set.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL_DEFAULT = "coalesce(nullif(current_setting('chainstore.channel', true), ''), 'API')"
_CHANNEL_TABLES = ("member", "complaint", "stock_movement")


def _channel_check(table: str, column: str = "channel") -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"{column} IN ('APP', 'POS', 'API')", name=op.f(f"ck_{table}_{column}_known")
    )


def upgrade() -> None:
    op.create_table(
        "survey_answer",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("receipt_no", sa.String(64), nullable=True),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("complaint_id", sa.BigInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(8), server_default=sa.text(CHANNEL_DEFAULT), nullable=False),
        sa.Column(
            "answered_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("score BETWEEN 0 AND 10", name=op.f("ck_survey_answer_score_0_10")),
        _channel_check("survey_answer"),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_survey_answer_store_id_store")
        ),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["staff.id"], name=op.f("fk_survey_answer_clerk_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_survey_answer_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name=op.f("fk_survey_answer_complaint_id_complaint")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_survey_answer_recorded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answer")),
    )
    op.create_index(
        "ix_survey_answer_store_id_answered_at", "survey_answer", ["store_id", "answered_at"]
    )

    op.add_column(
        "clerk_monthly",
        sa.Column("promoted_transactions", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("sales_daily", sa.Column("closing_on_hand", sa.BigInteger(), nullable=True))

    op.create_table(
        "training_task",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), server_default="OPEN", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('OPEN', 'DONE')", name=op.f("ck_training_task_status")),
        sa.CheckConstraint(
            "(status = 'DONE') = (done_at IS NOT NULL)", name=op.f("ck_training_task_done_at")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_training_task_store_id_store")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_training_task_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["staff.id"], name=op.f("fk_training_task_done_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_task")),
        sa.UniqueConstraint("staff_id", "month", name=op.f("uq_training_task_staff_id_month")),
    )
    op.create_table(
        "good_practice",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_good_practice_store_id_store")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_good_practice_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["staff.id"], name=op.f("fk_good_practice_published_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_good_practice")),
    )
    op.create_table(
        "analytics_setting",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", postgresql.JSONB(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "set_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["staff.id"], name=op.f("fk_analytics_setting_set_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_analytics_setting")),
    )

    for table in _CHANNEL_TABLES:
        op.add_column(
            table,
            sa.Column(
                "channel", sa.String(8), server_default=sa.text(CHANNEL_DEFAULT), nullable=False
            ),
        )
        op.create_check_constraint(
            op.f(f"ck_{table}_channel_known"), table, "channel IN ('APP', 'POS', 'API')"
        )
    op.create_index(
        "ix_stock_movement_counts",
        "stock_movement",
        ["store_id", "occurred_at"],
        postgresql_where=sa.text("kind = 'COUNT'"),
    )
    op.add_column("shift", sa.Column("handover_channel", sa.String(8), nullable=True))
    op.execute(
        f"""
        CREATE FUNCTION shift_handover_channel() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.handed_over_by_id IS NOT NULL AND OLD.handed_over_by_id IS NULL THEN
            NEW.handover_channel := {CHANNEL_DEFAULT};
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER shift_handover_channel BEFORE UPDATE OF handed_over_by_id ON shift
          FOR EACH ROW EXECUTE FUNCTION shift_handover_channel();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER shift_handover_channel ON shift")
    op.execute("DROP FUNCTION shift_handover_channel()")
    op.drop_column("shift", "handover_channel")
    op.drop_index("ix_stock_movement_counts", table_name="stock_movement")
    for table in _CHANNEL_TABLES:
        op.drop_column(table, "channel")
    op.drop_table("analytics_setting")
    op.drop_table("good_practice")
    op.drop_table("training_task")
    op.drop_column("sales_daily", "closing_on_hand")
    op.drop_column("clerk_monthly", "promoted_transactions")
    op.drop_index("ix_survey_answer_store_id_answered_at", table_name="survey_answer")
    op.drop_table("survey_answer")
