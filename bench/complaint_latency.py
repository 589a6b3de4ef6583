"""Benchmark live complaint delivery: fileComplaint on one process to complaintEvents sockets.

    .venv/bin/python -m bench.complaint_latency [--subscribers 200] [--complaints 50]

Two `chainstore serve --no-migrate` processes (one worker each) share the database of
bench/run.py (DATABASE_URL if set, else a fresh demo-seeded `chainstore_bench`, dropped at
the end). The demo's eight complaint handlers (two per region) each get their own tokens;
`--subscribers` sockets, alternating between the two processes and the handlers, subscribe to
`complaintEvents` with no filter (so each sees its region). A clerk of an EAST store files
`--complaints` complaints, one after another, through process A. For every delivery the
latency is measured from the moment the fileComplaint request was sent to the moment its
first event (COMPLAINT_FILED; routing then adds COMPLAINT_ASSIGNED) arrived on the socket
(half the sockets are on the other process). `--rate` files at a fixed pace instead (each
complaint on its own schedule, not after the previous answer), so the deliveries asked per
second are known.

Two latencies are printed. From fileComplaint sent includes the mutation itself (its commit
announces the event). From announcement is the fan-out alone: a thread of this process
LISTENs on the event channel like each server's hub does and stamps each NOTIFY as it
arrives; an event's latency is its arrival on a socket minus the stamp of the first NOTIFY
announcing its id. Also printed: the fileComplaint response time and the deliveries: every
EAST socket must get every complaint, no event twice, every other socket nothing (exit
status 1 if not).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import text
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

if __package__ in (None, ""):  # `python bench/complaint_latency.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.domain import auth
from api.domain.events import EVENT_CHANNEL
from bench.run import BIN, ROOT, Server, bench_database, free_port, wait_healthy
from db.embedded import to_sqlalchemy_url
from db.engine import create_engine, create_session_factory
from db.models import Role, TokenKind

PROTOCOL = Subprotocol("graphql-transport-ws")
SUBSCRIPTION = "subscription { complaintEvents { id kind complaint { id store { code } } } }"


def file_complaint_id() -> str:
    """The clerk app's trusted FileComplaint document: clerks may run trusted documents only."""
    manifest = json.loads((ROOT / "operations" / "manifest.json").read_text())
    found: str = next(
        document_id
        for document_id, entry in manifest.items()
        if (entry["client"], entry["name"]) == ("clerk", "FileComplaint")
    )
    return found


REGION = "EAST"


@contextlib.contextmanager
def two_processes(url: str) -> Iterator[tuple[Server, Server]]:
    env = {**os.environ, "DATABASE_URL": to_sqlalchemy_url(url)}
    logs = Path(tempfile.mkdtemp(prefix="chainstore-bench-live-"))
    started: list[Server] = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = logs / f"{name}.log"
            command: list[str | Path] = [
                BIN / "chainstore",
                "serve",
                "--no-migrate",
                "--port",
                str(port),
            ]
            with log.open("wb") as out:
                process = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
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


async def handler_tokens(url: str, count: int, *, region: str | None) -> list[tuple[str, str]]:
    """`count` fresh session tokens, round robin over the complaint handlers (of `region`
    only, when given): (region, token)."""
    engine = create_engine(to_sqlalchemy_url(url), pool_size=1, max_overflow=0)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            rows = (
                await session.execute(
                    text(
                        "SELECT s.id, r.code FROM staff s JOIN region r ON r.id = s.region_id"
                        " WHERE s.role = :role AND s.status = 'ACTIVE'"
                        " AND (CAST(:region AS text) IS NULL OR r.code = :region)"
                        " ORDER BY s.username"
                    ),
                    {"role": Role.COMPLAINT_HANDLER.value, "region": region},
                )
            ).all()
            assert rows, "no complaint handlers: is the database demo-seeded?"
            tokens = []
            for n in range(count):
                staff_id, region = rows[n % len(rows)]
                issued = await auth.issue_token(
                    session, staff_id=staff_id, kind=TokenKind.SESSION, lifetime=timedelta(hours=1)
                )
                tokens.append((region, issued.token))
            return tokens
    finally:
        await engine.dispose()


