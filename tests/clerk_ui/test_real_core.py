"""The app as shipped: the real ClerkCore on its worker thread (no fakes), with no server to
reach. Answers come back through Kivy's clock to the UI thread; what the clerk files stays in
the outbox and the outbox view says why."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from clerk_app.app import ClerkApp
from clerk_app.headless import Driver

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers


@pytest.fixture(scope="module")
def driver(data_dir: Path) -> Iterator[Driver]:
    driver = Driver(ClerkApp(data_dir, animate=False))
    driver.app.switch_language("en", remember=False)
    yield driver
    driver.stop()


def wait_for(driver: Driver, condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        driver.pump(1)
        if callable(condition) and condition():
            return
        time.sleep(0.02)
    raise AssertionError("the worker never answered")


def test_signing_in_without_a_network_says_so(driver: Driver) -> None:
    assert driver.screen.name == "signin"
    driver.type("server", NOWHERE)
    driver.type("username", "clerk.e1")
    driver.type("password", "secret")
    driver.tap("submit")
    wait_for(driver, lambda: "No connection" in driver.widget("status").text)
    assert driver.screen.name == "signin"


def test_a_complaint_waits_in_the_real_outbox(driver: Driver, data_dir: Path) -> None:
    # A sign-in from an earlier run (the session file the core keeps), then the app restarts
    # its core on that server.
    (data_dir / "session.json").write_text(
        json.dumps(
            {
                "server_url": NOWHERE,
                "token": "earlier-token",
                "staff": {"displayName": "李秀英", "store": {"code": "E1", "name": "东城店"}},
            }
        )
    )
    driver.app.use_server(NOWHERE + "/x")  # another address, then back: the core is rebuilt
    driver.app.use_server(NOWHERE)
    wait_for(driver, lambda: driver.screen.name == "home")  # signed in from the session file
    assert driver.widget("greeting").text == "李秀英, 东城店"
    photo = data_dir / "shelf.jpg"
    Image.new("RGB", (32, 32), (10, 120, 10)).save(photo, "JPEG")
    threads: list[str] = []
    driver.app.call(
        lambda core: core.queue_complaint("HYGIENE", "冷柜漏水", [photo]),
        lambda _key: threads.append(threading.current_thread().name),
    )
    wait_for(driver, lambda: threads)
    assert threads == [threading.main_thread().name]  # answers arrive on the UI thread
    driver.app.sync()
    wait_for(driver, lambda: driver.app.pending == 2)
    driver.go("outbox")
    wait_for(driver, lambda: len(driver.widget("entries").children) == 2)
    rows = driver.widget("entries").children[::-1]
    assert [r.ids.what.text for r in rows] == ["Photo for 冷柜漏水", "Complaint: 冷柜漏水"]
    assert rows[0].ids.why.text.startswith("Will try again (network: ConnectError")
    assert rows[1].ids.why.text == "Waiting for its photos to be sent"
