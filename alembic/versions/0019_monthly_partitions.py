"""Sales, sale lines, stock movements, events and the points ledger partitioned by month.

Each table becomes a declarative RANGE-partitioned table on its timestamp (no extension: runs
on PostgreSQL 15 and 18), with one partition per month from the oldest row's month (or twelve
months back, for history imports) to three months ahead, and a DEFAULT partition for rows
outside those (a till with a wrong clock, an old import); `chainstore worker` keeps creating
months ahead and detaches old ones (api/ops/partitions.py).

PostgreSQL requires a partitioned table's primary and unique keys to include the partition
key, so:
- sale: (store_id, id, sold_at). Receipt idempotency (one sale per store x receipt number,
  whatever its time) moves to `sale_receipt`, a plain table keyed (store_id, receipt_no): the
  sale is recorded by claiming its receipt there first (ON CONFLICT DO NOTHING), and a trigger
  on sale claims it for any other writer (the history import, tests), refusing a second sale
  with the same receipt. Returns and redeemed coupons reference `sale_receipt (store_id,
  sale_id)`, which names exactly one sale, so their columns stay as they are.
- sale_line gains sold_at (its sale's) and is partitioned with it: PK (store_id, sale_id,
  line_no, sold_at), FK (store_id, sale_id, sold_at) -> sale; a sale and its lines share a month.
- stock_movement: (store_id, id, occurred_at); event: (id, occurred_at); points_ledger:
  (member_id, id, occurred_at). Their ids come only from their identity sequence (no writer
  gives one), so the time column adds nothing to uniqueness and takes none away.
- points_ledger's three partial unique indexes (one EARN and one REDEEM per sale, one
  REVERSE_EARN per return) move to `points_ledger_claim`, filled by a trigger on insert, so
  a second entry for the same sale or return still fails with a unique violation.

The append-only triggers are recreated on the partitioned tables (row triggers reach every
partition; the TRUNCATE one is put on each partition too, since statement triggers are not
inherited). The migration keeps each table's grants and moves its rows; the identity
sequence keeps its name and continues after the highest id.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 15:20:00
"""

# ruff: noqa: S608 - every name spliced into SQL here is a constant of this file.
from collections.abc import Sequence
from dataclasses import dataclass, field

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONTHS_BACK = 12
MONTHS_AHEAD = 3


@dataclass(frozen=True)
class Layout:
    """What one table's keys, indexes and inbound foreign keys are, before or after."""

    table: str
    pk: str
    indexes: tuple[str, ...]  # CREATE INDEX statements
    inbound: tuple[str, ...] = ()  # ALTER TABLE ... ADD CONSTRAINT for FKs pointing here
    inbound_names: tuple[tuple[str, str], ...] = ()  # (table, constraint) to drop first
    partition_key: str | None = None
    triggers: tuple[str, ...] = ()
    append_only: bool = False
    extra: tuple[str, ...] = field(default=())  # statements after the table exists


_SALE_FK_NAMES = (
    ("sale_line", "fk_sale_line_sale"),
    ("sale_return", "fk_sale_return_original_sale"),
    ("member_coupon", "fk_member_coupon_redeemed_sale"),
)

