"""Product pinyin initials for the stock search ("blg" finds 板蓝根), backfilled from the names.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.pinyin import initials

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "product",
        sa.Column("pinyin_initials", sa.String(length=64), server_default="", nullable=False),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name FROM product")).all()
    updates = [{"id": r.id, "initials": initials(r.name)} for r in rows]
    if updates:
        bind.execute(
            sa.text("UPDATE product SET pinyin_initials = :initials WHERE id = :id"), updates
        )


def downgrade() -> None:
    op.drop_column("product", "pinyin_initials")
