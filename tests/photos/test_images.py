"""The image pipeline alone: what is accepted, what is stripped, and why things are refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from api.photos.errors import PhotoRefused
from api.photos.images import PILLOW_PIXEL_LIMIT, process_image
from tests.photos import samples

CAP = 40_000_000


def process(data: bytes, *, max_pixels: int = CAP, thumbnail_px: int = 320) -> object:
    return process_image(data, max_pixels=max_pixels, thumbnail_px=thumbnail_px)


def refusal(data: bytes, *, max_pixels: int = CAP) -> PhotoRefused:
    with pytest.raises(PhotoRefused) as caught:
        process_image(data, max_pixels=max_pixels, thumbnail_px=320)
    return caught.value


def test_jpeg_loses_exif_gps_and_comment_and_is_turned_upright() -> None:
    raw = samples.jpeg_with_gps(size=(64, 32))
    source = Image.open(io.BytesIO(raw))
    assert dict(source.getexif().get_ifd(samples.GPS_IFD)) == samples.GPS_TAGS  # the premise

    image = process_image(raw, max_pixels=CAP, thumbnail_px=16)

    stored = Image.open(io.BytesIO(image.data))
    assert stored.format == "JPEG" and image.content_type == "image/jpeg"
    assert not samples.has_metadata(image.data)
    assert b"Exif" not in image.data and b"31.2290" not in image.data
    # Orientation 6 was applied to the pixels (64x32 shown rotated), then dropped.
    assert (image.width, image.height) == stored.size == (32, 64)
    thumb = Image.open(io.BytesIO(image.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) == 16 and thumb.size == (8, 16)
    assert not samples.has_metadata(image.thumbnail)


def test_the_same_upload_always_stores_the_same_bytes() -> None:
    raw = samples.jpeg_with_gps()
    assert process_image(raw, max_pixels=CAP, thumbnail_px=320).sha256 == (
        process_image(raw, max_pixels=CAP, thumbnail_px=320).sha256
    )


def test_png_keeps_alpha_and_loses_text_and_xmp_chunks() -> None:
    image = process_image(samples.png_with_text(), max_pixels=CAP, thumbnail_px=320)
    stored = Image.open(io.BytesIO(image.data))
    assert stored.format == "PNG" and stored.mode == "RGBA" and stored.size == (40, 30)
    assert stored.info == {} and b"31.2290" not in image.data
    # The thumbnail is JPEG: the half-transparent green lies over white, not black.
    r, g, b = Image.open(io.BytesIO(image.thumbnail)).convert("RGB").getpixel((5, 5))  # type: ignore[misc]
    assert g > 200 and r > 100 and b > 100


def test_webp_loses_exif_and_xmp() -> None:
    raw = samples.webp_with_exif()
    assert "exif" in Image.open(io.BytesIO(raw)).info  # the premise
    image = process_image(raw, max_pixels=CAP, thumbnail_px=320)
    assert image.content_type == "image/webp"
    assert not samples.has_metadata(image.data) and b"31.2290" not in image.data


@pytest.mark.parametrize(
    "data",
    [b"Dear manager, the shelf was empty.\n" * 20, samples.gif()],
    ids=["renamed-text-file", "gif"],
)
def test_anything_but_jpeg_png_webp_is_unsupported(data: bytes) -> None:
    refused = refusal(data)
    assert (refused.status, refused.code) == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert "JPEG, PNG or WebP" in refused.message


def test_a_truncated_jpeg_is_refused() -> None:
    refused = refusal(samples.truncated_jpeg())
    assert (refused.status, refused.code) == (422, "BAD_USER_INPUT")
    assert "truncated" in refused.message


def test_the_pixel_cap_is_checked_before_decoding() -> None:
    refused = refusal(samples.jpeg((200, 100)), max_pixels=10_000)
    assert (refused.status, refused.code) == (413, "PAYLOAD_TOO_LARGE")
    assert "10000 pixels" in refused.message and "200x100" in refused.message


@pytest.mark.filterwarnings("error")  # Pillow's bomb warning must not escape, as one either
@pytest.mark.parametrize("cap", [CAP, 10 * PILLOW_PIXEL_LIMIT], ids=["default", "cap-above-pillow"])
def test_a_decompression_bomb_is_refused(cap: int) -> None:
    bomb = samples.png_bomb()  # 100 million pixels in about 100 KB
    assert len(bomb) < 200_000
    refused = refusal(bomb, max_pixels=cap)
    assert (refused.status, refused.code) == (413, "PAYLOAD_TOO_LARGE")
    # A configured cap above Pillow's own bomb limit is clamped to it.
    assert f"cap of {min(cap, PILLOW_PIXEL_LIMIT)} pixels" in refused.message


def test_a_huge_declared_size_is_refused_from_the_header_alone() -> None:
    # 30000x30000 declared, with almost no pixel data: refused without reading any.
    refused = refusal(samples.png_declaring(30_000, 30_000))
    assert (refused.status, refused.code) == (413, "PAYLOAD_TOO_LARGE")
