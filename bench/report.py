"""What one case measured on each server, printed as a Markdown table with the ratios."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.load import LoadResult


@dataclass(frozen=True)
class Measured:
    load: LoadResult
    app_cpu_ms: float  # the server's processes, per request
    pg_cpu_ms: float | None  # the whole local PostgreSQL server, per request; None if remote
    db_connects: int | None  # new sessions on the bench database during the run


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "n/a"


def print_case(name: str, api: Measured, plain: Measured) -> None:
    print(f"\n### {name}\n")
    print(
        "| endpoint | req/s | p50 ms | p99 ms | app CPU ms/req | PG CPU ms/req "
        "| new DB conns | failures |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, m in (("GraphQL", api), ("plain", plain)):
        pg = f"{m.pg_cpu_ms:.3f}" if m.pg_cpu_ms is not None else "n/a"
        conns = str(m.db_connects) if m.db_connects is not None else "n/a"
        print(
            f"| {label} | {m.load.rps:,.0f} | {m.load.p50_ms:.2f} | {m.load.p99_ms:.2f} "
            f"| {m.app_cpu_ms:.3f} | {pg} | {conns} | {m.load.failures} |"
        )
    share = 100 * api.load.rps / plain.load.rps if plain.load.rps else 0.0
    print(
        f"\nGraphQL/plain: **{share:.1f} %** of plain throughput; "
        f"app CPU x {_ratio(api.app_cpu_ms, plain.app_cpu_ms)}, "
        f"PG CPU x {_ratio(api.pg_cpu_ms, plain.pg_cpu_ms)}"
    )
    for label, m in (("GraphQL", api), ("plain", plain)):
        for sample in m.load.failure_samples:
            print(f"  {label} failure: {sample}")


def print_summary(rows: list[tuple[str, Measured, Measured]], workers: int) -> None:
    """The ratio table bench/README.md shows: one line per case, this run only."""
    print(f"\n### Summary, {workers} worker(s)\n")
    print("| case | share of plain throughput | app CPU x plain | p99 ms (GraphQL / plain) |")
    print("|---|---:|---:|---:|")
    for name, api, plain in rows:
        share = 100 * api.load.rps / plain.load.rps if plain.load.rps else 0.0
        print(
            f"| {name} | {share:.0f} % | {_ratio(api.app_cpu_ms, plain.app_cpu_ms)} "
            f"| {api.load.p99_ms:.1f} / {plain.load.p99_ms:.1f} |"
        )


_PROBLEM = re.compile(r"^\S+ \S+ (ERROR|CRITICAL) |^(ERROR|CRITICAL):|^Traceback", re.MULTILINE)


def log_problems(log: Path) -> Counter[str]:
    """Error records a server logged, and for each traceback its exception, counted."""
    lines = log.read_text(errors="replace").splitlines()
    found: Counter[str] = Counter()
    for index, line in enumerate(lines):
        if not _PROBLEM.match(line):
            continue
        if line.startswith("Traceback"):
            # The exception is the first unindented line after the traceback's frames.
            rest = (x for x in lines[index + 1 :] if x and not x.startswith((" ", "\t")))
            found[next(rest, line)] += 1
        else:
            found[line.split(" ", 2)[2] if line[:1].isdigit() else line] += 1  # no timestamp
    return found
