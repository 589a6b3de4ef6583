"""Faults under load against `serve --workers 2`: 16 tills record sales while PostgreSQL
restarts, a worker process is killed, or responses are lost after the commit; each run ends
by reconciling what the tills were told with what the ledger holds (tests/faults/harness.py):
every acknowledged sale exactly once, nothing unacknowledged, stock moved once. And a
complaint subscriber dropped mid-burst resumes with lastEventId, missing and repeating none."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import NamedTuple

import httpx
import psutil
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.faults.harness import (
    TILLS,
    ServedChain,
    assert_reconciled,
    ledger,
    run_tills,
    served_chain,
)

# The chain runs on a cluster of its own, made with the embedded binaries whatever the suite's
# server is (it must be restarted and killed): the same test on every CI leg.
pytestmark = pytest.mark.server_independent


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedChain]:
    with served_chain(tmp_path_factory.mktemp("fault-data")) as served:
        yield served


def test_postgresql_restarted_under_load(chain: ServedChain) -> None:
    async def restart() -> None:
        # Fast shutdown: open transactions are rolled back, connections cut mid-request.
        await asyncio.to_thread(chain.database.pg_ctl, "-m", "fast", "restart")

    run = asyncio.run(run_tills(chain, "PG", 12, restart, fault_after=48))
    assert chain.process.poll() is None, "the server died with its database"
    assert run.fault_answers, "the restart cut no request: the fault was not exercised"
    assert_reconciled(chain, run, "PG", TILLS * 12)
    # It recovered by itself: the last receipts went through without a server restart.


def serving_workers(chain: ServedChain) -> list[psutil.Process]:
    """uvicorn's live worker processes (multiprocessing's resource tracker is a child too; a
    worker that has exited is not one, even before the supervisor reaps it)."""
    workers = []
    for child in psutil.Process(chain.process.pid).children():
        with contextlib.suppress(psutil.ZombieProcess, psutil.NoSuchProcess):
            if any("spawn_main" in part for part in child.cmdline()):
                workers.append(child)
    return workers


def wait_for_workers(chain: ServedChain, seconds: float = 60) -> list[psutil.Process]:
    """The two workers, once the supervisor has them both up (it reaps and replaces a dead
    one on its own clock, which a loaded machine stretches)."""
    deadline = time.monotonic() + seconds
    while len(workers := serving_workers(chain)) != 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    return workers


def gone(process: psutil.Process) -> bool:
    """Exited, whether or not its parent has reaped it yet."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_worker_killed_mid_request(chain: ServedChain) -> None:
    workers = wait_for_workers(chain)
    assert len(workers) == 2, workers

    async def kill_one() -> None:
        workers[0].send_signal(signal.SIGKILL)  # no chance to finish or roll back politely

    run = asyncio.run(run_tills(chain, "KW", 10, kill_one, fault_after=40))
    assert gone(workers[0])
    assert len(wait_for_workers(chain)) == 2  # the supervisor replaced it
    assert_reconciled(chain, run, "KW", TILLS * 10)


def test_rolling_restart_of_both_workers_under_load(chain: ServedChain) -> None:
    """What an operator does to load new code (docs/operations.md): SIGHUP to `serve`
    (`systemctl reload chainstore`). uvicorn then replaces its workers one at a time: a new
    worker starts and answers first, then the old one gets SIGTERM and drains."""
    before = {w.pid for w in wait_for_workers(chain)}
    assert len(before) == 2
    alive: list[int] = []
    acknowledged_by_then: list[int] = []

    async def rolling_restart() -> None:
        chain.process.send_signal(signal.SIGHUP)
        for _ in range(1200):
            workers = {w.pid for w in await asyncio.to_thread(serving_workers, chain)}
            alive.append(len(workers))
            if len(workers) == 2 and not workers & before:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"the workers were not replaced: {alive[-20:]}")
        receipts, _ = await asyncio.to_thread(ledger, chain, "RR")
        acknowledged_by_then.append(sum(receipts.values()))

    run = asyncio.run(
        run_tills(chain, "RR", 4, rolling_restart, fault_after=32, until_fault_done=True)
    )
    assert chain.process.poll() is None
    # One after the other: never fewer than two workers, a third only while one is replaced.
    assert min(alive) >= 2 and max(alive) == 3, alive
    assert acknowledged_by_then[0] > 32  # the tills sold right through the restart
    assert_reconciled(chain, run, "RR", len(run.acknowledged))
    # and after it (not one more per till: a receipt committed but not yet acknowledged when
    # the ledger was counted is acknowledged after, without adding to the count)
    assert len(run.acknowledged) > acknowledged_by_then[0]