NEW = (
    Layout(
        "sale",
        "PRIMARY KEY (store_id, id, sold_at)",
        (
            "CREATE INDEX ix_sale_store_id_sold_at ON sale (store_id, sold_at)",
            "CREATE INDEX ix_sale_member_id_sold_at ON sale (member_id, sold_at)",
            "CREATE INDEX ix_sale_store_id_receipt_no ON sale (store_id, receipt_no)",
        ),
        inbound=(
            "ALTER TABLE sale_return ADD CONSTRAINT fk_sale_return_original_sale FOREIGN KEY"
            " (original_store_id, original_sale_id) REFERENCES sale_receipt (store_id, sale_id)",
            "ALTER TABLE member_coupon ADD CONSTRAINT fk_member_coupon_redeemed_sale FOREIGN KEY"
            " (redeemed_store_id, redeemed_sale_id) REFERENCES sale_receipt (store_id, sale_id)",
        ),
        inbound_names=_SALE_FK_NAMES,
        partition_key="sold_at",
        triggers=(
            "CREATE TRIGGER sale_claim_receipt AFTER INSERT ON sale"
            " FOR EACH ROW EXECUTE FUNCTION sale_claim_receipt()",
            "CREATE TRIGGER sale_receipt_fixed BEFORE UPDATE OF store_id, receipt_no, sold_at"
            " ON sale FOR EACH ROW EXECUTE FUNCTION sale_receipt_fixed()",
        ),
    ),
    Layout(
        "sale_line",
        "PRIMARY KEY (store_id, sale_id, line_no, sold_at)",
        ("CREATE INDEX ix_sale_line_product_id ON sale_line (product_id)",),
        inbound=(
            "ALTER TABLE sale_line ADD CONSTRAINT fk_sale_line_sale FOREIGN KEY"
            " (store_id, sale_id, sold_at) REFERENCES sale (store_id, id, sold_at)",
        ),
        partition_key="sold_at",
    ),
    Layout(
        "stock_movement",
        "PRIMARY KEY (store_id, id, occurred_at)",
        (
            "CREATE INDEX ix_stock_movement_store_id_product_id"
            " ON stock_movement (store_id, product_id, id)",
            "CREATE INDEX ix_stock_movement_counts ON stock_movement (store_id, occurred_at)"
            " WHERE kind = 'COUNT'",
            "CREATE INDEX ix_stock_movement_reference"
            " ON stock_movement (reference_type, reference_id)",
        ),
        partition_key="occurred_at",
        append_only=True,
    ),
    Layout(
        "event",
        "PRIMARY KEY (id, occurred_at)",
        (
            "CREATE INDEX ix_event_kind_id ON event (kind, id)",
            "CREATE INDEX ix_event_store_id_id ON event (store_id, id)",
        ),
        partition_key="occurred_at",
    ),
    Layout(
        "points_ledger",
        "PRIMARY KEY (member_id, id, occurred_at)",
        ("CREATE INDEX ix_points_ledger_member_id_id ON points_ledger (member_id, id)",),
        partition_key="occurred_at",
        append_only=True,
        triggers=(
            "CREATE TRIGGER points_ledger_claim AFTER INSERT ON points_ledger FOR EACH ROW"
            " WHEN (NEW.kind IN ('EARN', 'REDEEM', 'REVERSE_EARN'))"
            " EXECUTE FUNCTION points_ledger_claim()",
        ),
    ),
)

OLD = (
    Layout(
        "sale",
        "PRIMARY KEY (store_id, id)",
        (
            "CREATE INDEX ix_sale_store_id_sold_at ON sale (store_id, sold_at)",
            "CREATE INDEX ix_sale_member_id_sold_at ON sale (member_id, sold_at)",
        ),
        inbound=(
            "ALTER TABLE sale_return ADD CONSTRAINT fk_sale_return_original_sale FOREIGN KEY"
            " (original_store_id, original_sale_id) REFERENCES sale (store_id, id)",
            "ALTER TABLE member_coupon ADD CONSTRAINT fk_member_coupon_redeemed_sale FOREIGN KEY"
            " (redeemed_store_id, redeemed_sale_id) REFERENCES sale (store_id, id)",
        ),
        inbound_names=_SALE_FK_NAMES,
        extra=(
            "ALTER TABLE sale ADD CONSTRAINT uq_sale_store_id_receipt_no"
            " UNIQUE (store_id, receipt_no)",
        ),
    ),
    Layout(
        "sale_line",
        "PRIMARY KEY (store_id, sale_id, line_no)",
        ("CREATE INDEX ix_sale_line_product_id ON sale_line (product_id)",),
        inbound=(
            "ALTER TABLE sale_line ADD CONSTRAINT fk_sale_line_sale FOREIGN KEY"
            " (store_id, sale_id) REFERENCES sale (store_id, id)",
        ),
    ),
    Layout(
        "stock_movement",
        "PRIMARY KEY (store_id, id)",
        NEW[2].indexes,
        append_only=True,
    ),
    Layout("event", "PRIMARY KEY (id)", NEW[3].indexes),
    Layout(
        "points_ledger",
        "PRIMARY KEY (id)",
        (
            *NEW[4].indexes,
            "CREATE UNIQUE INDEX uq_points_ledger_earn_sale ON points_ledger"
            " (sale_store_id, sale_id) WHERE kind = 'EARN'",
            "CREATE UNIQUE INDEX uq_points_ledger_redeem_sale ON points_ledger"
            " (sale_store_id, sale_id) WHERE kind = 'REDEEM'",
            "CREATE UNIQUE INDEX uq_points_ledger_reverse_return ON points_ledger"
            " (return_store_id, return_id) WHERE kind = 'REVERSE_EARN'",
        ),
        append_only=True,
    ),
)

_CLAIM_RECEIPT = """
CREATE FUNCTION sale_claim_receipt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- record_sale claimed it already (one index probe); anyone else claims it here, and a
  -- second sale with the receipt fails on pk_sale_receipt, as on the old UNIQUE constraint.
  PERFORM 1 FROM sale_receipt
   WHERE store_id = NEW.store_id AND receipt_no = NEW.receipt_no AND sale_id = NEW.id;
  IF NOT FOUND THEN
    INSERT INTO sale_receipt (store_id, receipt_no, sale_id, sold_at)
    VALUES (NEW.store_id, NEW.receipt_no, NEW.id, NEW.sold_at);
  END IF;
  RETURN NULL;
END
$$
"""

