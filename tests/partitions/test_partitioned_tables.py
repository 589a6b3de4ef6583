"""The monthly partitions (alembic 0019): rows land in their month, the keys that were unique
stay unique across months, the ledgers stay append-only, and the worker keeps months ahead
and archives old ones (api/ops/partitions.py)."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.errors import Conflict
from api.ops import partitions
from db.partitions import PARTITIONED, add_months, partition_name
from tests.partitions.support import partition_of, sell

NOW = datetime.now(UTC)
THIS_MONTH = date(NOW.year, NOW.month, 1)


async def test_every_table_is_partitioned_by_month_with_a_default(session: AsyncSession) -> None:
    for table, key in PARTITIONED.items():
        strategy, column = (
            await session.execute(
                text(
                    "SELECT p.partstrat, a.attname FROM pg_partitioned_table p"
                    " JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]"
                    " WHERE p.partrelid = CAST(:t AS regclass)"
                ),
                {"t": table},
            )
        ).one()
        assert (strategy, column) == ("r", key)
        months = [m for _, m in await partitions.attached_months(session, table)]
        # Twelve months back (history imports) to three ahead, no gaps, and the default.
        assert months[0] <= add_months(THIS_MONTH, -12)
        assert months[-1] == add_months(THIS_MONTH, 3)
        assert months == [add_months(months[0], i) for i in range(len(months))]
        assert await session.scalar(
            text("SELECT to_regclass(:n) IS NOT NULL"), {"n": f"{table}_default"}
        )


async def test_a_sale_and_its_lines_land_in_the_month_sold(org_session: AsyncSession) -> None:
    last_month = NOW - timedelta(days=35)
    sale = await sell(org_session, "R-OLD", last_month, now=NOW)
    await org_session.commit()
    month = date(last_month.year, last_month.month, 1)
    assert await partition_of(org_session, "sale", "id = :i", i=sale.id) == [
        partition_name("sale", month)
    ]
    assert await partition_of(org_session, "sale_line", "sale_id = :i", i=sale.id) == [
        partition_name("sale_line", month)
    ]
    assert await partition_of(
        org_session, "stock_movement", "reference_id = :r", r=str(sale.id)
    ) == [partition_name("stock_movement", THIS_MONTH)]  # stock moved when it was recorded


async def test_a_receipt_stays_unique_across_months(org_session: AsyncSession) -> None:
    first = await sell(org_session, "R-1", NOW - timedelta(days=40), now=NOW)
    await org_session.commit()
    # The same receipt with another time (so another month): a CONFLICT, nothing written.
    with pytest.raises(Conflict):
        await sell(org_session, "R-1", NOW - timedelta(hours=1), now=NOW)
    await org_session.rollback()
    replay = await sell(org_session, "R-1", NOW - timedelta(days=40), now=NOW)
    assert replay.replayed and replay.id == first.id
    assert await org_session.scalar(text("SELECT count(*) FROM sale")) == 1
    # A writer that bypasses record_sale is refused by sale_receipt's key, whatever the month.
    with pytest.raises(IntegrityError, match="pk_sale_receipt"):
        await org_session.execute(
            text(
                "INSERT INTO sale (store_id, receipt_no, sold_at, staff_id, points_redeemed,"
                " subtotal_cents, discount_cents, total_cents)"
                " SELECT store_id, receipt_no, now(), staff_id, 0, 0, 0, 0 FROM sale"
            )
        )
    await org_session.rollback()
    with pytest.raises(DBAPIError, match="fixed once recorded"):
        await org_session.execute(text("UPDATE sale SET sold_at = now()"))
    await org_session.rollback()


async def test_one_earn_per_sale_across_months(org_session: AsyncSession) -> None:
    member = await org_session.scalar(
        text(
            "INSERT INTO member (card_number, display_name, phone_ciphertext, phone_key_id,"
            " phone_blind_index, tier, points_balance, enrolled_store_id, enrolled_by_id,"
            " marketing_consent, tags) SELECT '9000000000000001', 'M', '\\x00', 'k', '\\x01',"
            " 'BASIC', 0, min(store_id), min(id), false, '{}' FROM staff RETURNING id"
        )
    )
    insert = text(
        "INSERT INTO points_ledger (member_id, kind, points, balance_after, spend_cents,"
        " sale_store_id, sale_id, expires_at, occurred_at)"
        " VALUES (:m, 'EARN', 5, 5, 500, 1, 77, now() + interval '1 year', :at)"
    )
    await org_session.execute(insert, {"m": member, "at": NOW})
    with pytest.raises(IntegrityError, match="pk_points_ledger_claim"):
        await org_session.execute(insert, {"m": member, "at": NOW - timedelta(days=60)})


@pytest.mark.parametrize("table", ["stock_movement", "points_ledger"])
async def test_ledgers_stay_append_only_on_every_partition(
    session: AsyncSession, table: str
) -> None:
    for target in (table, partition_name(table, THIS_MONTH), f"{table}_default"):
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(text(f"TRUNCATE {target}"))
        await session.rollback()
    # The row trigger (UPDATE, DELETE) reaches every partition, made then or later.
    missing = await session.scalar(
        text(
            "SELECT count(*) FROM pg_inherits i WHERE i.inhparent = CAST(:t AS regclass)"
            " AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = i.inhrelid"
            " AND g.tgname = :t || '_append_only')"
        ),
        {"t": table},
    )
    assert missing == 0
    report = await partitions.ensure_months(
        session, first=add_months(THIS_MONTH, 4), last=add_months(THIS_MONTH, 4)
    )
    assert partition_name(table, add_months(THIS_MONTH, 4)) in report.created
    await session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin():
            await session.execute(
                text(f"TRUNCATE {partition_name(table, add_months(THIS_MONTH, 4))}")
            )


async def test_months_ahead_are_created_once_and_a_default_holding_rows_is_respected(
    session: AsyncSession,
) -> None:
    far = add_months(THIS_MONTH, 6)
    # An event with a clock six months fast sits in the default partition...
    await session.execute(
        text("INSERT INTO event (kind, payload, occurred_at) VALUES ('X', '{}', :at)"),
        {"at": datetime(far.year, far.month, 2, tzinfo=UTC)},
    )
    report = await partitions.maintain(
        session,
        months_ahead=6,
        retention_months=0,
        dump=None,
        archive_dir=Path("/nonexistent"),
    )
    expected = {
        partition_name(t, m)
        for t in PARTITIONED
        for m in (add_months(THIS_MONTH, 4), add_months(THIS_MONTH, 5), far)
    }
    # ...so that month of events is left to it (PostgreSQL would refuse), the others created.
    assert report.left_in_default == [partition_name("event", far)]
    assert set(report.created) == expected - {partition_name("event", far)}
    again = await partitions.maintain(
        session, months_ahead=6, retention_months=0, dump=None, archive_dir=Path("/nonexistent")
    )
    assert again.created == [] and again.detached == []


async def test_old_months_are_archived_with_pg_dump_then_detached_and_kept(
    org_session: AsyncSession, org_db: str, tmp_path: Path
) -> None:
    old = NOW.replace(day=1) - timedelta(days=300)  # about ten months back
    old_month = date(old.year, old.month, 1)
    sale = await sell(org_session, "R-ARCHIVED", old, now=NOW)
    await sell(org_session, "R-RECENT", NOW - timedelta(hours=2), now=NOW)
    await org_session.commit()
    from api.ops.backup import tool_for_major
    from db.embedded import to_libpq_uri

    conninfo = to_libpq_uri(org_db)
    report = await partitions.maintain(
        org_session,
        months_ahead=3,
        retention_months=6,
        dump=partitions.pg_dump_archiver(conninfo, embedded=False),
        archive_dir=tmp_path,
    )
    await org_session.commit()
    # Sale lines go before their sales, every month older than six back, nothing dropped.
    assert report.detached.index(partition_name("sale_line", old_month)) < report.detached.index(
        partition_name("sale", old_month)
    )
    assert {partition_name(t, old_month) for t in PARTITIONED} <= set(report.detached)
    assert report.dropped == []
    assert await org_session.scalar(text("SELECT count(*) FROM sale")) == 1  # the recent one
    kept = partition_name("sale", old_month)
    assert await org_session.scalar(text(f"SELECT count(*) FROM {kept}")) == 1
    dump_file = tmp_path / f"{kept}.dump"
    assert dump_file in report.archived
    major = int(str(await org_session.scalar(text("SHOW server_version_num")))) // 10000
    restore = tool_for_major("pg_restore", major, embedded=False)
    listing = await asyncio.to_thread(subprocess.check_output, [restore, "--list", str(dump_file)])
    assert f"TABLE DATA public {kept}" in listing.decode()
    # The receipt stays claimed: replaying an archived sale is a CONFLICT, not a second sale.
    with pytest.raises(Conflict):
        await sell(org_session, "R-ARCHIVED", old, now=NOW)
    await org_session.rollback()
    assert sale.id > 0
