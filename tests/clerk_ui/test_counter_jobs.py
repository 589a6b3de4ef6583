"""Help, returns and stock-take on screen: each one tap from home, each into the outbox with
what the clerk picked; HQ's answers in the alerts list and on the home badge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clerk_app.core.counter_jobs import ReturnPick
from clerk_app.demo_core import STOCK, DemoCore
from clerk_app.headless import Driver
from tests.clerk_ui.harness import FakeCamera, FakeScanner, sign_in, start, texts

WATER_CODE = STOCK[0]["product"]["barcode"]


@pytest.fixture(scope="module")
def started(data_dir: Path) -> Iterator[tuple[Driver, DemoCore]]:
    scanner = FakeScanner(["E1/R-20261202-0042", WATER_CODE, WATER_CODE])
    driver, core = start(data_dir, camera=FakeCamera([data_dir / "till.jpg"]), scanner=scanner)
    driver.app.switch_language("en", remember=False)
    sign_in(driver)
    yield driver, core
    driver.stop()


def test_help_goes_to_the_outbox_with_its_photo(
    started: tuple[Driver, Any], data_dir: Path
) -> None:
    driver, core = started
    driver.tap("tile_help")
    assert driver.screen.name == "help"
    driver.tap("send")
    assert driver.widget("status").text == "Write what you need."
    driver.type("note", "收银机打印不出小票")
    driver.tap("add_photo")
    assert driver.widget("photo").text == "Photo: till.jpg"
    driver.tap("send")
    assert ("queue_help", ("收银机打印不出小票", data_dir / "till.jpg")) in core.asked
    assert driver.widget("status").text == "Asked. HQ's answer shows in Alerts."
    assert driver.widget("note").text == ""


def test_an_answer_arriving_live_shows_on_the_badge_and_in_the_list(
    started: tuple[Driver, Any],
) -> None:
    driver, _core = started
    driver.go("home")
    assert set(driver.app.worker.spawned) == {"alerts", "help"}  # both feeds followed
    before = int(driver.widget("tile_alerts").badge or 0)
    driver.app.answers += 1  # what the help feed's event does (app.follow_alerts)
    driver.pump()
    assert driver.widget("tile_alerts").badge == str(before + 1)
    driver.tap("tile_alerts")
    shown = texts(driver.widget("alerts"))
    assert "Answers from HQ" in shown
    assert "You asked: 收银机打印不出小票" in shown
    assert "总部值班 陈明: 先关机重启, 仍不行请换备用机, 维修明早到。" in shown
    assert driver.app.answers == 0


def test_a_return_scan_pick_reason_confirm(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.go("home")
    driver.tap("tile_returns")
    driver.tap("confirm")
    assert driver.widget("status").text == "Scan or type the receipt number."
    driver.tap("scan")  # 扫码
    assert driver.widget("heading").text == "Receipt R-20261202-0042 · store E1"
    rows = driver.widget("lines").children[::-1]
    assert rows[0].ids.details.text == "Bought 2, can return 2 · ¥37.00"
    for _ in range(3):  # one more than may come back: capped
        driver.tap(rows[0].ids.more)
    rows = driver.widget("lines").children[::-1]
    assert rows[0].ids.count.text == "2"
    driver.tap(rows[0].ids.less)
    driver.tap("confirm")
    assert driver.widget("status").text == "Choose why it comes back."
    damaged = driver.screen._reasons["DAMAGED"]
    driver.scroll_to(damaged)  # below the lines: the clerk swipes up
    driver.tap(damaged)  # 选退货原因
    driver.tap("confirm")  # 确认
    assert core.asked[-1] == (
        "queue_return",
        ("E1", "R-20261202-0042", [ReturnPick("BLG-10", 1)], "DAMAGED"),
    )
    assert driver.widget("status").text == (
        "Return saved. It is sent as soon as the network allows."
    )


def test_a_typed_unknown_receipt_says_so(started: tuple[Driver, Any]) -> None:
    driver, _core = started
    driver.type("receipt", "R-404")
    driver.tap("find")
    assert driver.widget("status").text == "Not found."


def test_a_stock_take_counts_scans_and_shows_the_variance(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.go("home")
    driver.tap("tile_stocktake")
    assert driver.widget("summary").text == "Nothing counted yet."
    driver.tap("scan")
    driver.tap("scan")
    driver.type("shelf", "B2")
    driver.tap("next_shelf")
    driver.type("code", WATER_CODE)
    driver.tap("add")
    [row] = driver.widget("counted").children
    assert row.ids.numbers.text == "Counted 3 · book 4 · difference -1"
    assert driver.widget("summary").text == "1 products counted on 2 shelves"
    driver.tap(row.ids.more)
    [row] = driver.widget("counted").children
    assert row.ids.numbers.text == "Counted 4 · book 4 · difference +0"
    driver.tap("send")
    assert core.asked[-1] == ("queue_stock_count", {"BLG-10": 4})
    assert driver.widget("summary").text == "Nothing counted yet."
