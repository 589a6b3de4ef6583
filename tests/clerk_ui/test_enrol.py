"""Member enrolment: the number is sent, cleared at once, and never shown back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clerk_app.core.api_client import ApiError
from clerk_app.demo_core import DemoCore
from clerk_app.headless import Driver
from tests.clerk_ui.harness import sign_in, start, texts


@pytest.fixture(scope="module")
def started(data_dir: Path) -> Iterator[tuple[Driver, DemoCore]]:
    driver, core = start(data_dir)
    driver.app.switch_language("en", remember=False)
    sign_in(driver)
    yield driver, core
    driver.stop()


def test_enrolling_shows_the_new_card_without_the_number(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.tap("tile_enrol")
    assert driver.screen.name == "enrol"
    driver.tap("enrol")
    assert driver.widget("status").text == "Type the customer's name and the number they say."
    driver.type("name", "赵敏")
    driver.type("phone", "137-2468 0135abc")
    assert driver.widget("phone").text == "137-2468 0135"
    driver.tap("consent")
    driver.tap("enrol")
    [(_what, (phone, name, consent, key))] = [a for a in core.asked if a[0] == "enroll_member"]
    assert (phone, name, consent) == ("137-2468 0135", "赵敏", True) and key
    assert driver.screen.name == "member"
    assert texts(driver.widget("card"))[0] == "赵敏"
    for screen in driver.app.root.screens:
        assert not [t for t in texts(screen) if "0135" in t or "2468" in t]


def test_a_retry_after_a_lost_answer_reuses_the_forms_key(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.go("enrol")
    keys = []

    async def lost(phone: str, name: str, consent: bool, key: str) -> dict[str, Any]:
        keys.append(key)
        raise OSError("the answer was lost")

    core.enroll_member = lost
    driver.type("name", "钱多多")
    driver.type("phone", "13800001111")
    driver.tap("enrol")
    assert driver.widget("status").text == "No connection to the server. Try again in a moment."
    assert driver.widget("phone").text == ""
    driver.type("phone", "13800001111")
    driver.tap("enrol")
    assert len(keys) == 2 and keys[0] == keys[1]

    async def taken(phone: str, name: str, consent: bool, key: str) -> dict[str, Any]:
        raise ApiError("CONFLICT", "already enrolled", {})

    core.enroll_member = taken
    driver.type("phone", "13800001111")
    driver.tap("enrol")
    assert driver.widget("status").text == ("This number is already a member: find them by phone.")
