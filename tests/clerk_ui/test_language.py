"""Chinese and English: live switching, following the system, and no Chinese drawn as empty
boxes on any screen (pixels compared with the font's own missing-glyph box)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kivy
import pytest
from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.core.text import Label as CoreLabel
from kivy.uix.label import Label

from clerk_app.demo_core import CARD
from clerk_app.headless import Driver
from clerk_app.i18n import system_language
from tests.clerk_ui.harness import sign_in, start

KIVY_ROBOTO = str(Path(kivy.kivy_data_dir) / "fonts" / "Roboto-Regular.ttf")
NOT_A_CHARACTER = "\ue000"  # private use: no font here has it, so it draws the missing-glyph box


@pytest.fixture(scope="module")
def driver(data_dir: Path) -> Iterator[Driver]:
    driver, _core = start(data_dir)
    driver.app.switch_language("zh_CN", remember=False)
    sign_in(driver)
    yield driver
    driver.stop()


def glyph(character: str, font: str, bold: bool = False) -> bytes:
    label = CoreLabel(text=character, font_size=32, font_name=font, bold=bold)
    label.refresh()
    return bytes(label.texture.pixels)


def tofu_characters(text: str, font: str, bold: bool = False) -> set[str]:
    """The characters of `text` the font draws as its missing-glyph box."""
    box = glyph(NOT_A_CHARACTER, font, bold)
    return {c for c in set(text) if ord(c) > 0x2E7F and glyph(c, font, bold) == box}


def test_the_tofu_check_sees_empty_boxes(driver: Driver) -> None:  # needs the GL window
    # Kivy's own Roboto has no Chinese: every character comes out as the same box.
    assert tofu_characters("查库存", KIVY_ROBOTO) == {"查", "库", "存"}


def test_the_bundled_font_is_the_default(driver: Driver) -> None:
    regular = LabelBase._fonts[DEFAULT_FONT][0]
    assert regular.endswith("NotoSansSC-Regular.otf")
    assert tofu_characters("查库存扫会员码", DEFAULT_FONT) == set()
    assert tofu_characters("查库存扫会员码", DEFAULT_FONT, bold=True) == set()


def test_switching_language_changes_every_screen_at_once(driver: Driver) -> None:
    tile = driver.widget("tile_stock")
    assert tile.text == "查库存"
    driver.app.switch_language("en")
    driver.pump()
    assert tile.text == "Stock"  # the same widget, redrawn in place
    signin = driver.app.root.get_screen("signin")
    assert signin.ids.submit.text == "Sign in"
    driver.app.switch_language("zh_CN")
    driver.pump()
    assert tile.text == "查库存" and signin.ids.submit.text == "登录"


def test_a_chosen_language_is_remembered(driver: Driver, data_dir: Path) -> None:
    assert json.loads((data_dir / "settings.json").read_text())["language"] == "zh_CN"


def test_python_built_lists_follow_the_language(driver: Driver) -> None:
    driver.go("member", card=dict(CARD))
    card_texts = [w.text for w in driver.widget("card").children[::-1]]
    assert card_texts[2] == "金卡 · 1280 积分"
    driver.app.switch_language("en", remember=False)
    driver.pump()
    card_texts = [w.text for w in driver.widget("card").children[::-1]]
    assert card_texts[2] == "Gold · 1280 points"
    driver.app.switch_language("zh_CN", remember=False)
    driver.pump()


def _labels(widget: Any) -> list[Label]:
    return [w for w in widget.walk() if isinstance(w, Label) and w.text]


def test_no_screen_draws_chinese_as_empty_boxes(driver: Driver) -> None:
    shown: dict[str, set[str]] = {}
    for screen in driver.app.root.screens:
        if screen.name == "member":
            driver.go("member", card=dict(CARD))
        elif screen.name == "stock":
            driver.go("stock", search="板蓝根")
            driver.screen.choose(driver.screen.rows[0])
        else:
            driver.go(screen.name)
        for label in _labels(screen):
            missing = tofu_characters(label.text, label.font_name, label.bold)
            if missing:
                shown.setdefault(screen.name, set()).update(missing)
    assert shown == {}
    # ... and the screens did show Chinese.
    home = " ".join(w.text for w in _labels(driver.app.root.get_screen("home")))
    assert "扫会员码" in home


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANG": "zh_TW.UTF-8"}, "zh_CN"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LC_ALL": "de_DE.UTF-8"}, "en"),
    ],
)
def test_it_follows_the_system_language(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert system_language() == expected
