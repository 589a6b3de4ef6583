"""Proving an upload is a real photo, and making the copy we keep: decoded by Pillow within a
pixel cap, turned upright, re-encoded without EXIF, XMP, GPS or text chunks, plus a thumbnail.

CPU-bound and blocking: callers run `process_image` in a worker thread. Every refusal is a
`PhotoRefused` carrying the HTTP status and error code the upload route answers with.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from api.photos.errors import PhotoRefused
from api.photos.storage import sha256_hex

# A truncated upload must be refused, never silently padded with grey; Pillow's default, but
# a process-wide switch, so it is pinned here where the decision matters.
ImageFile.LOAD_TRUNCATED_IMAGES = False

ACCEPTED_FORMATS: dict[str, str] = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
JPEG_QUALITY = 90
THUMBNAIL_QUALITY = 80
# Pillow's own decompression-bomb limits are process-wide globals (a warning above
# MAX_IMAGE_PIXELS, an error above twice that). The configured cap is clamped below them, so
# whatever Pillow would warn about is refused here whatever the warnings filters say.
PILLOW_PIXEL_LIMIT = Image.MAX_IMAGE_PIXELS or 89_478_485
# Pillow warns while reading the header; that warning is made an error for our opens only.
# The warnings filters are process-wide and catch_warnings is not thread-safe, so the (cheap,
# header-only) open is serialised.
_OPEN_LOCK = threading.Lock()


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes  # the stored image: upright, re-encoded, metadata stripped
    sha256: str
    content_type: str
    width: int
    height: int
    thumbnail: bytes  # JPEG
    thumbnail_sha256: str


def effective_pixel_cap(max_pixels: int) -> int:
    return min(max_pixels, PILLOW_PIXEL_LIMIT)


# Bytes per pixel once decoded, by mode (what `image.load()` allocates); unknown modes count 4.
_DECODED_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "RGB": 4, "RGBA": 4, "CMYK": 4}


def decoded_bytes(image: Image.Image) -> int:
    """What decoding allocates: Pillow stores RGB in four bytes a pixel, 16-bit modes in two."""
    per_pixel = _DECODED_BYTES_PER_PIXEL.get(image.mode, 2 if ";16" in image.mode else 4)
    return image.width * image.height * per_pixel


DEFAULT_MAX_DECODED_BYTES = 64 * 2**20


def process_image(
    raw: bytes,
    *,
    max_pixels: int,
    thumbnail_px: int,
    max_decoded_bytes: int = DEFAULT_MAX_DECODED_BYTES,
) -> ProcessedImage:
    """Memory stays near one decoded copy: the cap on decoded bytes is checked from the
    header, the picture is turned and stripped in place, and the thumbnail is resized from it
    directly (a 6320x6320 PNG once took five full-size copies, 770 MiB)."""
    cap = effective_pixel_cap(max_pixels)
    image = _open(raw, cap)
    try:
        if (size := decoded_bytes(image)) > max_decoded_bytes:
            raise PhotoRefused(
                413,
                "PAYLOAD_TOO_LARGE",
                f"Decoding this {image.width}x{image.height} {image.mode} image takes "
                f"{size // 2**20} MiB, over the cap of {max_decoded_bytes // 2**20} MiB: "
                "send a smaller one.",
            )
        source_format = str(image.format)
        _decode(image)
        clean = _without_metadata(_upright(image), source_format)
        data = _encode(clean, source_format)
        thumbnail = _thumbnail(clean, thumbnail_px)
    finally:
        image.close()
    return ProcessedImage(
        data=data,
        sha256=sha256_hex(data),
        content_type=ACCEPTED_FORMATS[source_format],
        width=clean.width,
        height=clean.height,
        thumbnail=thumbnail,
        thumbnail_sha256=sha256_hex(thumbnail),
    )


def _open(raw: bytes, cap: int) -> Image.Image:
    """Read the header only: format and declared size are checked before any pixel decodes."""
    try:
        # Only the three accepted decoders ever see the bytes; no other plugin is tried.
        with _OPEN_LOCK, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=list(ACCEPTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _over_pixel_cap(cap, str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise PhotoRefused(
            415, "UNSUPPORTED_MEDIA_TYPE", "Not a JPEG, PNG or WebP image: only those are accepted."
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _unreadable(exc) from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise PhotoRefused(422, "BAD_USER_INPUT", "The image declares no pixels.")
    if width * height > cap:
        image.close()
        raise _over_pixel_cap(cap, f"{width}x{height} is {width * height} pixels")
    return image


def _decode(image: Image.Image) -> None:
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRefused(
            413, "PAYLOAD_TOO_LARGE", f"Refused as a decompression bomb: {exc}"
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _unreadable(exc) from exc


def _upright(image: Image.Image) -> Image.Image:
    try:
        ImageOps.exif_transpose(image, in_place=True)  # no second full-size copy
        return image
    except Exception:
        # EXIF too broken to read an orientation from: it is discarded anyway, so the pixels
        # are kept as they were decoded rather than refusing the photo.
        return image


def _without_metadata(image: Image.Image, source_format: str) -> Image.Image:
    """A copy whose `info` keeps only what rendering needs: the colour profile and, for PNG,
    transparency. EXIF (GPS above all), XMP, comments and text chunks are dropped."""
    kept: dict[str | tuple[int, int], Any] = {}
    if "icc_profile" in image.info:
        kept["icc_profile"] = image.info["icc_profile"]
    if source_format == "PNG" and "transparency" in image.info:
        kept["transparency"] = image.info["transparency"]
    if source_format == "JPEG" and image.mode not in ("L", "RGB", "CMYK"):
        image = image.convert("RGB")
    # The decoded image is ours alone: its metadata is replaced rather than the pixels copied.
    image.info = kept
    return image


def _encode(image: Image.Image, source_format: str) -> bytes:
    out = io.BytesIO()
    # No exif=, xmp=, comment= or pnginfo= arguments: the encoders write none of them.
    params: dict[str, Any] = {str(k): v for k, v in image.info.items()}
    if source_format == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, **params)
    elif source_format == "PNG":
        image.save(out, "PNG", optimize=True, **params)
    else:
        image.save(out, "WEBP", quality=JPEG_QUALITY, **params)
    return out.getvalue()


def _thumbnail(image: Image.Image, edge: int) -> bytes:
    scale = min(1.0, edge / max(image.width, image.height))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # Resized straight from the full image (reducing first, as `thumbnail` does), then
    # flattened: only thumbnail-sized copies are made.
    small = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    thumb = _flatten(small)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """An RGB copy for the JPEG thumbnail; transparent areas become white, not black."""
    if image.mode == "RGB":
        return image.copy()
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _over_pixel_cap(cap: int, detail: str) -> PhotoRefused:
    return PhotoRefused(
        413,
        "PAYLOAD_TOO_LARGE",
        f"The image is larger than the cap of {cap} pixels ({detail}); send a smaller one.",
    )


def _unreadable(exc: BaseException) -> PhotoRefused:
    return PhotoRefused(
        422,
        "BAD_USER_INPUT",
        f"The image could not be decoded (truncated or corrupt: {exc}); nothing was stored.",
    )
