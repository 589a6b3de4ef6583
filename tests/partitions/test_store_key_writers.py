"""The store columns alembic 0022 added to complaint and replenishment children: this release
writes them itself, and the previous release's inserts, which leave them out, get their
parent's store from the fill triggers (docs/operations.md, "Expand, then contract")."""

from __future__ import annotations

from sqlalchemy import text

from api.domain import global_ids
from api.domain.complaints import outbox
from db.engine import create_session_factory
from tests.complaints.helpers import enrol_member, scalar, sql
from tests.complaints.test_compensation_and_stats import COLLECT, resolved_with_compensation
from tests.conftest import Api
from tests.replenishment.test_replenishment_api import RECEIVE, SOON, approved_order

# (table, the column the trigger fills): migration 0022's ADDED.
FILLED = (
    ("complaint_timeline", "store_id"),
    ("complaint_message", "store_id"),
    ("complaint_pickup", "complaint_store_id"),
    ("member_coupon", "complaint_store_id"),
    ("replenishment_line", "store_id"),
)

# Each child row against its parent's key: rows whose store column is not their parent's.
_MISMATCHED = """
SELECT (SELECT count(*) FROM complaint_timeline t LEFT JOIN complaint c
          ON c.store_id = t.store_id AND c.id = t.complaint_id WHERE c.id IS NULL)
     + (SELECT count(*) FROM complaint_message m LEFT JOIN complaint c
          ON c.store_id = m.store_id AND c.id = m.complaint_id WHERE c.id IS NULL)
     + (SELECT count(*) FROM complaint_pickup p LEFT JOIN complaint c
          ON c.store_id = p.complaint_store_id AND c.id = p.complaint_id WHERE c.id IS NULL)
     + (SELECT count(*) FROM member_coupon k LEFT JOIN complaint c
          ON c.store_id = k.complaint_store_id AND c.id = k.complaint_id
         WHERE k.complaint_id IS NOT NULL AND c.id IS NULL)
     + (SELECT count(*) FROM replenishment_line l LEFT JOIN replenishment_order o
          ON o.store_id = l.store_id AND o.id = l.order_id WHERE o.id IS NULL)
"""


async def test_this_release_writes_the_store_columns_itself(api: Api) -> None:
    for table, column in FILLED:
        await sql(api, f"ALTER TABLE {table} DISABLE TRIGGER {table}_fill_{column}")
    member = await enrol_member(api)
    await resolved_with_compensation(
        api,
        member,
        replacement={"storeCode": "E2", "sku": "SKU-CORE-1", "quantity": 1},
        couponCents=300,
    )
    [[pickup]] = await sql(api, "SELECT id FROM complaint_pickup")
    collected = await api.data(
        COLLECT,
        {"input": {"pickupId": global_ids.encode("ReplacementPickup", pickup)}},
        token=await api.token_for("clerk.e2"),
    )
    assert collected["collectReplacement"]["pickup"]["status"] == "COLLECTED"
    async with create_session_factory(api.engine)() as s, s.begin():
        delivered = await outbox.deliver_due(s, outbox.RecordingAdapter())
    assert delivered.opened >= 3  # filed, started, resolved
    order_id = await approved_order(api)
    received = await api.data(
        RECEIVE,
        {"id": order_id, "lines": [{"sku": "SKU-CORE-1", "quantity": 33, "expiresOn": SOON}]},
        token=await api.token_for("clerk.e1"),
    )
    assert received["receiveReplenishmentOrder"]["replenishmentOrder"]["status"] == "RECEIVED"

    counts = [await scalar(api, f"SELECT count(*) FROM {table}") for table, _ in FILLED]
    assert all(counts), dict(zip(FILLED, counts, strict=True))
    assert await scalar(api, _MISMATCHED) == 0


async def test_the_previous_release_s_inserts_get_the_parent_s_store(api: Api) -> None:
    """Inserts as release 0020's code writes them: no store column; and its replenishment
    drafting's ON CONFLICT (order_id, product_id)."""
    [[complaint, store]] = await sql(
        api,
        "INSERT INTO complaint (store_id, region_id, category, description, status,"
        " filed_by_id, first_response_due_at, resolution_due_at, reopen_count)"
        " SELECT s.id, s.region_id, 'SERVICE', 'slow till', 'OPEN', st.id, now(), now(), 0"
        " FROM store s, staff st WHERE s.code = 'E2' AND st.username = 'clerk.e2'"
        " RETURNING id, store_id",
    )
    member = (await enrol_member(api))["cardNumber"]
    [[member_id]] = await sql(api, "SELECT id FROM member WHERE card_number = :c", c=member)
    statements = [
        "INSERT INTO complaint_timeline (complaint_id, kind, status) VALUES (:c, 'FILED', 'OPEN')",
        "INSERT INTO complaint_message (complaint_id, member_id, body, attempts)"
        " VALUES (:c, :m, 'hi', 0)",
        "INSERT INTO complaint_pickup (complaint_id, store_id, product_id, quantity, status)"
        " SELECT :c, s.id, p.id, 1, 'PENDING' FROM store s, product p"
        " WHERE s.code = 'E1' AND p.sku = 'SKU-CORE-1'",
        "INSERT INTO member_coupon (member_id, complaint_id, value_cents, issued_by_id,"
        " expires_at) SELECT :m, :c, 100, id, now() FROM staff WHERE username = 'clerk.e2'",
    ]
    for statement in statements:
        await sql(api, statement, c=complaint, m=member_id)
    [[order]] = await sql(
        api,
        "INSERT INTO replenishment_order (store_id, status) VALUES (:s, 'DRAFT') RETURNING id",
        s=store,
    )
    for quantity in (5, 7):
        await sql(
            api,
            "INSERT INTO replenishment_line (order_id, product_id, quantity)"
            " SELECT :o, id, :q FROM product WHERE sku = 'SKU-CORE-1'"
            " ON CONFLICT (order_id, product_id) DO UPDATE SET quantity = EXCLUDED.quantity",
            o=order,
            q=quantity,
        )
    stores = [
        await scalar(api, f"SELECT DISTINCT {column} FROM {table}") for table, column in FILLED
    ]
    assert stores == [store] * len(FILLED)
    assert await scalar(api, "SELECT quantity FROM replenishment_line") == 7
    assert await scalar(api, _MISMATCHED) == 0
    # A coupon without a complaint keeps no complaint store.
    async with api.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO member_coupon (member_id, value_cents, issued_by_id, expires_at)"
                " SELECT :m, 100, id, now() FROM staff WHERE username = 'clerk.e2'"
            ),
            {"m": member_id},
        )
    assert (
        await scalar(
            api,
            "SELECT count(*) FROM member_coupon WHERE complaint_id IS NULL"
            " AND complaint_store_id IS NULL",
        )
        == 1
    )
