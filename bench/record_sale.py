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
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson

if __package__ in (None, ""):  # `python bench/record_sale.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import tree_cpu_seconds
from bench.run import bench_database, servers

STORE, CLERK, PASSWORD = "SH-001", "clerk.sh-001.1", "chainstore-demo"
SKUS = ("SKU-000001", "SKU-000002", "SKU-000003")
MUTATION = (
    "mutation Sale($input: RecordSaleInput!)"
    " { recordSale(input: $input) { replayed sale { id totalCents } } }"
)


# --trusted: the till's own document (operations/pos/RecordSale.graphql, its whole selection)
# by documentId, as a till sends it: the one the compiled path answers (api/compiled/sale.py).
REQUEST: dict[str, str] = {"query": MUTATION}


def trusted_request() -> dict[str, str]:
    from api.schema.root import schema
    from api.trusted_documents import TrustedDocuments

    (document,) = [d for d in TrustedDocuments.load(schema._schema) if d.name == "RecordSale"]
    return {"documentId": document.id}


def body(run: str, n: int) -> bytes:
    lines = [{"sku": SKUS[n % len(SKUS)], "quantity": 1 + n % 2, "unitPriceCents": 350}]
    sale = {"storeCode": STORE, "receiptNo": f"B-{run}-{n}", "soldAt": now_iso(), "lines": lines}
    return orjson.dumps({**REQUEST, "variables": {"input": sale}})


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


async def load(
    base: str, path: str, token: str, seconds: float, concurrency: int
) -> dict[str, Any]:
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
                response = await client.post(path, content=body(run, next(counter)),
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
    parser.add_argument(
        "--trusted", action="store_true", help="send pos/RecordSale by documentId (compiled)"
    )
    args = parser.parse_args()
    if args.trusted:
        REQUEST.clear()
        REQUEST.update(trusted_request())
    rows: dict[str, tuple[dict[str, Any], float]] = {}
    # The clerk sends this small ad-hoc mutation (not the pos document's whole selection), as
    # the plain endpoint answers only these fields: lift the trusted-documents rule for it.
    os.environ.setdefault("CHAINSTORE_TRUSTED_ONLY_ROLES", "none")
    with bench_database() as url, servers(url, args.workers) as (api, plain):
        login = httpx.post(
            f"{api.base}/graphql",
            json={
                "query": "mutation($u: String!, $p: String!)"
                " { login(username: $u, password: $p) { token } }",
                "variables": {"u": CLERK, "p": PASSWORD},
            },
        ).json()
        token = login["data"]["login"]["token"]
        for server, path in ((api, "/graphql"), (plain, "/record_sale")):
            asyncio.run(load(server.base, path, token, args.warmup, args.concurrency))
            cpu_before = tree_cpu_seconds(server.process.pid)
            result = asyncio.run(load(server.base, path, token, args.seconds, args.concurrency))
            rows[server.name] = (result, tree_cpu_seconds(server.process.pid) - cpu_before)
    print(f"\n### recordSale, {args.concurrency} clients, {args.workers} worker(s)\n")
    print("| endpoint | recorded sales/s | p50 ms | p99 ms | app CPU ms/sale | failures |")
    print("|---|---:|---:|---:|---:|---:|")
    rates, cpus = {}, {}
    for name, (result, cpu) in rows.items():
        sales = result["sales"]
        rates[name] = sales / result["seconds"]
        cpus[name] = 1e3 * cpu / max(sales, 1)
        print(
            f"| {name} | {rates[name]:,.0f} | {result['p50']:.2f} | {result['p99']:.2f} "
            f"| {cpus[name]:.3f} | {len(result['failures'])} |"
        )
        for sample in result["failures"][:3]:
            print(f"  {name} failure: {sample}")
    print(
        f"\nGraphQL/plain: **{100 * rates['graphql'] / max(rates['plain'], 1e-9):.1f} %** of plain "
        f"throughput; app CPU x {cpus['graphql'] / max(cpus['plain'], 1e-9):.2f} (the load "
        "generator shares the cores: the CPU ratio is the steadier figure)"
    )
    return 1 if any(result["failures"] for result, _ in rows.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
