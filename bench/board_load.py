"""Benchmark the HQ board's first view: load time and request count in real headless Chromium.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.board_load [--runs 5] [--username U]

Run it on the 90-day demo (`chainstore seed --demo --history-days 90`). The API is served on a
free port of 127.0.0.1 in this process (uvicorn, one worker); each run opens a fresh browser
context, signs in, and waits until every panel of the first view has its answer. Printed: the
time from the sign-in click to that point (median and worst), how many requests the page made
(GraphQL, static files) and how many GraphQL requests the first view took.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/board_load.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.board.conftest import CHROMIUM, DEMO_PASSWORD, LAUNCH_ARGS
from tests.realtime.wsclient import live_server

SETTLED = (
    "#panel-complaints table, #panel-complaints p:not(.live)",
    "#panel-ranking table, #panel-ranking p:not(.live)",
    "#panel-map canvas",
    "#panel-kpis .tile .spark canvas",
)


async def main(url: str, runs: int, username: str) -> None:
    from playwright.async_api import async_playwright

    async with live_server(url, trusted_only_roles="CLERK,STORE_MANAGER") as server:
        base = f"http://127.0.0.1:{server.port}"
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
            )
            times: list[float] = []
            counts: list[tuple[int, int, int]] = []
            for _ in range(runs):
                context = await browser.new_context(viewport={"width": 1280, "height": 900})
                page = await context.new_page()
                requests: list[str] = []

                def log(request: Any, into: list[str] = requests) -> None:
                    into.append(request.url)

                page.on("request", log)
                await page.goto(f"{base}/board/")
                await page.wait_for_selector("body[data-ready='1']")
                before = len(requests)
                await page.fill("input[name=username]", username)
                await page.fill("input[name=password]", DEMO_PASSWORD)
                started = time.perf_counter()
                await page.click("#signin button[type=submit]")
                for selector in SETTLED:
                    await page.wait_for_selector(selector, timeout=60_000)
                times.append(time.perf_counter() - started)
                graphql = sum(1 for u in requests if u.endswith("/graphql"))
                view = sum(1 for u in requests[before:] if u.endswith("/graphql"))
                counts.append((len(requests), graphql, view))
                await context.close()
            await browser.close()
    total, graphql, view = counts[-1]
    print(f"board first view as {username}, {runs} runs on {url.rsplit('/', 1)[-1]}")
    median, worst = statistics.median(times), max(times)
    print(
        "  load (sign-in click to every panel answered):",
        f"median {median:.3f} s, worst {worst:.3f} s",
    )
    print(f"  requests: {total} in all ({total - graphql} static files), {graphql} GraphQL")
    print(f"  GraphQL requests of the first view after sign-in: {view}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--username", default="hq.ops")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        sys.exit("set DATABASE_URL to the demo chain's database")
    asyncio.run(main(database_url, args.runs, args.username))
