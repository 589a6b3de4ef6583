"""Browser tests of the HQ board: Debian's Chromium driven by Playwright for Python, against the
API served on a real port (tests/realtime/wsclient.py's live_server) on the demo chain with a
short sales history.

Without /usr/bin/chromium (or the playwright package) these tests skip, saying so; `.ci/run`
installs Chromium and sets CHAINSTORE_REQUIRE_BROWSER=1, so in CI a missing browser fails.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api.demo.history import generate_history
from api.demo.seed import seed_demo
from db.engine import create_engine, create_session_factory
from db.pii import key_ring_from_environment
from tests.conftest import PgServer
from tests.realtime.wsclient import LiveServer, live_server

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = os.environ.get("CHAINSTORE_REQUIRE_BROWSER") == "1"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "chainstore-demo"
HISTORY_DAYS = 35  # the current month and the one before have sales, whatever today is


def _browser_problem() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (the dev extra)"
    return None


@pytest.fixture(scope="session")
def browser_available() -> None:
    problem = _browser_problem()
    if problem is None:
        return
    if REQUIRED:
        pytest.fail(f"CHAINSTORE_REQUIRE_BROWSER=1 but {problem}")
    pytest.skip(problem)


@pytest.fixture(scope="session")
async def demo_template(
    browser_available: None, pg_server: PgServer, empty_template: str
) -> AsyncIterator[str]:
    """The demo chain with HISTORY_DAYS of sales up to yesterday, made once per session."""
    name = f"cs_tpl_board_{os.getpid()}"
    url = pg_server.create(name, template=empty_template)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ring = key_ring_from_environment()
    async with create_session_factory(engine)() as session, session.begin():
        await seed_demo(session, ring=ring)
        await generate_history(session, days=HISTORY_DAYS, ring=ring, end=date.today(), scale=0.1)
    await engine.dispose()
    yield name
    pg_server.drop(name)


@dataclass
class Board:
    server: LiveServer
    page: Any  # playwright.async_api.Page
    requests: list[str]
    sockets: list[str]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        await self.page.goto(f"{self.base}/board/")
        await self.page.wait_for_selector("body[data-ready='1']")
        await self.page.fill("input[name=username]", username)
        await self.page.fill("input[name=password]", password)
        await self.page.click("#signin button[type=submit]")

    async def signed_in(self, username: str) -> None:
        await self.sign_in(username)
        await self.page.wait_for_selector("#view:not([hidden]) [data-kpi='receipts']")


@pytest.fixture
async def board(pg_server: PgServer, demo_template: str) -> AsyncIterator[Board]:
    """A served API on a fresh copy of the demo, under the real trusted-documents rule, and a
    fresh Chromium page logging every request it makes."""
    from playwright.async_api import async_playwright

    database = f"cs_board_{os.getpid()}_{os.urandom(3).hex()}"
    url = pg_server.create(database, template=demo_template)
    try:
        async with (
            live_server(url, trusted_only_roles="CLERK,STORE_MANAGER") as server,
            async_playwright() as playwright,
        ):
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
            )
            context = await browser.new_context(
                viewport={"width": 1280, "height": 900}, locale="en-GB"
            )
            page = await context.new_page()
            board = Board(server, page, [], [])
            page.on("request", lambda request: board.requests.append(request.url))
            page.on("websocket", lambda socket: board.sockets.append(socket.url))
            try:
                yield board
            finally:
                await context.close()
                await browser.close()
    finally:
        pg_server.drop(database)
