"""The bundled font covers every character the app can show in Chinese: the .po file's
translations and the sample data. (The pixel check of each screen is in test_language.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from clerk_app.demo_core import ALERTS, CARD, NEARBY, STAFF, STOCK
from clerk_app.fonts import BOLD, REGULAR
from clerk_app.i18n import LANGUAGES, parse_po, po_path

ASSETS = REGULAR.parent.parent


def cmap(path: Path) -> set[int]:
    return set(TTFont(path, lazy=True).getBestCmap())


def visible(text: str) -> set[str]:
    return {c for c in text if not c.isspace()}


@pytest.mark.parametrize("font", [REGULAR, BOLD], ids=["regular", "bold"])
def test_every_translation_is_covered(font: Path) -> None:
    covered = cmap(font)
    for language in LANGUAGES:
        if not po_path(language).exists():
            continue
        messages = parse_po(po_path(language).read_text("utf-8"))
        missing = {
            c
            for text in [*messages, *messages.values()]
            for c in visible(text)
            if ord(c) not in covered
        }
        assert missing == set(), f"{language} needs {sorted(missing)}"


@pytest.mark.parametrize("font", [REGULAR, BOLD], ids=["regular", "bold"])
def test_the_sample_data_is_covered(font: Path) -> None:
    covered = cmap(font)
    text = json.dumps([ALERTS, CARD, NEARBY, STAFF, STOCK], ensure_ascii=False)
    assert {c for c in visible(text) if ord(c) not in covered} == set()


def test_the_font_is_the_simplified_chinese_face_with_its_licence() -> None:
    font = TTFont(REGULAR, lazy=True)
    assert "SC" in (font["name"].getDebugName(1) or "")
    assert len(cmap(REGULAR)) > 7000  # GB2312's 6,763 hanzi and its symbols
    assert REGULAR.stat().st_size < 4_000_000 and BOLD.stat().st_size < 4_000_000
    assert "SIL OPEN FONT LICENSE Version 1.1" in (ASSETS / "OFL.txt").read_text()


def test_gb2312_hanzi_are_all_there() -> None:
    covered = cmap(REGULAR)
    # Level-1 and level-2 hanzi: rows B0..F7 (the build takes every GB2312 character).
    hanzi = set()
    for row in range(0xB0, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                hanzi.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    assert len(hanzi) == 6763
    assert hanzi <= covered


def used_messages() -> set[str]:
    """Every English source string the screens can show: `_("...")` / `tr._("...")` in the
    .py and .kv files, and the enum words of screens/labels.py."""
    import re

    from clerk_app.screens import labels

    package = Path(__file__).resolve().parents[2] / "clerk_app"
    pattern = re.compile(r'(?<![A-Za-z0-9])_\(\s*"((?:[^"\\]|\\.)*)"')
    found: set[str] = set()
    for path in [*package.rglob("*.py"), *package.rglob("*.kv")]:
        if "core" in path.parts:
            continue
        found.update(m.group(1) for m in pattern.finditer(path.read_text("utf-8")))
    for table in (
        labels.CATEGORIES,
        labels.TIERS,
        labels.ALERT_KINDS,
        labels.SHIFT_KINDS,
        labels.RETURN_REASONS,
    ):
        found.update(table.values())
    return found


def test_every_string_on_screen_is_translated() -> None:
    messages = parse_po(po_path("zh_CN").read_text("utf-8"))
    untranslated = {m for m in used_messages() if not messages.get(m)}
    assert untranslated == set()
