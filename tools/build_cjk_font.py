"""Build the clerk app's bundled Chinese font from Debian's fonts-noto-cjk (reproducibly).

Kivy has no font fallback and its default Roboto draws Chinese as empty boxes, so the app ships
Noto Sans CJK SC (OFL-1.1) as its default font. Debian packs it only as 10-face .ttc files whose
face 0 is the Japanese one (Japanese glyph forms for shared Han characters): this takes face 2
(Simplified Chinese) of the Regular and Bold collections and subsets it to GB2312 plus ASCII,
Latin-1, general punctuation, arrows, CJK punctuation and the full-width forms, about 3.4 MB a
weight. Timestamps are kept from the source, so the same package gives the same bytes.

    apt-get install fonts-noto-cjk
    .venv/bin/python tools/build_cjk_font.py        # writes clerk_app/assets/fonts/*.otf
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE_DIR = Path("/usr/share/fonts/opentype/noto")
OUT_DIR = Path(__file__).resolve().parents[1] / "clerk_app" / "assets" / "fonts"
SC_FACE = 2  # the collection's order: JP, KR, SC, TC, HK (fc-query lists it)
WEIGHTS = {"Regular": "NotoSansSC-Regular.otf", "Bold": "NotoSansSC-Bold.otf"}
EXTRA_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1
    (0x2000, 0x206F),  # general punctuation (ellipsis, dashes, curly quotes)
    (0x2190, 0x21FF),  # arrows (扫码→选退货原因→确认)
    (0x2460, 0x24FF),  # enclosed numbers (①)
    (0x25A0, 0x25FF),  # geometric shapes (● ▲)
    (0x3000, 0x303F),  # CJK punctuation
    (0xFF00, 0xFFEF),  # full-width forms
)


def gb2312() -> set[int]:
    """Every character GB2312 encodes (its two-byte rows A1..F7, cells A1..FE)."""
    found: set[int] = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def code_points() -> set[int]:
    points = gb2312()
    for low, high in EXTRA_RANGES:
        points.update(range(low, high + 1))
    return points


def build(source: Path, target: Path) -> None:
    font = TTFont(source, fontNumber=SC_FACE, recalcTimestamp=False, lazy=False)
    family = font["name"].getDebugName(1) or ""
    if "SC" not in family:
        sys.exit(f"{source} face {SC_FACE} is {family!r}, not the Simplified Chinese face")
    options = subset.Options()
    options.layout_features = ["*"]  # keep vertical forms and locale features working
    options.name_IDs = ["*"]  # the licence and copyright strings stay in the font
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # FreeType's auto-hinter is good at phone sizes; saves ~10%
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=code_points())
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, default=SOURCE_DIR)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    for weight, name in WEIGHTS.items():
        source = args.source_dir / f"NotoSansCJK-{weight}.ttc"
        if not source.exists():
            sys.exit(f"{source} is missing: apt-get install fonts-noto-cjk")
        target = args.out_dir / name
        build(source, target)
        digest = hashlib.sha256(target.read_bytes()).hexdigest()[:16]
        print(f"{target}: {target.stat().st_size / 1e6:.2f} MB sha256 {digest}")


if __name__ == "__main__":
    main()
