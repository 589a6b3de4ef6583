"""Finding a member (scan, card number, the phone the customer says) and stock look-ups."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clerk_app.demo_core import CARD, DemoCore
from clerk_app.headless import Driver
from tests.clerk_ui.harness import FakeScanner, sign_in, start, texts


@pytest.fixture(scope="module")
def started(data_dir: Path) -> Iterator[tuple[Driver, DemoCore]]:
    driver, core = start(data_dir, scanner=FakeScanner([CARD["cardNumber"], "000"]))
    driver.app.switch_language("en", remember=False)
    sign_in(driver)
    yield driver, core
    driver.stop()


def test_a_scanned_code_shows_the_member_card(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.tap("tile_scan")
    driver.tap("scan")
    assert driver.screen.name == "member"
    shown = texts(driver.widget("card"))
    assert shown[:3] == ["王芳", "Card 880012345678", "Gold · 1280 points"]
    assert "¥10.00 off, until 2026-12-31" in shown
    assert "板蓝根颗粒 10袋 x 2 at 东城店" in shown
    assert "Open complaints (1)" in shown
    assert ("scan", CARD["cardNumber"]) in core.asked


def test_an_unknown_code_says_not_found(started: tuple[Driver, Any]) -> None:
    driver, _core = started
    driver.go("scan")
    driver.tap("scan")  # the scanner's second code is nobody's
    assert driver.screen.name == "scan"
    assert driver.widget("status").text == "Not found."


def test_a_typed_card_number(started: tuple[Driver, Any]) -> None:
    driver, _core = started
    driver.go("scan")
    driver.type("code", "8800-1234 5678x")  # only digits get in
    assert driver.widget("code").text == "880012345678"
    driver.tap("find")
    assert driver.screen.name == "member"


def test_the_phone_the_customer_says_is_sent_and_never_shown(
    started: tuple[Driver, Any],
) -> None:
    driver, core = started
    driver.go("scan")
    driver.type("phone", "139 7531 8642")
    driver.tap("find_by_phone")
    assert ("member_by_phone", "139 7531 8642") in core.asked
    assert driver.screen.name == "member"
    scan_screen = driver.app.root.get_screen("scan")
    assert scan_screen.ids.phone.text == ""
    for screen in driver.app.root.screens:  # no number, and no phone field, on any screen
        assert not [t for t in texts(screen) if "8642" in t]
    member_texts = " ".join(texts(driver.screen)).lower()
    assert "phone" not in member_texts and "手机" not in member_texts


def test_stock_search_with_big_numbers_and_nearby_stores(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.go("home")
    driver.tap("tile_stock")
    driver.type("search", "板蓝根")
    driver.tap("go")
    rows = driver.widget("results").children[::-1]
    assert [r.ids.name.text for r in rows] == ["板蓝根颗粒 10袋", "板蓝根颗粒 20袋"]
    first = rows[0]
    assert first.ids.on_hand.text == "4"
    assert first.ids.on_hand.font_size >= 40  # sp(48): readable at arm's length
    assert first.ids.details.text == "盒 · safety 6 · 12 on the way"
    driver.tap(first.ids.nearby)
    shown = texts(driver.widget("results"))
    assert "西门店: 31 (1.2 km)" in shown and "火车站店: 8 (3.8 km)" in shown
    assert ("nearby_stock", "BLG-10") in core.asked


def test_no_match_and_offline(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.go("stock")
    driver.type("search", "zzz")
    driver.tap("go")
    assert driver.widget("status").text == "Nothing matches."
    core.online = False
    driver.tap("go")
    assert driver.widget("status").text == "No connection to the server. Try again in a moment."
    core.online = True


def test_an_alert_opens_the_stock_of_its_product(started: tuple[Driver, Any]) -> None:
    driver, _core = started
    driver.go("home")
    driver.tap("tile_alerts")
    row = driver.widget("alerts").children[::-1][0]  # the stock alert; HQ answers follow
    assert row.ids.numbers.text == "4 left, safety 6, short 14"
    driver.tap(row.ids.open)
    assert driver.screen.name == "stock"
    assert driver.widget("search").text == "BLG-10"


def test_the_member_card_is_secured_while_shown(started: tuple[Driver, Any]) -> None:
    driver, _core = started
    driver.go("member", card=dict(CARD))
    assert driver.app.window.secured is True  # FLAG_SECURE on Android
    driver.go("home")
    assert driver.app.window.secured is False
