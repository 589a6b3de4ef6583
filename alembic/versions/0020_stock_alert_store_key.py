"""stock_alert keyed by (store_id, id): its rows are a store's, so a store-distributed
database can keep them with the store's stock (docs/scale.md, "Distribution").

Alerts are still looked up by their id alone (node ids, the alert list's cursor), so that keeps
an index of its own; ids come only from the identity sequence, so the wider key loses no
uniqueness.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 16:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE stock_alert DROP CONSTRAINT pk_stock_alert")
    op.execute("ALTER TABLE stock_alert ADD CONSTRAINT pk_stock_alert PRIMARY KEY (store_id, id)")
    op.create_index("ix_stock_alert_id", "stock_alert", ["id"])


def downgrade() -> None:
    op.drop_index("ix_stock_alert_id", table_name="stock_alert")
    op.execute("ALTER TABLE stock_alert DROP CONSTRAINT pk_stock_alert")
    op.execute("ALTER TABLE stock_alert ADD CONSTRAINT pk_stock_alert PRIMARY KEY (id)")
