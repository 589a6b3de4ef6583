"""Load generators (wrk with a Lua script, or asyncio + httpx) and CPU time from /proc.

Both generators are bounded by time and by a request count, send one fixed request over keep-alive
connections, and count as a failure any response that is not 200 or whose body has `"errors"`.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Target:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int = 0
    failure_samples: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_load(
    target: Target, *, seconds: float, concurrency: int, max_requests: int, use_wrk: bool
) -> LoadResult:
    if use_wrk:
        return _wrk_load(target, seconds, concurrency, max_requests)
    return asyncio.run(_python_load(target, seconds, concurrency, max_requests))


# --- wrk -----------------------------------------------------------------------------------------

_LUA = """
wrk.method = "POST"
wrk.body = [==[{body}]==]
{headers}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
count, bad, sample = 0, 0, ""
function response(status, headers, body)
  count = count + 1
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
    if sample == "" then sample = status .. " " .. string.sub(body, 1, 300) end
  end
  if count >= {per_thread} then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.timeout
  for _, t in ipairs(threads) do
    failed = failed + t:get("bad")
    local s = t:get("sample")
    if s ~= "" then io.write("WRKSAMPLE " .. string.gsub(s, "\\n", " ") .. "\\n") end
  end
  io.write(string.format("WRKRESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), failed))
end
"""


def _wrk_load(target: Target, seconds: float, concurrency: int, max_requests: int) -> LoadResult:
    headers = "\n".join(
        f'wrk.headers["{k}"] = [==[{v}]==]'
        for k, v in {"Content-Type": "application/json", **target.headers}.items()
    )
    threads = 1  # one wrk thread drives 16 connections at well over 50k req/s; leave a core free
    script = _LUA.format(
        body=target.body.decode(), headers=headers, per_thread=max(1, max_requests // threads)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s",
             "--timeout", "10s", "-s", f.name, target.url],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        ).stdout  # fmt: skip
    finally:
        Path(f.name).unlink()
    match = re.search(r"^WRKRESULT (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    requests, duration_us, p50_us, p99_us, failures = (int(g) for g in match.groups())
    samples = re.findall(r"^WRKSAMPLE (.*)$", out, re.MULTILINE)
    return LoadResult(requests, duration_us / 1e6, p50_us / 1e3, p99_us / 1e3, failures, samples)


# --- asyncio + httpx -----------------------------------------------------------------------------


async def _python_load(
    target: Target, seconds: float, concurrency: int, max_requests: int
) -> LoadResult:
    latencies: list[float] = []
    failures: list[str] = []
    headers = {"Content-Type": "application/json", **target.headers}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def client_loop() -> None:
            while time.perf_counter() < deadline and len(latencies) < max_requests:
                sent = time.perf_counter()
                try:
                    response = await client.post(target.url, content=target.body, headers=headers)
                    latencies.append(time.perf_counter() - sent)
                    if response.status_code != 200 or b'"errors"' in response.content:
                        failures.append(f"{response.status_code} {response.text[:300]}")
                except httpx.HTTPError as exc:
                    latencies.append(time.perf_counter() - sent)
                    failures.append(f"{type(exc).__name__}: {exc}")

        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    ordered = sorted(latencies) or [0.0]
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=_percentile(ordered, 0.50) * 1e3,
        p99_ms=_percentile(ordered, 0.99) * 1e3,
        failures=len(failures),
        failure_samples=failures[:3],
    )


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


# --- CPU time from /proc -------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, CPU ticks of the process and of its reaped children), None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) "; comm may hold spaces
    # fields[1] is ppid; utime, stime, cutime, cstime are fields 14-17 of stat(5).
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def tree_cpu_seconds(root: int) -> float:
    """CPU time of a process and all its descendants, alive or reaped, in seconds."""
    children: dict[int, list[int]] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                children.setdefault(stat[0], []).append(int(entry))
                ticks[int(entry)] = stat[1]
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += ticks.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / CLOCK_TICKS


def postmaster_pid(backend_pid: int) -> int | None:
    """The local PostgreSQL server owning a backend, if it runs on this machine."""
    stat = _stat(backend_pid)
    if stat is None:
        return None
    try:
        comm = Path(f"/proc/{stat[0]}/comm").read_text().strip()
    except FileNotFoundError:
        return None
    return stat[0] if comm in ("postgres", "postmaster") else None