class LosesResponses(httpx.AsyncBaseTransport):
    """Forwards every request; for one in `every`, reads the server's whole answer (the sale is
    committed by then) and throws it away, as a dropped mobile connection does."""

    def __init__(self, every: int) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.counter = itertools.count(1)
        self.every = every
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if next(self.counter) % self.every:
            return response
        await response.aread()
        await response.aclose()
        self.lost += 1
        raise httpx.ReadError("response lost after the commit", request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_responses_lost_after_the_commit(chain: ServedChain) -> None:
    lossy = LosesResponses(every=5)

    async def nothing() -> None:
        return None

    run = asyncio.run(run_tills(chain, "LR", 8, nothing, fault_after=1, transport=lossy))
    assert lossy.lost >= TILLS * 8 // 5
    # Every receipt whose answer was lost was retried with its number and answered with the
    # first result (a retry's answer may be lost again: more losses than such receipts).
    assert run.fault_answers["ReadError"] == lossy.lost
    assert run.replays == run.retried_after_loss > 0
    assert_reconciled(chain, run, "LR", TILLS * 8)


COMPLAINT_EVENTS = """subscription($after: ID) {
  complaintEvents(filter: {storeCode: "SH-001"}, lastEventId: $after) {
    id kind complaint { id }
  }
}"""
FILE = """mutation($input: FileComplaintInput!) {
  fileComplaint(input: $input) { complaint { id } }
}"""
BURST = 40


class Event(NamedTuple):
    id: int
    kind: str
    complaint: str


def filed_count(events: list[Event]) -> int:
    return sum(e.kind == "COMPLAINT_FILED" for e in events)


async def _events(
    ws: ClientConnection, after: str | None, enough: Callable[[list[Event]], bool]
) -> list[Event]:
    """Subscribe (resuming after `after`) and read events until `enough` of them came."""
    await ws.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": COMPLAINT_EVENTS, "variables": {"after": after}},
            }
        )
    )
    seen: list[Event] = []
    while not enough(seen):
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), 20))
        except TimeoutError:
            raise AssertionError(f"resumed after {after}: only {seen}") from None
        assert message["type"] == "next", message
        event = message["payload"]["data"]["complaintEvents"]
        seen.append(Event(int(event["id"]), event["kind"], event["complaint"]["id"]))
    return seen


@contextlib.asynccontextmanager
async def _socket(chain: ServedChain, token: str) -> AsyncIterator[ClientConnection]:
    async with connect(
        f"ws://127.0.0.1:{chain.port}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
    ) as ws:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        yield ws


async def _burst_with_a_dropped_subscriber(chain: ServedChain) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{chain.port}", timeout=30) as http:
        login = await http.post(
            "/graphql",
            json={
                "query": 'mutation { login(username: "handler.east", '
                'password: "chainstore-demo") { token } }'
            },
        )
        handler = login.json()["data"]["login"]["token"]

        async def file(k: int) -> str:
            complaint = {
                "storeCode": "SH-001",
                "category": "SERVICE",
                "description": f"排队太久 #{k}",
                "idempotencyKey": f"burst-{k}",
            }
            answer = await http.post(
                "/graphql",
                json={"query": FILE, "variables": {"input": complaint}},
                headers={"authorization": f"Bearer {chain.token}"},
            )
            return str(answer.json()["data"]["fileComplaint"]["complaint"]["id"])

        async with _socket(chain, handler) as ws:
            burst = asyncio.gather(*(file(k) for k in range(BURST)))
            before = await _events(ws, None, lambda seen: filed_count(seen) >= 10)
            # Dropped mid-burst with no close frame, as a phone losing its network does.
            ws.transport.abort()
        filed = await burst
        async with _socket(chain, handler) as ws:
            missing = BURST - filed_count(before)
            after = await _events(ws, str(before[-1].id), lambda seen: filed_count(seen) >= missing)
    everything = before + after
    ids = [e.id for e in everything]
    assert ids == sorted(set(ids))  # in order, none twice
    filed_events = sorted(e.complaint for e in everything if e.kind == "COMPLAINT_FILED")
    assert filed_events == sorted(filed)  # none lost


def test_a_subscriber_dropped_during_a_burst_misses_nothing(chain: ServedChain) -> None:
    asyncio.run(_burst_with_a_dropped_subscriber(chain))
