"""Sign-in, the home tiles, touch-target sizes and two taps to every job."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.metrics import dp
from kivy.uix.button import Button
from kivy.uix.textinput import TextInput

from clerk_app.headless import Driver
from tests.clerk_ui.harness import start


@pytest.fixture(scope="module")
def driver(data_dir: Path) -> Iterator[Driver]:
    driver, _core = start(data_dir)
    driver.app.switch_language("en", remember=False)
    yield driver
    driver.stop()


def test_a_wrong_password_says_so_and_stays(driver: Driver) -> None:
    assert driver.screen.name == "signin"
    driver.tap("submit")
    assert driver.widget("status").text == "Fill in the server, your name and your password."
    driver.type("server", "https://chainstore.example/")
    driver.type("username", "clerk.e1")
    driver.type("password", "wrong")
    driver.tap("submit")
    assert driver.screen.name == "signin"
    assert driver.widget("status").text == "Wrong name or password."


def test_signing_in_opens_home_and_remembers_the_server(driver: Driver, data_dir: Path) -> None:
    driver.type("password", "secret")
    driver.tap("submit")
    assert driver.screen.name == "home"
    assert driver.widget("greeting").text == "李秀英, 东城店"
    saved = json.loads((data_dir / "settings.json").read_text())
    assert saved["server_url"] == "https://chainstore.example"
    # The alerts badge shows the store's open alerts (one in the demo data), and the live
    # feed that keeps it current runs in the background from now on.
    assert driver.widget("tile_alerts").badge == "1"
    assert list(driver.app.worker.spawned) == ["alerts", "help"]  # stock alerts, HQ answers


@pytest.mark.parametrize(
    ("tile", "screen"),
    [
        ("tile_scan", "scan"),
        ("tile_stock", "stock"),
        ("tile_complaint", "complaint"),
        ("tile_handover", "handover"),
        ("tile_enrol", "enrol"),
        ("tile_alerts", "alerts"),
        ("tile_outbox", "outbox"),
    ],
)
def test_every_job_is_one_tap_from_home(driver: Driver, tile: str, screen: str) -> None:
    driver.go("home")
    driver.tap(tile)
    assert driver.screen.name == screen
    # ... and its main action is on screen, a second tap away, at least 48 dp high.
    visible = [
        w
        for w in driver.screen.walk()
        if isinstance(w, Button) and w.text and w.opacity and not w.disabled
    ]
    assert any(w.height >= dp(56) for w in visible)


def test_touch_targets_are_at_least_48_dp(driver: Driver) -> None:
    small = []
    for screen in driver.app.root.screens:
        driver.go(screen.name)
        for widget in screen.walk():
            shown = isinstance(widget, Button | TextInput) and widget.opacity and widget.width
            if shown and (widget.height < dp(48) or widget.width < dp(48)):
                small.append((screen.name, getattr(widget, "text", ""), widget.size))
    assert small == []


def test_back_home_from_every_screen(driver: Driver) -> None:
    for name in ("scan", "stock", "complaint", "handover", "enrol", "alerts", "outbox", "member"):
        driver.go(name)
        home = next(w for w in driver.screen.walk() if isinstance(w, Button) and w.text == "Home")
        driver.tap(home)
        assert driver.screen.name == "home"


def test_an_expired_sign_in_asks_again_and_keeps_the_outbox(driver: Driver) -> None:
    core = driver.app.worker.core
    core.online = False
    core.queue_complaint("OTHER", "门口台阶松动", [])
    driver.go("home")
    assert driver.screen.name == "home"
    core.sign_in_needed = "UNAUTHENTICATED: the sign-in expired"
    driver.app.sync()
    driver.pump()
    assert driver.screen.name == "signin"
    assert core.pending() == 1  # nothing the clerk filed is dropped
    assert driver.widget("server").text == "https://chainstore.example/"
