"""The microphone on home: what the clerk says opens the right screen with it filled in."""

# The Chinese status line has full-width punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clerk_app.demo_core import DemoCore
from clerk_app.headless import Driver
from tests.clerk_ui.harness import FakeSpeech, sign_in, start

SAID = [
    "查板蓝根库存",
    "stock of banlangen",
    "投诉 冷柜坏了",
    "求助 收银机卡住了",
    "扫会员码",
    "今天天气很好",
]


@pytest.fixture(scope="module")
def started(data_dir: Path) -> Iterator[tuple[Driver, DemoCore, FakeSpeech]]:
    speech = FakeSpeech(SAID)
    driver, core = start(data_dir, speech=speech)
    driver.app.switch_language("zh_CN", remember=False)
    sign_in(driver)
    yield driver, core, speech
    driver.stop()


def speak(driver: Driver) -> None:
    driver.go("home")
    driver.tap("speak")


def test_spoken_stock_look_ups_open_the_search(
    started: tuple[Driver, DemoCore, FakeSpeech],
) -> None:
    driver, core, speech = started
    speak(driver)
    assert driver.screen.name == "stock"
    assert driver.widget("search").text == "板蓝根"
    assert ("search_stock", "板蓝根") in core.asked
    assert len(driver.screen.rows) == 2
    assert speech.languages == ["zh_CN"]  # the recogniser listens for the app's language
    speak(driver)
    assert driver.screen.name == "stock" and driver.widget("search").text == "banlangen"


def test_complaints_help_and_members(started: tuple[Driver, DemoCore, FakeSpeech]) -> None:
    driver, _core, _speech = started
    speak(driver)
    assert driver.screen.name == "complaint"
    assert driver.widget("description").text == "冷柜坏了"
    speak(driver)
    assert driver.screen.name == "help" and driver.widget("note").text == "收银机卡住了"
    speak(driver)
    assert driver.screen.name == "scan"


def test_what_is_not_understood_stays_home_and_says_so(
    started: tuple[Driver, DemoCore, FakeSpeech],
) -> None:
    driver, _core, _speech = started
    speak(driver)
    assert driver.screen.name == "home"
    assert driver.widget("status").text == "没听懂：“今天天气很好”。请点上面的按钮。"
    speak(driver)  # nothing left to hear
    assert driver.widget("status").text == "Nothing was heard."
