"""Benchmark the GraphQL API against a plain Starlette + raw psycopg endpoint running the same SQL.

    .venv/bin/python -m bench.run [--seconds 10] [--concurrency 16] [--workers 1]

One run serves both (`chainstore serve` and `uvicorn bench.plain_app:app`, 127.0.0.1 only) on
one freshly seeded database, loads each case on each server in turn and prints req/s, p50/p99,
server CPU per request from /proc and the GraphQL/plain ratios. Only same-run ratios mean
anything on a 2-core machine; CPU per request is steadier than requests/s.

Load generator: wrk (`apt-get install -y wrk`) with a Lua script when it is on PATH, because a
Python load generator competes with the servers for the two cores and saturates first; otherwise
(or with --python-load) an asyncio + httpx generator, whose req/s are a floor, not a ceiling.
Both are bounded by --seconds and --max-requests.

Database: DATABASE_URL if set (used as is, nothing dropped), else a fresh `chainstore_bench` on
postgresql://postgres@127.0.0.1:5432, migrated, seeded with `chainstore seed --demo` and dropped
at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
from psycopg import sql

if __package__ in (None, ""):  # `python bench/run.py`: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.trusted_documents import read_operations
from bench.load import (
    LoadResult,
    Target,
    postmaster_pid,
    run_load,
    tree_cpu_seconds,
    wrk_available,
)
from bench.report import Measured, log_problems, print_case, print_summary
from db.embedded import to_libpq_uri, to_sqlalchemy_url
from db.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "chainstore_bench"
DEMO_USER, DEMO_PASSWORD = "admin", "chainstore-demo"


@dataclass(frozen=True)
class Case:
    name: str
    document: str  # a trusted document's name: sent by documentId, so it runs compiled
    variables: dict[str, Any]
    plain_path: str

    def body(self) -> dict[str, Any]:
        return {"documentId": TRUSTED[self.document].id, "variables": self.variables}


TRUSTED = {d.name: d for d, _ in read_operations()}


@dataclass(frozen=True)
class Server:
    name: str
    base: str
    process: subprocess.Popen[bytes]
    log: Path


class Probe:
    """PostgreSQL's side of a run: its CPU (when local) and new sessions on the bench database."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True)
        backend = self.conn.execute("SELECT pg_backend_pid()").fetchone()
        self.postmaster = postmaster_pid(backend[0]) if backend else None

    def cpu(self) -> float | None:
        return tree_cpu_seconds(self.postmaster) if self.postmaster else None

    def sessions(self) -> int:
        row = self.conn.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
        return int(row[0]) if row else 0


def cases(sku: str, store: str, card: str, only: set[str] | None) -> list[Case]:
    every = [
        Case("member card", "MemberByCode", {"code": card}, "/member_card"),
        Case("me", "Me", {}, "/me_document"),
        Case("product(sku)", "ProductBySku", {"sku": sku}, "/product"),
        Case("stock page (100 rows)", "SearchStock", {"storeCode": store, "first": 100},
             "/stock_page"),
    ]  # fmt: skip
    return [c for c in every if only is None or c.document in only]


@contextlib.contextmanager
def bench_database() -> Iterator[str]:
    """A libpq URL of a migrated, demo-seeded database."""
    if os.environ.get("DATABASE_URL"):
        yield to_libpq_uri(to_sqlalchemy_url(os.environ["DATABASE_URL"]))
        return
    name = sql.Identifier(BENCH_DB)
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB
    try:
        print(f"migrating and seeding {url} ...", flush=True)
        upgrade(to_sqlalchemy_url(url))
        subprocess.run(
            [BIN / "chainstore", "seed", "--demo"],
            env={**os.environ, "DATABASE_URL": to_sqlalchemy_url(url)},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        yield url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def servers(url: str, workers: int) -> Iterator[tuple[Server, Server]]:
    api_port, plain_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": to_sqlalchemy_url(url)}
    commands: dict[str, list[str | Path]] = {
        "graphql": [BIN / "chainstore", "serve", "--no-migrate", "--host", "127.0.0.1",
                    "--port", str(api_port), "--workers", str(workers)],
        "plain": [BIN / "uvicorn", "bench.plain_app:app", "--host", "127.0.0.1", "--port",
                  str(plain_port), "--workers", str(workers), "--no-access-log"],
    }  # fmt: skip
    logs = Path(tempfile.mkdtemp(prefix="chainstore-bench-"))
    started: list[Server] = []
    try:
        for name, port in (("graphql", api_port), ("plain", plain_port)):
            log = logs / f"{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    commands[name], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                )
            started.append(Server(name, f"http://127.0.0.1:{port}", process, log))
        for server in started:
            wait_healthy(server)
        yield started[0], started[1]
    finally:
        for server in started:
            server.process.send_signal(signal.SIGTERM)
        for server in started:
            try:
                server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def wait_healthy(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.base}/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    tail = server.log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"{server.name} did not become healthy; its log ends:\n{tail}")


