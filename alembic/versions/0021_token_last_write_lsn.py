"""auth_token.last_write_lsn: the primary's WAL position after the token's last committed write,
so every worker process sends that token's lag-tolerant reads to the primary until the read
replica has replayed past it (read-your-writes, api/read_replica.py).

A bigint (the position's byte offset, `pg_lsn - '0/0'`), not pg_lsn: the app compares
positions as integers already, and SQLAlchemy has no pg_lsn type, so the models would need a
custom one for Alembic to compare. Nullable: a token that never wrote (or wrote with no replica
configured) has none. `'0/0'::pg_lsn + last_write_lsn` shows it as an LSN in psql.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("auth_token", sa.Column("last_write_lsn", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("auth_token", "last_write_lsn")
