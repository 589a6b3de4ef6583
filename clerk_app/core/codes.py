"""Reading member codes and barcodes from an image (a camera frame or a file) with zxing-cpp.

Plain Python: the desktop scanner hands it the file the clerk picked, the tests a QR image made
with segno. The rotating member QR code and a printed card's barcode both come out as text,
which `ClerkCore.scan` sends as it is.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image


def decode_file(path: Path) -> str | None:
    """The first code in the image, or None when there is none to read."""
    import zxingcpp  # desktop only: the APK scans with Google's code scanner instead

    with Image.open(path) as image:
        found = zxingcpp.read_barcodes(image.convert("L"))
    return found[0].text if found else None
