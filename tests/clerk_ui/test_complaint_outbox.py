"""Filing a complaint with photos into the outbox, and the outbox view saying why it waits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clerk_app.demo_core import CARD, DemoCore
from clerk_app.headless import Driver
from tests.clerk_ui.harness import FakeCamera, sign_in, start, texts


@pytest.fixture(scope="module")
def started(data_dir: Path) -> Iterator[tuple[Driver, DemoCore]]:
    photos = [data_dir / f"shelf-{n}.jpg" for n in range(3)]
    driver, core = start(data_dir, camera=FakeCamera(photos))
    driver.app.switch_language("en", remember=False)
    sign_in(driver)
    yield driver, core
    driver.stop()


def test_the_form_asks_for_what_is_missing(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.tap("tile_complaint")
    driver.tap("send")
    assert driver.widget("status").text == "Choose what the complaint is about."
    hygiene = driver.screen._choices["HYGIENE"]
    driver.tap(hygiene)
    driver.tap("send")
    assert driver.widget("status").text == "Write what happened."
    assert core.queued == []


def test_a_complaint_with_two_photos_goes_to_the_outbox(
    started: tuple[Driver, Any], data_dir: Path
) -> None:
    driver, core = started
    core.online = False  # filed while the network is away: it waits, nothing is lost
    driver.type("description", "冷柜地面有积水")
    driver.tap("add_photo")
    driver.tap("add_photo")
    assert driver.widget("photo_count").text == "Photos: 2"
    driver.tap("send")
    assert core.queued == [
        {
            "category": "HYGIENE",
            "description": "冷柜地面有积水",
            "photos": [data_dir / "shelf-0.jpg", data_dir / "shelf-1.jpg"],
            "memberCode": None,
        }
    ]
    assert driver.widget("status").text == "Saved. It is sent as soon as the network allows."
    assert driver.widget("description").text == "" and driver.widget("photo_count").text == (
        "Photos: 0"
    )
    assert driver.app.pending == 3


def test_the_outbox_says_what_waits_and_why(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.go("home")
    assert driver.widget("tile_outbox").badge == "3"
    driver.tap("tile_outbox")
    rows = driver.widget("entries").children[::-1]
    assert [(r.ids.what.text, r.ids.why.text) for r in rows] == [
        ("Photo for 冷柜地面有积水", "Will try again (network: ConnectError)"),
        ("Photo for 冷柜地面有积水", "Will try again (network: ConnectError)"),
        ("Complaint: 冷柜地面有积水", "Waiting for its photos to be sent"),
    ]
    assert driver.widget("status").text == "3 waiting to be sent."
    core.online = True
    driver.tap("send_now")
    assert ("retry_now", None) in core.asked
    assert driver.widget("entries").children == []
    assert driver.widget("status").text == "Everything has been sent."
    assert driver.app.pending == 0


def test_a_complaint_from_the_member_card_carries_the_card(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.go("member", card=dict(CARD))
    driver.tap("complaint")
    assert driver.screen.name == "complaint"
    assert driver.widget("member").text == "For member 880012345678"
    driver.tap(driver.screen._choices["SERVICE"])
    driver.type("description", "结账时态度不好")
    driver.tap("add_photo")
    driver.tap("send")
    assert core.queued[-1]["memberCode"] == "880012345678"
    assert core.queued[-1]["category"] == "SERVICE"
    assert "For member" not in " ".join(texts(driver.screen))
