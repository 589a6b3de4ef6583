"""Real image files (and bad ones) made with Pillow for the photo tests."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112
# Latitude 31°13'44" N, longitude 121°28'1" E: a store in Shanghai.
GPS_TAGS = {1: "N", 2: (31.0, 13.0, 44.0), 3: "E", 4: (121.0, 28.0, 1.0)}


def jpeg_with_gps(
    size: tuple[int, int] = (64, 32), colour: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    """A JPEG whose EXIF carries a camera model, GPS coordinates and orientation 6 (rotate 90°),
    plus a JPEG comment."""
    exif = Image.Exif()
    exif[0x0110] = "ChainPhone 3"
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps.update(GPS_TAGS)
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", exif=exif, comment=b"shot at 31.2290,121.4550")
    return out.getvalue()


def jpeg(size: tuple[int, int] = (48, 48), colour: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=95)
    return out.getvalue()


def png_with_text(size: tuple[int, int] = (40, 30)) -> bytes:
    """An RGBA PNG with a text chunk and an XMP iTXt chunk, both naming a place."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "31.2290,121.4550")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPSLatitude 31.2290</x:xmpmeta>")
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 200, 0, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def webp_with_exif(size: tuple[int, int] = (30, 20)) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update(GPS_TAGS)
    out = io.BytesIO()
    Image.new("RGB", size, (90, 90, 200)).save(
        out, "WEBP", exif=exif, xmp=b"<x:xmpmeta>GPSLatitude 31.2290</x:xmpmeta>"
    )
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (16, 16)).save(out, "GIF")
    return out.getvalue()


def truncated_jpeg() -> bytes:
    whole = jpeg((256, 256))
    return whole[: len(whole) // 2]


def png_bomb(width: int = 10_000, height: int = 10_000) -> bytes:
    """A valid greyscale PNG of width x height black pixels (100 million by default: over
    Pillow's own decompression-bomb warning), about 100 KB on disk. Built chunk by chunk so
    generating it never holds the decoded size in memory."""
    compressor = zlib.compressobj(9)
    row = b"\0" * (width + 1)  # filter byte + one byte per pixel
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height but which carries almost no pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def has_metadata(data: bytes) -> bool:
    """Whether stored bytes carry EXIF, XMP, comments or text chunks (by decoding them)."""
    image = Image.open(io.BytesIO(data))
    keys = set(image.info) - {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}
    keys -= {"loop", "background"}  # WebP container defaults, not metadata
    return bool(keys) or len(image.getexif()) > 0