def graphql(api: Server, body: dict[str, Any], token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(f"{api.base}/graphql", json=body, headers=headers, timeout=30.0)
    result = response.json()
    if response.status_code != 200 or result.get("errors"):
        raise RuntimeError(f"GraphQL {response.status_code}: {result}")
    return result["data"]


def measure(target: Target, server: Server, probe: Probe, args: argparse.Namespace) -> Measured:
    def load(seconds: float) -> LoadResult:
        return run_load(
            target,
            seconds=seconds,
            concurrency=args.concurrency,
            max_requests=args.max_requests,
            use_wrk=args.wrk,
        )

    load(args.warmup)
    app_before, pg_before, sessions_before = (
        tree_cpu_seconds(server.process.pid),
        probe.cpu(),
        probe.sessions(),
    )
    result = load(args.seconds)
    app_after, pg_after = tree_cpu_seconds(server.process.pid), probe.cpu()
    n = max(result.requests, 1)
    pg_ms = (
        (pg_after - pg_before) * 1e3 / n if pg_after is not None and pg_before is not None else None
    )
    connects = probe.sessions() - sessions_before
    return Measured(result, (app_after - app_before) * 1e3 / n, pg_ms, connects)


def run(args: argparse.Namespace) -> int:
    failures = 0
    with bench_database() as url, servers(url, args.workers) as (api, plain):
        login = {
            "query": "mutation Login($u: String!, $p: String!)"
            " { login(username: $u, password: $p) { token } }",
            "variables": {"u": DEMO_USER, "p": DEMO_PASSWORD},
        }
        token = graphql(api, login, None)["login"]["token"]
        probe = Probe(url)
        row = probe.conn.execute("SELECT sku FROM product ORDER BY sku LIMIT 1").fetchone()
        if row is None:
            raise RuntimeError("the seeded database has no product")
        # The store with the most balances: a full page of 100 rows.
        store = probe.conn.execute(
            "SELECT s.code FROM store s JOIN stock_level l ON l.store_id = s.id"
            " GROUP BY s.code ORDER BY count(*) DESC, s.code LIMIT 1"
        ).fetchone()
        if store is None:
            raise RuntimeError("the seeded database has no stock")
        print(
            f"\nload: {'wrk' if args.wrk else 'asyncio+httpx'}, {args.concurrency} connections, "
            f"{args.seconds:g} s per endpoint after {args.warmup:g} s warm-up; "
            f"{args.workers} worker(s) per server; {os.cpu_count()} CPUs"
        )
        headers = {"Authorization": f"Bearer {token}"}
        # The fullest card of the demo: complaints, coupons, pickups.
        card = probe.conn.execute(
            "SELECT m.card_number FROM member m ORDER BY"
            " (SELECT count(*) FROM complaint c WHERE c.member_id = m.id)"
            " + (SELECT count(*) FROM member_coupon c WHERE c.member_id = m.id)"
            " + (SELECT count(*) FROM complaint_pickup c WHERE c.member_id = m.id) DESC, m.id"
            " LIMIT 1"
        ).fetchone()
        if card is None:
            raise RuntimeError("the seeded database has no member")
        summary: list[tuple[str, Measured, Measured]] = []
        only = set(args.case) if args.case else None
        for case in cases(row[0], store[0], card[0], only):
            body = orjson.dumps(case.body())
            api_target = Target(f"{api.base}/graphql", body, headers)
            plain_target = Target(f"{plain.base}{case.plain_path}", body, headers)
            expected = graphql(api, case.body(), token)
            got = httpx.post(plain_target.url, content=body, headers=headers).json()
            if got.get("data") != expected:
                print(f"MISMATCH in {case.name}:\n  GraphQL {expected}\n  plain   {got}")
                failures += 1
            measured_api = measure(api_target, api, probe, args)
            measured_plain = measure(plain_target, plain, probe, args)
            print_case(case.name, measured_api, measured_plain)
            summary.append((case.name, measured_api, measured_plain))
            failures += measured_api.load.failures + measured_plain.load.failures
        probe.conn.close()
        print_summary(summary, args.workers)
    for server in (api, plain):
        problems = log_problems(server.log)
        for line, count in problems.most_common():
            print(f"{server.name} server log: {count} x {line}")
    if failures:
        print(f"\n{failures} failed request(s) or mismatch(es)")
    print(f"\nserver logs: {api.log.parent}")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0, help="load per endpoint and case")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=1, help="worker processes per server")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per endpoint")
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="cap per load run")
    parser.add_argument("--case", action="append", help="only this trusted document (repeat)")
    parser.add_argument("--python-load", action="store_true", help="asyncio+httpx even with wrk")
    args = parser.parse_args(argv)
    args.wrk = wrk_available() and not args.python_load
    # SIGTERM unwinds like Ctrl-C: the servers are stopped and the bench database dropped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
