"""Phone look-ups that match nobody count toward the look-up ceilings: `member_view` rows name
either a member or the keyed digest of an unknown number tried (never the number itself).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "member_view", sa.Column("missed_phone_digest", sa.LargeBinary(length=32), nullable=True)
    )
    op.alter_column("member_view", "member_id", existing_type=sa.BigInteger(), nullable=True)
    op.create_check_constraint(
        op.f("ck_member_view_one_subject"),
        "member_view",
        "num_nonnulls(member_id, missed_phone_digest) = 1",
    )


def downgrade() -> None:
    # Misses name no member and cannot stay once member_id is required again.
    op.execute("DELETE FROM member_view WHERE member_id IS NULL")
    op.drop_constraint(op.f("ck_member_view_one_subject"), "member_view", type_="check")
    op.alter_column("member_view", "member_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_column("member_view", "missed_phone_digest")
