"""Capacity of recordSale for N stores: receipts/s per core, the database's CPU share, WAL/receipt.

    .venv/bin/python -m bench.scale_load [--stores 16] [--batch 20] [--seconds 20] [--workers 2]

Each demo store's till (its clerk's token) sends its receipts as POS-sized batches: `--batch`
receipts back to back (a till catching up after a burst or a network gap), each the trusted
POS document operations/pos/RecordSale.graphql by its documentId, one to six lines of the
chain's core SKUs, then a short pause; `--stores` tills at once is N stores' worth of traffic.
Reported: receipts/s; CPU seconds of `chainstore serve` (its process tree, from /proc) and of
this database's PostgreSQL backends (pg_stat_activity's pids, so other databases on a shared
server do not count; the WAL writer and checkpointer are not in it), receipts per CPU-second
(per core), the database's share of that CPU, and WAL bytes per receipt (pg_current_wal_lsn
before and after: the whole cluster's, so use a server of your own). The database is
bench/run.py's (DATABASE_URL, else a fresh demo chain on the system server), or with
`--embedded` a demo chain on a private embedded server in a temporary directory, whose WAL
and CPU are this run's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
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
import psycopg

if __package__ in (None, ""):  # `python bench/scale_load.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import CLOCK_TICKS, _stat, tree_cpu_seconds
from bench.run import BIN, ROOT, bench_database, servers

DEMO_PASSWORD = "chainstore-demo"  # the published demo accounts' password
LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"


def document_id(name: str = "RecordSale") -> str:
    manifest = json.loads((ROOT / "operations" / "manifest.json").read_text())
    for key, entry in manifest.items():
        if entry["client"] == "pos" and entry["name"] == name:
            return str(key)
    raise SystemExit(f"operations/manifest.json has no pos {name}")


@contextlib.contextmanager
def _database(embedded: bool) -> Iterator[str]:
    if not embedded:
        with bench_database() as url:
            yield url
        return
    from db.embedded import EmbeddedPostgres, to_libpq_uri
    from db.migrations import upgrade

    with tempfile.TemporaryDirectory(prefix="chainstore-scale-") as data_dir:
        server = EmbeddedPostgres(Path(data_dir))
        url = server.start()
        try:
            print("migrating and seeding an embedded demo chain ...", flush=True)
            upgrade(url)
            env = {**os.environ, "DATABASE_URL": url, "CHAINSTORE_DATA_DIR": data_dir}
            subprocess.run([BIN / "chainstore", "seed", "--demo"], env=env, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
            yield to_libpq_uri(url)
        finally:
            server.stop()


def _chain(url: str, stores: int) -> tuple[list[tuple[str, str]], list[str]]:
    """(store code, clerk username) of the first `stores` demo stores, and the core SKUs."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT s.code, min(st.username) FROM store s JOIN staff st ON st.store_id = s.id"
            " WHERE st.role = 'CLERK' GROUP BY s.code ORDER BY s.code LIMIT %s",
            (stores,),
        ).fetchall()
        skus = [r[0] for r in conn.execute("SELECT sku FROM product WHERE region_id IS NULL")]
    return [(r[0], r[1]) for r in rows], skus


def _backend_ticks(url: str) -> dict[int, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        pids = [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
        ]
    return {pid: stat[1] for pid in pids if (stat := _stat(pid)) is not None}


def _wal_lsn(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    return str(row[0])


def _wal_bytes(url: str, before: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), CAST(%s AS pg_lsn))", (before,)
        ).fetchone()
    assert row is not None
    return int(row[0])


async def _till(
    client: httpx.AsyncClient,
    doc: str,
    store: str,
    token: str,
    skus: list[str],
    args: argparse.Namespace,
    deadline: float,
    tally: dict[str, Any],
) -> None:
    rng = random.Random(store)  # load shape, not security
    run = uuid.uuid4().hex[:8]
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    n = 0
    while time.perf_counter() < deadline:
        for _ in range(args.batch):
            lines = [
                {
                    "sku": sku,
                    "quantity": rng.randint(1, 3),
                    "unitPriceCents": 100 * rng.randint(1, 30),
                }
                for sku in rng.sample(skus, rng.randint(1, 6))
            ]
            sold_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            variables = {"input": {"storeCode": store, "receiptNo": f"L-{run}-{n}",
                                   "soldAt": sold_at, "lines": lines}}  # fmt: skip
            n += 1
            response = await client.post(
                "/graphql",
                content=orjson.dumps({"documentId": doc, "variables": variables}),
                headers=headers,
            )
            if response.status_code == 200 and b'"errors"' not in response.content:
                tally["receipts"] += 1
            else:
                tally["failures"].append(response.text[:300])
        await asyncio.sleep(args.pause)


async def _drive(
    base: str,
    tills: list[tuple[str, str]],
    skus: list[str],
    args: argparse.Namespace,
    seconds: float,
) -> dict[str, Any]:
    doc = document_id()
    tally: dict[str, Any] = {"receipts": 0, "failures": []}
    limits = httpx.Limits(max_connections=len(tills), max_keepalive_connections=len(tills))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        tokens = []
        for _, username in tills:
            answer = await client.post(
                "/graphql", json={"query": LOGIN, "variables": {"u": username, "p": DEMO_PASSWORD}}
            )
            tokens.append(answer.json()["data"]["login"]["token"])
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(
                _till(client, doc, store, token, skus, args, deadline, tally)
                for (store, _), token in zip(tills, tokens, strict=True)
            )
        )
        tally["seconds"] = time.perf_counter() - started
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stores", type=int, default=16, help="tills at once (one per store)")
    parser.add_argument("--batch", type=int, default=20, help="receipts per POS batch")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between batches")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2, help="chainstore serve --workers")
    parser.add_argument("--embedded", action="store_true", help="a private embedded server")
    args = parser.parse_args()
    with _database(args.embedded) as url, servers(url, args.workers) as (api, _plain):
        tills, skus = _chain(url, args.stores)
        asyncio.run(_drive(api.base, tills, skus, args, args.warmup))
        app_before, db_before = tree_cpu_seconds(api.process.pid), _backend_ticks(url)
        wal_before, loader_before = _wal_lsn(url), time.process_time()
        tally = asyncio.run(_drive(api.base, tills, skus, args, args.seconds))
        loader = time.process_time() - loader_before
        wal = _wal_bytes(url, wal_before)
        app = tree_cpu_seconds(api.process.pid) - app_before
        db_after = _backend_ticks(url)
        db = sum(t - db_before.get(pid, 0) for pid, t in db_after.items()) / CLOCK_TICKS
    receipts = max(tally["receipts"], 1)
    print(f"\n### recordSale at {len(tills)} stores, batches of {args.batch}, "
          f"{args.workers} worker(s), {tally['seconds']:.1f} s\n")  # fmt: skip
    print("| receipts/s | receipts per CPU-second (per core) | app CPU ms/receipt "
          "| PostgreSQL CPU ms/receipt | database share | WAL bytes/receipt "
          "| failures |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {tally['receipts'] / tally['seconds']:,.0f} | {tally['receipts'] / (app + db):,.0f} "
        f"| {1e3 * app / receipts:.2f} | {1e3 * db / receipts:.2f} "
        f"| {100 * db / (app + db):.0f} % | {wal / receipts:,.0f} | {len(tally['failures'])} |"
    )
    print(f"\n(load generator: {1e3 * loader / receipts:.2f} ms CPU/receipt on the same cores)")
    for sample in tally["failures"][:3]:
        print(f"  failure: {sample}")
    return 1 if tally["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
