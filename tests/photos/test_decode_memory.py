"""Decoding an upload costs about one decoded copy of memory, and a decode past the cap is
refused from the header, before any pixel is decoded."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from PIL import Image

from api.photos.images import process_image
from tests.photos.test_images import refusal

# Run in a fresh interpreter: peak RSS (ru_maxrss) only ever grows, so the measure must start
# after the upload's bytes are read and nothing larger has been allocated before.
MEASURE = """
import resource, sys
from api.photos.images import process_image
raw = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
process_image(raw, max_pixels=40_000_000, thumbnail_px=320, max_decoded_bytes=2**30)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) * 1024)
"""


def _png(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "big.png"
    Image.new("RGBA", (size, size), (10, 200, 30, 128)).save(path, "PNG")
    return path


def test_a_large_png_costs_about_one_decoded_copy(tmp_path: Path) -> None:
    size = 4096
    decoded = size * size * 4  # RGBA: 64 MiB
    path = _png(tmp_path, size)
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    growth = int(out.stdout.strip())
    # Turned, stripped and encoded in place, thumbnail resized from it: well under two copies
    # (the pipeline made five full-size copies before).
    assert growth < 2 * decoded, f"{growth / 2**20:.0f} MiB for a {decoded / 2**20:.0f} MiB decode"


def test_a_decode_over_the_cap_is_refused_from_the_header() -> None:
    image = Image.new("RGB", (4200, 4200), (1, 2, 3))  # 17.6 megapixels: under the pixel cap
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    refused = refusal(buffer.getvalue())
    assert refused.status == 413
    assert "over the cap of 64 MiB" in refused.message
    # A smaller one passes.
    small = io.BytesIO()
    Image.new("RGB", (4000, 4000), (1, 2, 3)).save(small, "PNG")
    assert process_image(small.getvalue(), max_pixels=40_000_000, thumbnail_px=64).width == 4000
