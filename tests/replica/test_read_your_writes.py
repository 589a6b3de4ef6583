"""Read-your-writes holds across worker processes: a write through one app (one worker's
engines, replica monitor and memory) sends the same token's lag-tolerant reads through another
app to the primary until the standby has replayed it, by the position on the token's row
(auth_token.last_write_lsn, api/read_replica.py); other tokens keep reading the standby. The
standby's replay is paused to make "not replayed yet" deterministic. The position costs one
UPDATE after a write request, none after a read, and nothing without a replica."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import REGISTRY

from tests.complaints.helpers import FILE, complaint_input
from tests.conftest import Api
from tests.realtime.wsclient import GqlSocket, live_server
from tests.replica.apps import (
    complaint_ids,
    last_write_lsn,
    on,
    replicated_api,
    statements_of,
    until,
)
from tests.replica.standby import Standby

FROM_COMPLAINT = ("FROM complaint",)
NOTE = "UPDATE auth_token SET last_write_lsn"
SOCKET_FILE = """mutation($input: FileComplaintInput!) {
  fileComplaint(input: $input) { complaint { id } }
}"""


def own_write_fallbacks() -> float:
    value = REGISTRY.get_sample_value("chainstore_replica_fallbacks_total", {"reason": "own_write"})
    return value or 0.0


async def test_a_write_through_one_worker_is_read_from_the_primary_through_another(
    pair: Standby, tmp_path: Path
) -> None:
    async with (
        replicated_api(pair, tmp_path, replica_max_lag_seconds=600) as (a, _),
        replicated_api(pair, tmp_path, replica_max_lag_seconds=600) as (b, replica_b),
    ):
        writer, other = await a.token_for("sm.e1"), await a.token_for("rm.east")
        pair.wait_for_replay()
        with statements_of(replica_b.engine) as standby:
            before = await complaint_ids(b, writer)  # no write yet: the standby answers
        assert on(standby, FROM_COMPLAINT)
        pair.sql("SELECT pg_wal_replay_pause()")
        try:
            filed = await a.data(FILE, {"input": complaint_input()}, token=writer)
            new = filed["fileComplaint"]["complaint"]["id"]
            written = await last_write_lsn(a, writer)
            assert written is not None and written > replica_b.state.replay_lsn
            fallbacks = own_write_fallbacks()
            with statements_of(replica_b.engine) as standby:
                assert await complaint_ids(b, writer) == before | {new}  # from the primary
            assert not on(standby, FROM_COMPLAINT)
            assert own_write_fallbacks() == fallbacks + 1
            with statements_of(replica_b.engine) as standby:
                assert new not in await complaint_ids(b, other)  # others: the standby, behind
            assert on(standby, FROM_COMPLAINT)
        finally:
            pair.sql("SELECT pg_wal_replay_resume()")
        # Once the standby has replayed past the write, the writer reads from it again.
        await until(lambda: replica_b.reason_to_skip(written) is None, "the standby caught up")
        with statements_of(replica_b.engine) as standby:
            assert new in await complaint_ids(b, writer)
        assert on(standby, FROM_COMPLAINT)


async def test_a_write_over_a_socket_is_read_from_the_primary_over_http_elsewhere(
    pair: Standby, tmp_path: Path
) -> None:
    socket_app = live_server(
        pair.primary_url, data_dir=tmp_path, database_read_url=pair.url, replica_check_seconds=0.1
    )
    async with (
        socket_app as live,
        replicated_api(pair, tmp_path, replica_max_lag_seconds=600) as (b, replica_b),
    ):
        writer = await b.token_for("sm.e1")
        pair.sql("SELECT pg_wal_replay_pause()")
        try:
            async with GqlSocket.opened(live.port, writer) as sock:
                await sock.subscribe(SOCKET_FILE, {"input": complaint_input()})
                new = (await sock.next_data())["fileComplaint"]["complaint"]["id"]
            written = await last_write_lsn(b, writer)
            assert written is not None and written > replica_b.state.replay_lsn
            with statements_of(replica_b.engine) as standby:
                assert new in await complaint_ids(b, writer)  # from the primary
            assert not on(standby, FROM_COMPLAINT)
        finally:
            pair.sql("SELECT pg_wal_replay_resume()")


async def test_the_position_costs_one_update_after_a_write_and_none_after_a_read(
    pair: Standby, tmp_path: Path
) -> None:
    async with replicated_api(pair, tmp_path) as (api, _):
        writer = await api.token_for("sm.e1")
        with api.count_sql() as statements:
            await api.data(FILE, {"input": complaint_input()}, token=writer)
        assert on(statements, (NOTE,)) == [statements[-1]]  # one, after the commit
        noted = await last_write_lsn(api, writer)
        with api.count_sql() as statements:
            await complaint_ids(api, writer)
        assert not on(statements, ("UPDATE auth_token",))
        assert await last_write_lsn(api, writer) == noted


async def test_without_a_replica_no_write_touches_the_token_row(api: Api) -> None:
    writer = await api.token_for("sm.e1")
    with api.count_sql() as statements:
        await api.data(FILE, {"input": complaint_input()}, token=writer)
        await complaint_ids(api, writer)
    assert statements  # the counter saw the request's statements
    assert not on(statements, ("auth_token SET", "UPDATE auth_token"))
    assert await last_write_lsn(api, writer) is None
