"""DATABASE_READ_URL on a real streaming replica (tests/replica/standby.py): lag-tolerant reads
run on the standby, writes never do, a caller reads its own write at once, a replica that is
behind or stopped is bypassed without an error, and the lag is in /metrics.

Which server ran a statement is told by the engine that ran it (the primary's and the read
engine's statement events) and by asking through that engine's own connection which server it
is (`pg_is_in_recovery()`, `inet_server_port()`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from api.observability.metrics import serve_metrics
from tests.complaints.helpers import FILE, complaint_input
from tests.ops.served import scrape, total
from tests.replica.apps import (
    complaint_ids,
    last_write_lsn,
    on,
    replicated_api,
    statements_of,
    until,
    writes,
)
from tests.replica.standby import Standby
from tests.test_processes import free_port

KPIS = """{ kpis(from: "2026-10-01", to: "2026-10-31") { months { receipts } } }"""
ROLLUPS = ("clerk_monthly", "store_hourly", "sales_daily")


async def test_reads_go_to_the_standby_and_writes_never_do(pair: Standby, tmp_path: Path) -> None:
    async with replicated_api(pair, tmp_path) as (api, replica):
        async with replica.engine.connect() as conn:
            server = (
                await conn.execute(text("SELECT pg_is_in_recovery(), inet_server_port()"))
            ).one()
        assert tuple(server) == (True, pair.port)  # the read engine's connections: the standby
        ops, manager = await api.token_for("ops"), await api.token_for("sm.e1")
        with api.count_sql() as primary, statements_of(replica.engine) as standby:
            result = await api.gql(KPIS, token=ops)
            assert "errors" not in result, result
            await complaint_ids(api, manager)
            filed = await api.data(FILE, {"input": complaint_input()}, token=manager)
        assert filed["fileComplaint"]["complaint"]["id"]
        assert on(standby, ROLLUPS) and not on(primary, ROLLUPS)  # analytics on the standby
        assert on(standby, ("FROM complaint",))  # the board's list too
        assert writes(standby) == [] and writes(primary) != []  # the write on the primary
        assert pair.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'chainstore-read'"
        )  # and the standby holds the read engine's connection


async def test_a_caller_reads_its_own_write_at_once(pair: Standby, tmp_path: Path) -> None:
    async with replicated_api(pair, tmp_path, replica_max_lag_seconds=600) as (api, replica):
        writer, other = await api.token_for("sm.e1"), await api.token_for("rm.east")
        assert await complaint_ids(api, writer) == await complaint_ids(api, other)
        pair.sql("SELECT pg_wal_replay_pause()")  # the standby falls behind, deterministically
        try:
            filed = await api.data(FILE, {"input": complaint_input()}, token=writer)
            new = filed["fileComplaint"]["complaint"]["id"]
            with statements_of(replica.engine) as standby:
                assert new in await complaint_ids(api, writer)  # the writer: from the primary
            assert not on(standby, ("FROM complaint",))
            with statements_of(replica.engine) as standby:
                assert new not in await complaint_ids(api, other)  # others: the standby, behind
            assert on(standby, ("FROM complaint",))
        finally:
            pair.sql("SELECT pg_wal_replay_resume()")
        # Once the standby has replayed the write, the writer reads from it again.
        written = await last_write_lsn(api, writer)
        await until(lambda: replica.reason_to_skip(written) is None, "the standby caught up")
        with statements_of(replica.engine) as standby:
            assert new in await complaint_ids(api, writer)
        assert on(standby, ("FROM complaint",))


async def test_a_lagging_standby_is_bypassed_and_its_lag_is_in_metrics(
    pair: Standby, tmp_path: Path
) -> None:
    port = free_port()
    serve_metrics("127.0.0.1", port, None)  # what `chainstore serve --metrics-port` answers
    async with replicated_api(pair, tmp_path, replica_max_lag_seconds=0.5) as (api, replica):
        ops, writer = await api.token_for("ops"), await api.token_for("sm.e1")
        before = scrape(port)
        assert total(before, "chainstore_replica_up") == 1
        pair.sql("SELECT pg_wal_replay_pause()")
        try:
            await api.data(FILE, {"input": complaint_input()}, token=writer)
            await until(lambda: replica.state.problem == "lagging", "the lag noticed")
            with api.count_sql() as primary, statements_of(replica.engine) as standby:
                assert "errors" not in await api.gql(KPIS, token=ops)
            assert on(primary, ROLLUPS) and not standby  # served by the primary
            lagging = scrape(port)
            assert total(lagging, "chainstore_replica_lag_seconds") > 0.5
            assert total(lagging, "chainstore_replica_lag_bytes") > 0
            fallbacks = "chainstore_replica_fallbacks_total"
            assert total(lagging, fallbacks, reason="lagging") > total(
                before, fallbacks, reason="lagging"
            )
        finally:
            pair.sql("SELECT pg_wal_replay_resume()")
        await until(lambda: replica.state.lag_bytes == 0, "the standby caught up")
        assert replica.state.problem is None
        assert total(scrape(port), "chainstore_replica_lag_bytes") == 0


async def test_a_stopped_standby_is_bypassed_without_an_error(
    pair: Standby, tmp_path: Path
) -> None:
    async with replicated_api(pair, tmp_path, replica_check_seconds=30) as (api, replica):
        ops = await api.token_for("ops")
        assert "errors" not in await api.gql(KPIS, token=ops)  # pools a standby connection
        assert replica.state.problem is None
        pair.stop()
        try:
            # The monitor has not looked since (30 s): the request finds out itself.
            with api.count_sql() as primary:
                result = await api.gql(KPIS, token=ops)
                again = await api.gql(KPIS, token=ops)
            assert "errors" not in result and "errors" not in again, (result, again)
            assert len(on(primary, ROLLUPS)) >= 2  # both answered by the primary
            assert replica.state.problem == "down"
        finally:
            pair.start()
        await replica.check()
        assert replica.state.problem is None
        with statements_of(replica.engine) as standby:
            assert "errors" not in await api.gql(KPIS, token=ops)
        assert on(standby, ROLLUPS)  # back on the standby