_RECEIPT_FIXED = """
CREATE FUNCTION sale_receipt_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a sale''s store, receipt number and time are fixed once recorded'
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""

_CLAIM_POINTS = """
CREATE FUNCTION points_ledger_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'REVERSE_EARN' THEN
    IF NEW.return_id IS NOT NULL THEN
      INSERT INTO points_ledger_claim (kind, store_id, document_id, entry_id)
      VALUES (NEW.kind, NEW.return_store_id, NEW.return_id, NEW.id);
    END IF;
  ELSIF NEW.sale_id IS NOT NULL THEN
    INSERT INTO points_ledger_claim (kind, store_id, document_id, entry_id)
    VALUES (NEW.kind, NEW.sale_store_id, NEW.sale_id, NEW.id);
  END IF;
  RETURN NULL;
END
$$
"""


def _months_sql(table: str, key: str) -> str:
    """First days of the months to create: the oldest row's (or MONTHS_BACK ago) to ahead.
    Sale lines follow their sales (moved first)."""
    source = "sale" if table == "sale_line" else f"{table}_before"
    this_month = "date_trunc('month', now() AT TIME ZONE 'UTC')"
    return f"""
      SELECT generate_series(
               least(date_trunc('month', (SELECT min({key}) FROM {source}) AT TIME ZONE 'UTC'),
                     {this_month} - interval '{MONTHS_BACK} months'),
               {this_month} + interval '{MONTHS_AHEAD} months',
               interval '1 month')::date
    """


def _set_aside(layout: Layout) -> None:
    """Rename the table, its indexes and its identity sequence out of the way."""
    t = layout.table
    for table, name in layout.inbound_names:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
    op.execute(f"ALTER TABLE {t} RENAME TO {t}_before")
    op.execute(
        f"""
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                    WHERE i.indrelid = '{t}_before'::regclass LOOP
            EXECUTE format('ALTER INDEX %I RENAME TO %I', r.relname, 'b_' || r.relname);
          END LOOP;
        END $$
        """
    )
    op.execute(f"ALTER SEQUENCE IF EXISTS {t}_id_seq RENAME TO {t}_before_id_seq")


def _build(layout: Layout, columns_from: str, *, plain: bool) -> None:
    t = layout.table
    partition = "" if plain else f" PARTITION BY RANGE ({layout.partition_key})"
    # A sale line carries its sale's time, the key both are partitioned by.
    sold_at = ", sold_at timestamp with time zone NOT NULL" if t == "sale_line" else ""
    op.execute(
        f"CREATE TABLE {t} (LIKE {t}_before INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
        f" INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS"
        f"{'' if plain else sold_at}){partition}"
    )
    if t == "sale_line" and plain:
        op.execute("ALTER TABLE sale_line DROP COLUMN sold_at")
    # Outbound foreign keys (to stores, products, staff, members...) come across by name.
    op.execute(
        f"""
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
                    WHERE conrelid = '{t}_before'::regclass AND contype = 'f' AND conparentid = 0
                      AND confrelid::regclass::text NOT IN ('sale', 'sale_before') LOOP
            EXECUTE format('ALTER TABLE {t} ADD CONSTRAINT %I %s', r.conname, r.def);
          END LOOP;
        END $$
        """
    )
    op.execute(f"ALTER TABLE {t} ADD CONSTRAINT pk_{t} {layout.pk}")
    if not plain:
        key = layout.partition_key
        op.execute(
            f"""
            DO $$
            DECLARE m date;
            BEGIN
              FOR m IN {_months_sql(t, str(key))} LOOP
                EXECUTE format(
                  'CREATE TABLE %I PARTITION OF {t} FOR VALUES FROM (%L) TO (%L)',
                  '{t}_p' || to_char(m, 'YYYYMM'),
                  (m::timestamp AT TIME ZONE 'UTC'),
                  ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
              END LOOP;
            END $$
            """
        )
        op.execute(f"CREATE TABLE {t}_default PARTITION OF {t} DEFAULT")
    for statement in layout.indexes:
        op.execute(statement)
    for statement in layout.extra:
        op.execute(statement)
    op.execute(f"INSERT INTO {t} {columns_from}")
    if layout.table != "sale_line":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{t}', 'id'),"
            f" coalesce((SELECT max(id) FROM {t}), 0) + 1, false)"
        )
    # Grants on the old table carry over (none in a fresh install; an operator's may exist).
    op.execute(
        f"""
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT a.privilege_type, a.grantee FROM pg_class c,
                          aclexplode(c.relacl) a
                    WHERE c.oid = '{t}_before'::regclass AND a.grantee <> c.relowner LOOP
            EXECUTE format('GRANT %s ON {t} TO %s', r.privilege_type,
                           CASE WHEN r.grantee = 0 THEN 'PUBLIC'
                                ELSE quote_ident(pg_get_userbyid(r.grantee)) END);
          END LOOP;
        END $$
        """
    )
    op.execute(f"DROP TABLE {t}_before")
    if layout.append_only:
        op.execute(
            f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
            "FOR EACH ROW EXECUTE FUNCTION append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
            "FOR EACH STATEMENT EXECUTE FUNCTION append_only()"
        )
        if not plain:
            _truncate_guard_on_partitions(t)
    for statement in layout.triggers:
        op.execute(statement)


def _truncate_guard_on_partitions(table: str) -> None:
    op.execute(
        f"""
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT inhrelid::regclass::text AS part FROM pg_inherits
                    WHERE inhparent = '{table}'::regclass LOOP
            EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT'
                           ' EXECUTE FUNCTION append_only()', r.part || '_no_truncate', r.part);
          END LOOP;
        END $$
        """
    )


def _columns(table: str, *, to_partitioned: bool) -> str:
    """What follows `INSERT INTO table`: the rows of table_before (sale lines take their
    sale's time on the way up and leave it behind on the way down)."""
    line = (
        "store_id, sale_id, line_no, product_id, quantity, unit_price_cents, discount_cents,"
        " line_total_cents, promotion_id, returned_quantity"
    )
    if table == "sale_line" and to_partitioned:
        picked = ", ".join(f"l.{c.strip()}" for c in line.split(","))
        return (
            f"({line}, sold_at) SELECT {picked}, s.sold_at FROM sale_line_before l"
            " JOIN sale s ON s.store_id = l.store_id AND s.id = l.sale_id"
        )
    if table == "sale_line":
        return f"({line}) SELECT {line} FROM sale_line_before"
    # LIKE kept the columns and their order; the ids are kept too.
    return f"OVERRIDING SYSTEM VALUE SELECT * FROM {table}_before"


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE sale_receipt (
          store_id integer NOT NULL,
          receipt_no varchar(64) NOT NULL,
          sale_id bigint NOT NULL,
          sold_at timestamp with time zone NOT NULL,
          CONSTRAINT pk_sale_receipt PRIMARY KEY (store_id, receipt_no),
          CONSTRAINT uq_sale_receipt_store_id_sale_id UNIQUE (store_id, sale_id),
          CONSTRAINT fk_sale_receipt_store_id_store FOREIGN KEY (store_id) REFERENCES store (id)
        )
        """
    )
    op.execute(
        "INSERT INTO sale_receipt (store_id, receipt_no, sale_id, sold_at)"
        " SELECT store_id, receipt_no, id, sold_at FROM sale"
    )
    op.execute(
        """
        CREATE TABLE points_ledger_claim (
          kind varchar(16) NOT NULL,
          store_id integer NOT NULL,
          document_id bigint NOT NULL,
          entry_id bigint NOT NULL,
          CONSTRAINT pk_points_ledger_claim PRIMARY KEY (kind, store_id, document_id)
        )
        """
    )
    op.execute(
        "INSERT INTO points_ledger_claim (kind, store_id, document_id, entry_id)"
        " SELECT kind, sale_store_id, sale_id, id FROM points_ledger"
        " WHERE kind IN ('EARN', 'REDEEM') AND sale_id IS NOT NULL"
        " UNION ALL SELECT kind, return_store_id, return_id, id FROM points_ledger"
        " WHERE kind = 'REVERSE_EARN' AND return_id IS NOT NULL"
    )
    op.execute(_CLAIM_RECEIPT)
    op.execute(_RECEIPT_FIXED)
    op.execute(_CLAIM_POINTS)
    for layout in NEW:
        _set_aside(layout)
        _build(layout, _columns(layout.table, to_partitioned=True), plain=False)
    for layout in NEW:
        for statement in layout.inbound:
            op.execute(statement)


def downgrade() -> None:
    for layout in reversed(OLD):
        _set_aside(layout)
        _build(layout, _columns(layout.table, to_partitioned=False), plain=True)
    for layout in OLD:
        for statement in layout.inbound:
            op.execute(statement)
    op.execute("DROP FUNCTION points_ledger_claim()")
    op.execute("DROP FUNCTION sale_receipt_fixed()")
    op.execute("DROP FUNCTION sale_claim_receipt()")
    op.execute("DROP TABLE points_ledger_claim")
    op.execute("DROP TABLE sale_receipt")