async def filing_clerk(url: str) -> tuple[str, str]:
    """A clerk of a store in REGION, and a token for them: (store code, token)."""
    engine = create_engine(to_sqlalchemy_url(url), pool_size=1, max_overflow=0)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            row = (
                await session.execute(
                    text(
                        "SELECT st.id, s.code FROM staff st JOIN store s ON s.id = st.store_id"
                        " JOIN region r ON r.id = s.region_id"
                        " WHERE r.code = :region AND st.role = 'CLERK' AND st.status = 'ACTIVE'"
                        " ORDER BY st.username LIMIT 1"
                    ),
                    {"region": REGION},
                )
            ).one()
            issued = await auth.issue_token(
                session, staff_id=row[0], kind=TokenKind.SESSION, lifetime=timedelta(hours=1)
            )
            return row[1], issued.token
    finally:
        await engine.dispose()


class Subscriber:
    def __init__(self, region: str, ws: ClientConnection) -> None:
        self.region = region
        self.ws = ws
        self.arrivals: dict[str, float] = {}  # complaint id -> its first event's arrival
        self.event_ids: list[str] = []
        self.event_arrivals: list[tuple[int, float]] = []  # (event id, arrival), every event

    async def read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                now = time.perf_counter()
                message = json.loads(raw)
                if message.get("type") != "next":
                    continue
                event = message["payload"]["data"]["complaintEvents"]
                self.event_ids.append(event["id"])
                self.event_arrivals.append((int(event["id"]), now))
                self.arrivals.setdefault(event["complaint"]["id"], now)


class Announcements:
    """NOTIFYs on the event channel, stamped by a thread as they arrive (not by the event
    loop, which is busy reading 200 sockets): each payload is the highest event id its
    transaction committed."""

    def __init__(self, url: str) -> None:
        self._conn = psycopg.connect(url, autocommit=True)
        self._conn.execute(f"LISTEN {EVENT_CHANNEL}")
        self.stamps: list[tuple[int, float]] = []  # (announced id, when), in arrival order
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            for notify in self._conn.notifies(timeout=0.2):
                now = time.perf_counter()
                if notify.payload.isdigit():
                    self.stamps.append((int(notify.payload), now))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()

    def announced_at(self, event_id: int) -> float | None:
        """When the first NOTIFY covering `event_id` arrived (ids follow commit order)."""
        highest, reached = 0, []
        for announced, _ in self.stamps:
            highest = max(highest, announced)
            reached.append(highest)
        at = bisect_left(reached, event_id)
        return self.stamps[at][1] if at < len(self.stamps) else None


@contextlib.asynccontextmanager
async def subscribers(
    servers: tuple[Server, Server], tokens: list[tuple[str, str]]
) -> AsyncIterator[list[Subscriber]]:
    gate = asyncio.Semaphore(20)
    stack = contextlib.AsyncExitStack()

    async def open_one(n: int, region: str, token: str) -> Subscriber:
        base = servers[n % 2].base.replace("http://", "ws://")
        async with gate:
            ws = await stack.enter_async_context(
                connect(f"{base}/graphql", subprotocols=[PROTOCOL])
            )
            init = {"authorization": f"Bearer {token}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": SUBSCRIPTION}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        return Subscriber(region, ws)

    async with stack:
        subs = await asyncio.gather(*(open_one(n, r, t) for n, (r, t) in enumerate(tokens)))
        readers = [asyncio.create_task(s.read()) for s in subs]
        try:
            yield list(subs)
        finally:
            for reader in readers:
                reader.cancel()


async def run(args: argparse.Namespace, url: str, servers: tuple[Server, Server]) -> int:
    tokens = await handler_tokens(
        url, args.subscribers, region=REGION if args.region_only else None
    )
    store, clerk = await filing_clerk(url)
    file_id = file_complaint_id()
    announcements = Announcements(url)
    sent: dict[str, float] = {}
    responses: list[float] = []
    failures: list[Any] = []
    try:
        async with (
            subscribers(servers, tokens) as subs,
            httpx.AsyncClient(base_url=servers[0].base, timeout=30) as client,
        ):

            async def file(n: int) -> None:
                variables = {
                    "input": {
                        "storeCode": store,
                        "category": "SERVICE",
                        "description": f"bench complaint {n}",
                    }
                }
                started = time.perf_counter()
                response = await client.post(
                    "/graphql",
                    json={"documentId": file_id, "variables": variables},
                    headers={"authorization": f"Bearer {clerk}"},
                )
                responses.append(time.perf_counter() - started)
                body: dict[str, Any] = response.json()
                if "errors" in body:
                    failures.append(body["errors"])
                    return
                sent[body["data"]["fileComplaint"]["complaint"]["id"]] = started

            await asyncio.sleep(1.0)  # every subscription attached on its process
            began = time.perf_counter()
            if args.rate:  # each on its own schedule: a slow answer does not slow the pace
                filings = []
                for n in range(args.complaints):
                    await asyncio.sleep(max(0.0, began + n / args.rate - time.perf_counter()))
                    filings.append(asyncio.create_task(file(n)))
                await asyncio.gather(*filings)
            else:
                for n in range(args.complaints):
                    await file(n)
                    await asyncio.sleep(args.pause)
            filing = time.perf_counter() - began
            await asyncio.sleep(3.0)  # stragglers
    finally:
        announcements.stop()
    if failures:
        print("fileComplaint failed:", failures[0])
        return 1
    return report(args, subs, sent, responses, filing, announcements)


