"""Keys ready for Citus (issue 20 item 3), checked on the live catalog (pg_constraint).

Citus's multi-tenant rules: a table distributed by store_id has store_id in its primary key
and in every unique key, and a foreign key between two distributed tables joins on store_id
(so both rows live on the same shard); tables small and read everywhere are reference tables
(copied to every node); a foreign key from a reference table to a distributed one is not
allowed. Every table is classified below, so a new table fails this test until its author
decides where it goes. docs/scale.md turns the same lists into create_distributed_table /
create_reference_table calls (the last test checks it names every table).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Distributed by store_id, co-located with each other: what a till and a store's staff write.
BY_STORE = {
    "sale", "sale_line", "sale_receipt", "sale_return", "return_line",
    "stock_level", "stock_movement", "stock_batch", "shift", "shift_item",
    "sales_daily", "sales_monthly", "store_hourly", "clerk_monthly", "member_monthly",
    "member_category_monthly", "demand_forecast", "cover_warning",
    "promotion_store", "promotion_store_stats", "promotion_under_redeemed", "promotion_briefing",
    "markdown_target", "stock_alert",
    # A store's complaints and what hangs off them (alembic 0022): filed, handled and answered
    # about one store. Handlers' queues and region lists read across stores by id (indexed).
    "complaint", "complaint_timeline", "complaint_message", "complaint_pickup", "customer_call",
    "survey_answer", "replenishment_order", "replenishment_line",
}  # fmt: skip

# Reference tables: small, changed rarely, joined from everywhere.
REFERENCE = {
    "region", "store", "product", "staff", "promotion", "promotion_product", "markdown",
    "checklist_template", "checklist_template_version", "checklist_item", "complaint_route",
    "complaint_sla", "analytics_setting", "weather_reading",
}  # fmt: skip

# Not distributed by store, each for a reason (docs/scale.md, "Distribution").
EXCEPTIONS = {
    # A member shops at any store: the ledger is read and locked per member, so members and
    # their points are distributed by member_id in their own co-location group (PK
    # (member_id, id, occurred_at)); sale.member_id is then a cross-group reference, checked
    # by record_sale, not by a foreign key, once distributed.
    "member": "distributed by id (member_id), its own co-location group",
    "points_ledger": "distributed by member_id with member",
    "points_ledger_claim": "local to the coordinator: a global uniqueness guard, few bytes a row",
    "member_preference": "distributed by member_id with member",
    "member_view": "distributed by member_id with member (privacy ceilings are per staff)",
    "member_coupon": "distributed by member_id with member",
    "pii_access_log": "local to the coordinator: compliance reads it whole, low volume",
    "privacy_alert": "local to the coordinator: low volume",
    # The live feed is one ordered stream across stores (lastEventId catch-up).
    "event": "local to the coordinator, partitioned by month; store_id may be NULL",
    "help_request": "local to the coordinator: routed by region, low volume",
    "photo": "local to the coordinator: keyed by uploader (blobs are in the photo store)",
    "photo_attachment": "local, with photo",
    "transfer": "local to the coordinator: spans two stores (from, to)",
    "transfer_line": "local, with transfer",
    "training_task": "local to the coordinator: per staff member, monthly",
    "good_practice": "local to the coordinator: low volume",
    # Per caller, not per store: a token or an HQ integrator has no store.
    "idempotency_record": "distributed by staff_id (retries are per caller)",
    "auth_token": "local to the coordinator: read per request by hash, small",
    "live_socket_claim": "local to the coordinator: per token",
    "login_throttle": "local to the coordinator",
    "compliance_grant": "local to the coordinator",
    "forecast_progress": "local to the coordinator: one row per job",
    "alembic_version": "the migration state",
}

# Foreign keys into store-distributed tables that Citus cannot keep: between store tables
# not joined on store_id, or from a table outside the store group. Once distributed, each is
# dropped and the reason names what checks it instead.
FK_EXCEPTIONS = {
    ("sale_return", "fk_sale_return_original_sale"): "a return at any store names a sale of"
    " another (cross-shard); record_return reads the sale (sale_receipt by store and receipt)",
    ("complaint_pickup", "fk_complaint_pickup_complaint"): "a replacement is collected at any"
    " store (the pickup's store_id, where its stock moves) for a complaint of another;"
    " resolveComplaint writes it from the complaint it holds",
    ("member_coupon", "fk_member_coupon_complaint"): "a coupon is the member's (distributed by"
    " member_id); give_compensation writes it from the complaint it holds",
    ("member_coupon", "fk_member_coupon_redeemed_sale"): "a coupon is the member's; record_sale"
    " redeems it in the sale's transaction",
}

# Unique keys without store_id kept for the previous release while it may still run (docs/
# operations.md, expand then contract); the contract migration drops each before Citus.
TRANSITIONAL_UNIQUE = {
    # Its replenishment drafting says ON CONFLICT (order_id, product_id) (alembic 0022).
    ("replenishment_line", "uq_replenishment_line_order_id_product_id"),
}

_TABLES = text(
    "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
    " AND relkind IN ('r', 'p') AND NOT relispartition"
)
_KEYS = text(
    """
    SELECT c.conrelid::regclass::text AS tbl, c.conname, c.contype,
           c.confrelid::regclass::text AS ref,
           ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                  ORDER BY k.i) AS cols,
           ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                  ORDER BY k.i) AS ref_cols
      FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
     WHERE t.relnamespace = 'public'::regnamespace AND NOT t.relispartition
       AND c.contype IN ('p', 'u', 'f') AND c.conparentid = 0
    """
)
_UNIQUE_INDEXES = text(
    """
    SELECT i.indrelid::regclass::text AS tbl, i.indexrelid::regclass::text AS name,
           ARRAY(SELECT a.attname::text FROM unnest(i.indkey) k(n)
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n) AS cols
      FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
     WHERE i.indisunique AND t.relnamespace = 'public'::regnamespace AND NOT t.relispartition
    """
)


async def test_every_table_is_classified_once(session: AsyncSession) -> None:
    tables = set((await session.execute(_TABLES)).scalars())
    classes = [BY_STORE, REFERENCE, set(EXCEPTIONS)]
    assert not (BY_STORE & REFERENCE or BY_STORE & set(EXCEPTIONS) or REFERENCE & set(EXCEPTIONS))
    assert set().union(*classes) == tables, (
        f"unclassified: {sorted(tables - set().union(*classes))}, "
        f"gone: {sorted(set().union(*classes) - tables)}"
    )


async def test_store_tables_carry_store_id_in_every_key(session: AsyncSession) -> None:
    keys = (await session.execute(_KEYS)).all()
    broken = []
    for k in keys:
        if k.tbl in BY_STORE and k.contype in ("p", "u") and "store_id" not in k.cols:
            broken.append(f"{k.tbl}.{k.conname} {k.cols}: no store_id")
        if k.contype != "f" or (k.tbl, k.conname) in FK_EXCEPTIONS:
            continue
        if k.tbl in BY_STORE and k.ref in BY_STORE:
            pairs = dict(zip(k.cols, k.ref_cols, strict=True))
            if pairs.get("store_id") != "store_id":
                broken.append(f"{k.tbl}.{k.conname} -> {k.ref}: not joined on store_id")
        if k.tbl in REFERENCE and k.ref in BY_STORE:
            broken.append(f"{k.tbl}.{k.conname}: a reference table refers to a store table")
        elif k.tbl not in BY_STORE and k.ref in BY_STORE:
            broken.append(f"{k.tbl}.{k.conname}: refers to a store table from outside")
    for index in (await session.execute(_UNIQUE_INDEXES)).all():
        if (index.tbl, index.name) in TRANSITIONAL_UNIQUE:
            continue
        if index.tbl in BY_STORE and "store_id" not in index.cols:
            broken.append(f"{index.tbl}.{index.name} {index.cols}: unique without store_id")
    assert broken == []


async def test_a_store_key_that_loses_store_id_is_caught(session: AsyncSession) -> None:
    """The check above can fail: a unique key on a store table without store_id."""
    await session.execute(text("CREATE UNIQUE INDEX uq_probe ON sale_receipt (sale_id)"))
    indexes = (await session.execute(_UNIQUE_INDEXES)).all()
    assert any(i.name == "uq_probe" and "store_id" not in i.cols for i in indexes)
    await session.rollback()


def test_docs_give_the_citus_call_for_every_table() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "scale.md").read_text()
    for table in BY_STORE:
        assert f"create_distributed_table('{table}', 'store_id'" in doc, table
    for table in REFERENCE:
        assert f"create_reference_table('{table}')" in doc, table
    for table in EXCEPTIONS:
        assert f"`{table}`" in doc, table
