"""Integrator tokens may be restricted to the trusted documents: a till's token runs only the
operations stored in operations/, as store staff do.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "auth_token",
        sa.Column(
            "trusted_documents_only", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )
    op.create_check_constraint(
        op.f("ck_auth_token_trusted_documents_only_api"),
        "auth_token",
        "kind = 'API' OR NOT trusted_documents_only",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_auth_token_trusted_documents_only_api"), "auth_token", type_="check"
    )
    op.drop_column("auth_token", "trusted_documents_only")
