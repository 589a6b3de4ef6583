"""Benchmark recordSale: recorded sales per second and p50/p99 latency at N concurrent clients.

    .venv/bin/python -m bench.record_sale [--seconds 10] [--concurrency 16] [--workers 1]

Every request is a new receipt (a fixed body would be a replay after the first), so wrk's one
fixed body does not fit: an asyncio + httpx generator sends them, and its req/s is a floor (the
generator shares the two cores with the server and PostgreSQL). Each request is one sale of one
or two units of a core SKU at one demo store, by one clerk's token, so every sale serialises on
the same few stock_level rows: the hot path's worst case. The database is bench/run.py's:
DATABASE_URL if set, else a fresh, demo-seeded `chainstore_bench` dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

if __package__ in (None, ""):  # `python bench/record_sale.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import tree_cpu_seconds
from bench.run import BIN, ROOT, Server, bench_database, free_port, wait_healthy
from db.embedded import to_sqlalchemy_url

STORE, CLERK, PASSWORD = "SH-001", "clerk.sh-001.1", "chainstore-demo"
SKUS = ("SKU-000001", "SKU-000002", "SKU-000003")
MUTATION = (
    "mutation Sale($input: RecordSaleInput!)"
    " { recordSale(input: $input) { replayed sale { id totalCents } } }"
)


@contextlib.contextmanager
def api_server(url: str, workers: int) -> Iterator[Server]:
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="chainstore-bench-")) / "graphql.log"
    command: list[str | Path] = [BIN / "chainstore", "serve", "--no-migrate", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers)]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": to_sqlalchemy_url(url)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server("graphql", f"http://127.0.0.1:{port}", process, log)
    try:
        wait_healthy(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def body(run: str, n: int) -> bytes:
    lines = [{"sku": SKUS[n % len(SKUS)], "quantity": 1 + n % 2, "unitPriceCents": 350}]
    sale = {"storeCode": STORE, "receiptNo": f"B-{run}-{n}", "soldAt": now_iso(), "lines": lines}
    return orjson.dumps({"query": MUTATION, "variables": {"input": sale}})


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


async def load(base: str, token: str, seconds: float, concurrency: int) -> dict[str, Any]:
    run, counter = uuid.uuid4().hex[:8], iter(range(10**9))
    latencies: list[float] = []
    failures: list[str] = []
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        deadline = time.perf_counter() + seconds

        async def one_client() -> None:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                response = await client.post("/graphql", content=body(run, next(counter)),
                                             headers=headers)  # fmt: skip
                latencies.append(time.perf_counter() - sent)
                if response.status_code != 200 or b'"errors"' in response.content:
                    failures.append(response.text[:300])

        start = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    ordered = sorted(latencies) or [0.0]

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] * 1e3

    return {
        "sales": len(latencies) - len(failures),
        "seconds": elapsed,
        "p50": pct(0.50),
        "p99": pct(0.99),
        "failures": failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    with bench_database() as url, api_server(url, args.workers) as api:
        login = httpx.post(
            f"{api.base}/graphql",
            json={
                "query": "mutation($u: String!, $p: String!)"
                " { login(username: $u, password: $p) { token } }",
                "variables": {"u": CLERK, "p": PASSWORD},
            },
        ).json()
        token = login["data"]["login"]["token"]
        asyncio.run(load(api.base, token, args.warmup, args.concurrency))
        cpu_before = tree_cpu_seconds(api.process.pid)
        result = asyncio.run(load(api.base, token, args.seconds, args.concurrency))
        cpu = tree_cpu_seconds(api.process.pid) - cpu_before
    sales = result["sales"]
    print(f"\n### recordSale, {args.concurrency} clients, {args.workers} worker(s)\n")
    print("| recorded sales/s | p50 ms | p99 ms | app CPU ms/sale | failures |")
    print("|---:|---:|---:|---:|---:|")
    print(
        f"| {sales / result['seconds']:,.0f} | {result['p50']:.2f} | {result['p99']:.2f} "
        f"| {1e3 * cpu / max(sales, 1):.3f} | {len(result['failures'])} |"
    )
    for sample in result["failures"][:3]:
        print(f"  failure: {sample}")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
