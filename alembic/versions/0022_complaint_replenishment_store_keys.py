"""complaint, its child tables and replenishment orders keyed by (store_id, id), as 0020 did
for stock_alert: a store's complaints, their timelines, messages, calls and survey answers, and
its replenishment orders and lines, then distribute with the store (docs/scale.md,
"Distribution"). Foreign keys between them join on (store_id, id).

Ids stay identity columns, unique on their own, so node ids and look-ups by id keep working
through an index on id of each table. complaint_timeline, complaint_message and
replenishment_line get store_id (their parent's, backfilled); complaint_pickup's store_id is
where the replacement is collected (its stock moves there), so it names its complaint by
complaint_store_id, as member_coupon does (a member's coupon; distributed by member).

Expand for the previous release (docs/operations.md): it inserts child rows without the new
columns, so a BEFORE INSERT trigger fills them from the parent when they are NULL; and its
replenishment drafting says ON CONFLICT (order_id, product_id), so that unique index stays
beside the new key. The contract migration, once no previous release runs, drops both (and
they must go before create_distributed_table).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

from alembic import op

# ruff: noqa: S608 - every name spliced into SQL here is a constant of this file.

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables keyed by (store_id, id); each keeps an index on id for look-ups by id alone.
KEYED = (
    "complaint",
    "complaint_timeline",
    "complaint_message",
    "complaint_pickup",
    "customer_call",
    "survey_answer",
    "replenishment_order",
)

# (table, new column, parent, the row's column naming the parent, nullable): the parent's
# store, backfilled, and filled on insert for the previous release.
ADDED = (
    ("complaint_timeline", "store_id", "complaint", "complaint_id", False),
    ("complaint_message", "store_id", "complaint", "complaint_id", False),
    ("complaint_pickup", "complaint_store_id", "complaint", "complaint_id", False),
    ("member_coupon", "complaint_store_id", "complaint", "complaint_id", True),
    ("replenishment_line", "store_id", "replenishment_order", "order_id", False),
)

# (table, parent, the old key's column, the new key's columns): each joins on the parent's
# (store_id, id); named fk_<table>_<parent> (fk_replenishment_line_order).
FOREIGN_KEYS = (
    ("complaint_timeline", "complaint", "complaint_id", ("store_id", "complaint_id")),
    ("complaint_message", "complaint", "complaint_id", ("store_id", "complaint_id")),
    ("complaint_pickup", "complaint", "complaint_id", ("complaint_store_id", "complaint_id")),
    ("customer_call", "complaint", "complaint_id", ("store_id", "complaint_id")),
    ("survey_answer", "complaint", "complaint_id", ("store_id", "complaint_id")),
    ("member_coupon", "complaint", "complaint_id", ("complaint_store_id", "complaint_id")),
    ("replenishment_line", "replenishment_order", "order_id", ("store_id", "order_id")),
)

FILL_FUNCTION = """
CREATE FUNCTION fill_store_id_from_parent() RETURNS trigger LANGUAGE plpgsql AS $$
-- TG_ARGV: the parent table, the row's column naming the parent, the row's store column.
-- The previous release's inserts leave the store column NULL (alembic 0022).
DECLARE
  fields jsonb := to_jsonb(NEW);
  parent_store integer;
BEGIN
  IF fields ->> TG_ARGV[2] IS NULL AND fields ->> TG_ARGV[1] IS NOT NULL THEN
    EXECUTE format('SELECT store_id FROM %I WHERE id = $1', TG_ARGV[0])
       INTO parent_store USING (fields ->> TG_ARGV[1])::bigint;
    NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[2], parent_store));
  END IF;
  RETURN NEW;
END
$$
"""


def _fk_name(table: str, parent: str) -> str:
    return f"fk_{table}_{'order' if parent == 'replenishment_order' else parent}"


def _set_primary_key(table: str, columns: str) -> None:
    op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({columns})")


def upgrade() -> None:
    for table, parent, column, _ in FOREIGN_KEYS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT fk_{table}_{column}_{parent}")
    op.execute(FILL_FUNCTION)
    op.execute("ALTER TABLE complaint_timeline DISABLE TRIGGER complaint_timeline_append_only")
    for table, added, parent, column, nullable in ADDED:
        op.execute(f"ALTER TABLE {table} ADD COLUMN {added} integer")
        op.execute(
            f"UPDATE {table} t SET {added} = p.store_id FROM {parent} p WHERE p.id = t.{column}"
        )
        if not nullable:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {added} SET NOT NULL")
        op.execute(
            f"CREATE TRIGGER {table}_fill_{added} BEFORE INSERT ON {table} FOR EACH ROW"
            f" EXECUTE FUNCTION fill_store_id_from_parent('{parent}', '{column}', '{added}')"
        )
    op.execute("ALTER TABLE complaint_timeline ENABLE TRIGGER complaint_timeline_append_only")
    op.execute(
        "ALTER TABLE member_coupon ADD CONSTRAINT ck_member_coupon_complaint_named"
        " CHECK (num_nonnulls(complaint_store_id, complaint_id) IN (0, 2))"
    )

    for table in KEYED:
        _set_primary_key(table, "store_id, id")
        op.create_index(f"ix_{table}_id", table, ["id"])
    op.drop_index("ix_replenishment_order_store_id", table_name="replenishment_order")
    _set_primary_key("replenishment_line", "store_id, order_id, product_id")
    # The previous release's ON CONFLICT (order_id, product_id); the contract drops it.
    op.create_index(
        "uq_replenishment_line_order_id_product_id",
        "replenishment_line",
        ["order_id", "product_id"],
        unique=True,
    )
    for table, parent, _, columns in FOREIGN_KEYS:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {_fk_name(table, parent)}"
            f" FOREIGN KEY ({', '.join(columns)}) REFERENCES {parent} (store_id, id)"
        )


def downgrade() -> None:
    for table, parent, _, _ in FOREIGN_KEYS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_fk_name(table, parent)}")
    op.drop_index("uq_replenishment_line_order_id_product_id", table_name="replenishment_line")
    _set_primary_key("replenishment_line", "order_id, product_id")
    op.create_index("ix_replenishment_order_store_id", "replenishment_order", ["store_id"])
    for table in KEYED:
        op.drop_index(f"ix_{table}_id", table_name=table)
        _set_primary_key(table, "id")

    op.execute("ALTER TABLE member_coupon DROP CONSTRAINT ck_member_coupon_complaint_named")
    for table, added, _, _, _ in ADDED:
        op.execute(f"DROP TRIGGER {table}_fill_{added} ON {table}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {added}")
    op.execute("DROP FUNCTION fill_store_id_from_parent()")
    for table, parent, column, _ in FOREIGN_KEYS:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_{column}_{parent}"
            f" FOREIGN KEY ({column}) REFERENCES {parent} (id)"
        )