def report(
    args: argparse.Namespace,
    subs: list[Subscriber],
    sent: dict[str, float],
    responses: list[float],
    filing: float,
    announcements: Announcements,
) -> int:
    latencies: list[float] = []
    fan_out: list[float] = []  # every event, from its announcement to its arrival
    unannounced = 0
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for sub in subs:
        c = counts[sub.region]
        c["sockets"] += 1
        c["events"] += len(sub.event_ids)
        c["duplicates"] += len(sub.event_ids) - len(set(sub.event_ids))
        c["complete"] += set(sub.arrivals) == set(sent)
        c["any"] += bool(sub.arrivals)
        latencies.extend(sub.arrivals[i] - sent[i] for i in sub.arrivals if i in sent)
        for event_id, arrived in sub.event_arrivals:
            announced = announcements.announced_at(event_id)
            if announced is None:
                unannounced += 1
            else:
                fan_out.append(arrived - announced)
    latencies.sort()
    fan_out.sort()

    def pct(values: list[float], q: float) -> float:
        if not values:
            return float("nan")
        return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))] * 1e3

    print(f"{len(subs)} subscribers over 2 processes, {len(sent)} complaints filed at {REGION}")
    print(
        f"delivery latency from fileComplaint sent: p50 {pct(latencies, 0.5):.1f} ms, "
        f"p99 {pct(latencies, 0.99):.1f} ms, max {pct(latencies, 1.0):.1f} ms "
        f"(first event of each complaint on each socket: {len(latencies)})"
    )
    print(
        f"delivery latency from announcement (NOTIFY), every event: p50 {pct(fan_out, 0.5):.1f} "
        f"ms, p99 {pct(fan_out, 0.99):.1f} ms, max {pct(fan_out, 1.0):.1f} ms "
        f"({len(fan_out)} events; {unannounced} with no NOTIFY seen)"
    )
    delivered = sum(len(sub.event_ids) for sub in subs)
    print(
        f"deliveries: {delivered} events in {filing:.1f} s of filing: "
        f"{delivered / filing:,.0f} deliveries/s"
    )
    ordered = sorted(responses)
    print(
        f"fileComplaint response: p50 {pct(ordered, 0.5):.1f} ms, p99 {pct(ordered, 0.99):.1f} ms"
    )
    ok = True
    for region, c in sorted(counts.items()):
        if region == REGION:  # every socket got every complaint (filed, assigned: 2 events)
            good = c["complete"] == c["sockets"] and c["duplicates"] == 0
        else:
            good = c["events"] == 0
        ok = ok and good
        print(
            f"  {region}: {c['sockets']} sockets, {c['events']} events, {c['complete']} "
            f"sockets got all {len(sent)} complaints, {c['duplicates']} duplicate events: "
            f"{'ok' if good else 'WRONG'}"
        )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--complaints", type=int, default=50)
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between complaints")
    parser.add_argument(
        "--rate", type=float, default=None, help="complaints per second, at a fixed pace"
    )
    parser.add_argument(
        "--region-only",
        action="store_true",
        help=f"every subscriber a handler of {REGION}: every socket gets every complaint",
    )
    args = parser.parse_args(argv)
    # Outside the event loop: migrating runs its own.
    with bench_database() as url, two_processes(url) as servers:
        return asyncio.run(run(args, url, servers))


if __name__ == "__main__":
    sys.exit(main())
