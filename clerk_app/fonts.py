"""The bundled Noto Sans SC subset becomes Kivy's default font (Roboto draws Chinese as empty
boxes, and Kivy has no fallback). tools/build_cjk_font.py makes the files."""

from __future__ import annotations

from pathlib import Path

from kivy.core.text import DEFAULT_FONT, LabelBase

FONT_DIR = Path(__file__).resolve().parent / "assets" / "fonts"
REGULAR = FONT_DIR / "NotoSansSC-Regular.otf"
BOLD = FONT_DIR / "NotoSansSC-Bold.otf"


def register_fonts() -> None:
    LabelBase.register(DEFAULT_FONT, str(REGULAR), fn_bold=str(BOLD))
