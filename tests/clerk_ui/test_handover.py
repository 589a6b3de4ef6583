"""The shift handover screen: the checklist, a photo per required item, the note, what is
missing said before anything is queued, and starting the next shift."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clerk_app.core import HandoverItem
from clerk_app.demo_core import DemoCore
from clerk_app.headless import Driver
from tests.clerk_ui.harness import FakeCamera, sign_in, start, texts


@pytest.fixture(scope="module")
def started(data_dir: Path) -> Iterator[tuple[Driver, DemoCore]]:
    driver, core = start(data_dir, camera=FakeCamera([data_dir / "shelf.jpg"]))
    driver.app.switch_language("en", remember=False)
    sign_in(driver)
    yield driver, core
    driver.stop()


def rows(driver: Driver) -> list[Any]:
    return [w for w in driver.widget("checklist").children[::-1] if "done" in w.ids]


def test_the_checklist_and_the_summary_so_far(started: tuple[Driver, Any]) -> None:
    driver, _core = started
    driver.tap("tile_handover")
    assert driver.screen.name == "handover"
    shown = texts(driver.widget("checklist"))
    assert shown[:3] == ["Opening shift", "Sales: 42, ¥3186.50", "Returns: 1, ¥18.50"]
    assert [r.ids.text.text for r in rows(driver)] == [
        "货架整理完毕",
        "冷柜温度已记录",
        "地面已清扫",
    ]
    assert [r.ids.needs.text for r in rows(driver)] == ["photo: 0", "note needed", ""]


def test_what_is_missing_is_said_first(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.tap("hand_over")
    assert driver.widget("status").text.splitlines() == [
        "货架整理完毕: not done",
        "冷柜温度已记录: not done",
        "地面已清扫: not done",
    ]
    assert core.handovers == []


def test_a_photo_a_note_and_the_handover(started: tuple[Driver, Any], data_dir: Path) -> None:
    driver, core = started
    shelf = rows(driver)[0]
    driver.tap(shelf.ids.photo)  # a photo ticks the item
    assert rows(driver)[0].ids.needs.text == "photo: 1"
    assert rows(driver)[0].ids.done.text == "Done"
    fridge = rows(driver)[1]
    driver.scroll_to(fridge.ids.done)
    driver.tap(fridge.ids.done)
    driver.tap("hand_over")
    assert driver.widget("status").text.splitlines() == [
        "冷柜温度已记录: needs a note",
        "地面已清扫: not done",
    ]
    fridge = rows(driver)[1]
    driver.scroll_to(fridge.ids.note)
    driver.type(fridge.ids.note, "4°C")
    floor = rows(driver)[2]
    driver.scroll_to(floor.ids.done)
    driver.tap(floor.ids.done)
    driver.tap("hand_over")
    assert core.handovers == [
        {
            "shiftId": "shift-1",
            "items": [
                HandoverItem("item-1", (data_dir / "shelf.jpg",), None),
                HandoverItem("item-2", (), "4°C"),
                HandoverItem("item-3", (), None),
            ],
            "todos": [],
        }
    ]
    assert driver.widget("status").text == (
        "Handed over. It is sent as soon as the network allows."
    )


def test_starting_the_next_shift(started: tuple[Driver, Any]) -> None:
    driver, core = started
    driver.go("home")
    driver.tap("tile_handover")
    driver.pump()  # the list goes back to the top on the next frames
    assert texts(driver.widget("checklist"))[0] == "No open shift. Start one:"
    closing = next(
        w for w in driver.widget("checklist").children if getattr(w, "text", "") == "Closing shift"
    )
    driver.tap(closing)
    assert ("start_shift", "CLOSING") in core.asked
    assert texts(driver.widget("checklist"))[0] == "Closing shift"
