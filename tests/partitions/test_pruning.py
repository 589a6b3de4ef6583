"""Hot statements read only the months they ask for (EXPLAIN on the real statements).

With ANALYZE, a partition counts as read when its scan ran (run-time pruning marks the others
"never executed"); without, when the plan has it at all. Statements that cannot prune, and
why, are listed in docs/scale.md ("Partition pruning"); the last two tests pin that list.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import TextClause

from api.domain.sales import record as sale_record
from api.domain.sales import record_statement
from api.domain.sales import summary as sale_summary
from api.realtime import stream as event_stream
from db.partitions import PARTITIONED, add_months, partition_name
from tests.partitions.support import clerk, sell

NOW = datetime.now(UTC)
THIS_MONTH = date(NOW.year, NOW.month, 1)
LAST_MONTH = add_months(THIS_MONTH, -1)


def _reads(plan: dict[str, Any], analyze: bool) -> set[str]:
    found: set[str] = set()
    scan = "Relation Name" in plan and plan.get("Node Type") != "ModifyTable"
    if scan and (not analyze or plan.get("Actual Loops", 0) > 0):
        found.add(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found |= _reads(child, analyze)
    return found


async def partitions_read(
    session: AsyncSession, statement: TextClause, params: dict[str, Any], *, analyze: bool
) -> set[str]:
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    result = await session.execute(text(f"EXPLAIN ({options}) {statement.text}"), params)
    plan = result.scalar_one()[0]["Plan"]
    return {
        name
        for name in _reads(plan, analyze)
        if any(name.startswith(f"{t}_p") or name == f"{t}_default" for t in PARTITIONED)
    }


def _first(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def _month_at(month: date, day: int = 10) -> datetime:
    return datetime(month.year, month.month, day, 12, tzinfo=UTC)


async def _two_months_of_sales(session: AsyncSession) -> None:
    await sell(session, "R-LAST", _month_at(LAST_MONTH), now=NOW)
    await sell(session, "R-THIS", NOW - timedelta(minutes=5), now=NOW)
    await session.commit()


async def test_recording_a_sale_reads_no_partition(org_session: AsyncSession) -> None:
    actor = await clerk(org_session)
    params = {
        **actor.scope.sql_params(),
        "store_code": "E1",
        "member_card": None,
        "member_ref": None,
        "skus": ["SKU-CORE-1"],
        "quantities": [1],
        "prices": [200],
        "discounts": [0],
        "promotions": [None],
        "receipt_no": "R-NEW",
        "sold_at": NOW,
        "staff_id": actor.staff_id,
        "points": 0,
        "subtotal": 200,
        "discount": 0,
        "total": 200,
        "promoted": 0,
        "min_expected": 5,
        "z_critical": -2.326,
        "earn_here": False,
        "promotion_type_ids": [],
        "promotion_type_names": [],
        "kind": "SALE",
        "reference_type": "sale",
        "reason": None,
    }
    # Writes route each row to its month; the receipt's uniqueness is sale_receipt's probe.
    # (Run, not only planned: a member's part, which reads the points ledger's months for
    # expiry, is planned but skipped without a member.)
    assert (
        await partitions_read(org_session, record_statement.RECORD, params, analyze=True) == set()
    )


async def test_a_replay_reads_the_sale_s_month_only(org_session: AsyncSession) -> None:
    await _two_months_of_sales(org_session)
    store_id = await org_session.scalar(text("SELECT id FROM store WHERE code = 'E1'"))
    read = await partitions_read(
        org_session,
        sale_record._EXISTING,
        {"store_id": store_id, "receipt_no": "R-LAST"},
        analyze=True,
    )
    assert read == {partition_name("sale", LAST_MONTH), partition_name("sale_line", LAST_MONTH)}


async def test_a_month_of_sales_reads_that_month(org_session: AsyncSession) -> None:
    await _two_months_of_sales(org_session)
    store_id = await org_session.scalar(text("SELECT id FROM store WHERE code = 'E1'"))
    params = {
        "store_id": store_id,
        "start": _first(LAST_MONTH),
        "end": _first(THIS_MONTH),
    }
    for analyze in (False, True):
        read = await partitions_read(org_session, sale_summary._SUMMARY, params, analyze=analyze)
        assert read == {
            partition_name("sale", LAST_MONTH),
            partition_name("sale_line", LAST_MONTH),
        }, analyze


async def test_the_spend_window_reads_the_last_twelve_months(org_session: AsyncSession) -> None:
    # The tier's rolling 12-month spend (api/domain/members/points.py: member_id, occurred_at).
    spend = text(
        "SELECT coalesce(sum(spend_cents), 0) FROM points_ledger"
        " WHERE member_id = :m AND occurred_at > now() - interval '365 days'"
    )
    read = await partitions_read(org_session, spend, {"m": 1}, analyze=False)
    start = (NOW - timedelta(days=365)).date()
    months = {
        partition_name("points_ledger", add_months(date(start.year, start.month, 1), i))
        for i in range(16)
    }
    expected = {
        m for m in months if m <= partition_name("points_ledger", add_months(THIS_MONTH, 3))
    }
    assert read == expected | {"points_ledger_default"}


async def test_the_event_catch_up_cannot_prune(org_session: AsyncSession) -> None:
    """lastEventId is an id, not a time: every month's index is probed (docs/scale.md)."""
    read = await partitions_read(
        org_session,
        event_stream._MISSED,
        {
            "after": 0,
            "kinds": ["X"],
            "limit": 10,
            "scope_all": True,
            "scope_store": None,
            "scope_region": None,
        },
        analyze=False,
    )
    attached = await org_session.scalar(
        text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'event'::regclass")
    )
    assert len(read) == attached


async def test_a_member_s_purchases_cannot_prune(org_session: AsyncSession) -> None:
    """Newest first by member, with no time bound: every month is a candidate (docs)."""
    newest = text(
        "SELECT id FROM sale WHERE member_id = :m ORDER BY sold_at DESC, store_id DESC, id DESC"
        " LIMIT 21"
    )
    read = await partitions_read(org_session, newest, {"m": 1}, analyze=False)
    assert partition_name("sale", LAST_MONTH) in read and "sale_default" in read
