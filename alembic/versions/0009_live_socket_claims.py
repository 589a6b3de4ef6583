"""Live-feed sockets are capped per token across worker processes: each open socket holds a
claim row that the cap counts.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_socket_claim",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "opened_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "seen_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["auth_token.id"],
            name=op.f("fk_live_socket_claim_token_id_auth_token"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_socket_claim")),
    )
    op.create_index(
        op.f("ix_live_socket_claim_token_id"), "live_socket_claim", ["token_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_live_socket_claim_token_id"), table_name="live_socket_claim")
    op.drop_table("live_socket_claim")
