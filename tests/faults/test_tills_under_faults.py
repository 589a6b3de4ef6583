"""Faults under a till's load: 16 tills record sales against `serve --workers 2` while
PostgreSQL restarts, a worker process is killed, or responses are lost after the commit. Each
ends by reconciling what the tills were told with what the ledger holds (tests/faults/
harness.py): every acknowledged sale exactly once, nothing unacknowledged, stock moved once."""

from __future__ import annotations

import asyncio
import itertools
import signal
from collections.abc import Iterator

import httpx
import psutil
import pytest

from tests.faults.harness import (
    TILLS,
    ServedChain,
    assert_reconciled,
    run_tills,
    served_chain,
)


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
    """uvicorn's worker processes (multiprocessing's resource tracker is a child too)."""
    return [
        child
        for child in psutil.Process(chain.process.pid).children()
        if any("spawn_main" in part for part in child.cmdline())
    ]


def test_a_worker_killed_mid_request(chain: ServedChain) -> None:
    workers = serving_workers(chain)
    assert len(workers) == 2, workers

    async def kill_one() -> None:
        workers[0].send_signal(signal.SIGKILL)  # no chance to finish or roll back politely

    run = asyncio.run(run_tills(chain, "KW", 10, kill_one, fault_after=40))
    assert not workers[0].is_running()
    assert len(serving_workers(chain)) == 2  # the supervisor replaced it
    assert_reconciled(chain, run, "KW", TILLS * 10)


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
