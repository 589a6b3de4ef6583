"""POST /photos over HTTP against the real app and database: what is stored, what is refused
(and then nothing is stored), and retries that never store twice."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from api.domain import global_ids
from tests.conftest import Api, running_api
from tests.photos import samples
from tests.photos.conftest import blob_path, photo_rows, stored_files, upload


async def test_a_clerks_gps_tagged_jpeg_is_stored_without_any_exif(
    photo_api: Api, tmp_path: Path
) -> None:
    token = await photo_api.token_for("clerk.e1")
    response = await upload(photo_api, samples.jpeg_with_gps(size=(64, 32)), token=token)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["width"] == 32 and body["height"] == 64  # turned upright by its EXIF
    assert body["contentType"] == "image/jpeg"
    # `id` is the global id photoIds take; the URLs name the photo by its UUID.
    photo_uuid = global_ids.decode(body["id"], argument="id")
    assert photo_uuid.type_name == "Photo"
    assert body["url"] == f"/photos/{photo_uuid.key}"
    assert body["thumbnailUrl"] == f"/photos/{photo_uuid.key}/thumbnail"
    assert response.headers["location"] == body["url"]

    stored = blob_path(tmp_path, body["sha256"]).read_bytes()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (32, 64)
    assert len(image.getexif()) == 0 and not image.getexif().get_ifd(samples.GPS_IFD)
    assert not samples.has_metadata(stored)
    assert b"Exif" not in stored and b"31.2290" not in stored

    [row] = await photo_rows(photo_api)
    assert str(row["id"]) == photo_uuid.key and row["sha256"] == body["sha256"]
    assert row["byte_size"] == len(stored) and row["content_type"] == "image/jpeg"
    assert row["store_id"] is not None
    thumbnail = blob_path(tmp_path, row["thumbnail_sha256"]).read_bytes()
    assert Image.open(io.BytesIO(thumbnail)).format == "JPEG"
    assert len(stored_files(tmp_path)) == 2


@pytest.mark.parametrize(
    ("make", "content_type"),
    [(samples.png_with_text, "image/png"), (samples.webp_with_exif, "image/webp")],
    ids=["png", "webp"],
)
async def test_png_and_webp_are_accepted_and_stripped(
    photo_api: Api, tmp_path: Path, make: object, content_type: str
) -> None:
    token = await photo_api.token_for("sm.e1")
    response = await upload(photo_api, make(), token=token, content_type=content_type)  # type: ignore[operator]
    assert response.status_code == 201, response.text
    assert response.json()["contentType"] == content_type
    stored = blob_path(tmp_path, response.json()["sha256"]).read_bytes()
    assert not samples.has_metadata(stored) and b"31.2290" not in stored


REFUSALS = [
    (
        "renamed-text-file",
        lambda: b"Dear manager, the shelf was empty.\n" * 30,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    ("gif", samples.gif, 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("truncated-jpeg", samples.truncated_jpeg, 422, "BAD_USER_INPUT"),
    ("decompression-bomb", samples.png_bomb, 413, "PAYLOAD_TOO_LARGE"),
    ("empty-file", lambda: b"", 400, "BAD_USER_INPUT"),
]


@pytest.mark.parametrize(
    ("make", "status", "code"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
async def test_bad_files_are_refused_and_nothing_is_stored(
    photo_api: Api, tmp_path: Path, make: object, status: int, code: str
) -> None:
    token = await photo_api.token_for("clerk.e1")
    response = await upload(photo_api, make(), token=token)  # type: ignore[operator]
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert await photo_rows(photo_api) == []
    assert stored_files(tmp_path) == []


async def test_caps_on_pixels_and_bytes(org_db: str, tmp_path: Path) -> None:
    async with running_api(
        org_db, data_dir=tmp_path, photo_max_pixels=10_000, photo_max_bytes=20_000
    ) as api:
        token = await api.token_for("clerk.e1")
        over_pixels = await upload(api, samples.jpeg((200, 100)), token=token)
        assert over_pixels.status_code == 413
        assert over_pixels.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert "10000 pixels" in over_pixels.json()["error"]["message"]

        noise = Image.frombytes("RGB", (95, 95), bytes(range(256)) * 106)  # 95*95*3 bytes
        big = io.BytesIO()
        noise.save(big, "PNG", compress_level=0)
        assert len(big.getvalue()) > 20_000
        over_bytes = await upload(api, big.getvalue(), token=token, content_type="image/png")
        assert over_bytes.status_code == 413
        assert "20000 bytes" in over_bytes.json()["error"]["message"]

        # The declared Content-Length alone is enough to refuse, before the body is read.
        declared = await api.client.post(
            "/photos",
            content=b"x" * 100,
            headers={
                "authorization": f"Bearer {token}",
                "content-type": "multipart/form-data; boundary=b",
                "content-length": str(20_000 + 64 * 1024 + 1),
            },
        )
        assert declared.status_code == 413

        assert await photo_rows(api) == []
        assert stored_files(tmp_path) == []

        fits = await upload(api, samples.jpeg((90, 90)), token=token)
        assert fits.status_code == 201, fits.text


async def test_the_graphql_body_cap_does_not_apply_to_photos(
    photo_api: Api, tmp_path: Path
) -> None:
    noise = Image.frombytes("RGB", (300, 300), bytes(range(256)) * 1055)
    out = io.BytesIO()
    noise.save(out, "PNG", compress_level=0)
    assert len(out.getvalue()) > 256 * 1024
    token = await photo_api.token_for("clerk.e1")
    response = await upload(photo_api, out.getvalue(), token=token, content_type="image/png")
    assert response.status_code == 201, response.text


async def test_the_body_must_be_multipart_with_one_file_field(photo_api: Api) -> None:
    token = await photo_api.token_for("clerk.e1")
    auth = {"authorization": f"Bearer {token}"}
    raw = await photo_api.client.post(
        "/photos", content=samples.jpeg(), headers={**auth, "content-type": "image/jpeg"}
    )
    assert raw.status_code == 415 and "multipart/form-data" in raw.json()["error"]["message"]
    wrong_field = await photo_api.client.post(
        "/photos", files={"image": ("a.jpg", samples.jpeg(), "image/jpeg")}, headers=auth
    )
    assert wrong_field.status_code == 400
    assert wrong_field.json()["error"]["code"] == "BAD_USER_INPUT"
    two_files = await photo_api.client.post(
        "/photos",
        files=[
            ("file", ("a.jpg", samples.jpeg(), "image/jpeg")),
            ("file", ("b.jpg", samples.jpeg(), "image/jpeg")),
        ],
        headers=auth,
    )
    assert two_files.status_code == 400
    assert await photo_rows(photo_api) == []


async def test_who_may_upload(photo_api: Api, tmp_path: Path) -> None:
    anonymous = await upload(photo_api, samples.jpeg(), token=None)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "UNAUTHENTICATED"
    assert anonymous.headers["www-authenticate"] == "Bearer"
    bogus = await upload(photo_api, samples.jpeg(), token="cs_not-a-real-token")
    assert bogus.status_code == 401

    compliance = await upload(
        photo_api, samples.jpeg(), token=await photo_api.token_for("compliance")
    )
    assert compliance.status_code == 403
    assert compliance.json()["error"]["code"] == "FORBIDDEN"
    assert "UPLOAD_PHOTOS" in compliance.json()["error"]["message"]

    token = await photo_api.token_for("clerk.e2")
    async with photo_api.engine.begin() as conn:
        await conn.execute(text("UPDATE staff SET status = 'FROZEN' WHERE username = 'clerk.e2'"))
    frozen = await upload(photo_api, samples.jpeg(), token=token)
    assert frozen.status_code == 401 and "frozen" in frozen.json()["error"]["message"]

    assert await photo_rows(photo_api) == []
    assert stored_files(tmp_path) == []


async def test_a_retry_without_a_key_is_the_same_photo(photo_api: Api, tmp_path: Path) -> None:
    token = await photo_api.token_for("clerk.e1")
    image = samples.jpeg_with_gps()
    first = await upload(photo_api, image, token=token)
    again = await upload(photo_api, image, token=token)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(await photo_rows(photo_api)) == 1
    assert len(stored_files(tmp_path)) == 2

    # Another person uploading the same picture gets a photo of their own (same blobs).
    other = await upload(photo_api, image, token=await photo_api.token_for("sm.e1"))
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]
    assert other.json()["sha256"] == first.json()["sha256"]
    assert len(await photo_rows(photo_api)) == 2
    assert len(stored_files(tmp_path)) == 2


async def test_idempotency_keys(photo_api: Api, tmp_path: Path) -> None:
    token = await photo_api.token_for("clerk.e1")
    first = await upload(photo_api, samples.jpeg_with_gps(), token=token, key="shelf-7-0915")
    replay = await upload(photo_api, samples.jpeg_with_gps(), token=token, key="shelf-7-0915")
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json() == first.json()
    assert len(await photo_rows(photo_api)) == 1
    files_before = stored_files(tmp_path)

    other_image = await upload(photo_api, samples.jpeg(), token=token, key="shelf-7-0915")
    assert other_image.status_code == 409, other_image.text
    error = other_image.json()["error"]
    assert error["code"] == "CONFLICT" and "shelf-7-0915" in error["message"]
    assert error["photoId"] == first.json()["id"]
    assert len(await photo_rows(photo_api)) == 1
    assert stored_files(tmp_path) == files_before  # nothing new stored

    # Keys are per uploader: another clerk may use the same one.
    elsewhere = await upload(
        photo_api, samples.jpeg(), token=await photo_api.token_for("clerk.e2"), key="shelf-7-0915"
    )
    assert elsewhere.status_code == 201

    too_long = await upload(photo_api, samples.jpeg(), token=token, key="k" * 129)
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "BAD_USER_INPUT"


async def test_a_key_first_used_on_a_repeated_image_is_still_bound_to_it(
    photo_api: Api, tmp_path: Path
) -> None:
    token = await photo_api.token_for("clerk.e1")
    unkeyed = await upload(photo_api, samples.jpeg_with_gps(), token=token)
    keyed = await upload(photo_api, samples.jpeg_with_gps(), token=token, key="retry-1")
    assert (unkeyed.status_code, keyed.status_code) == (201, 200)
    assert keyed.json()["id"] == unkeyed.json()["id"]

    reused = await upload(photo_api, samples.jpeg(), token=token, key="retry-1")
    assert reused.status_code == 409, reused.text
    assert reused.json()["error"]["photoId"] == unkeyed.json()["id"]
    assert len(await photo_rows(photo_api)) == 1


@pytest.mark.parametrize("key", [None, "same-key"], ids=["no-key", "same-key"])
async def test_concurrent_identical_uploads_make_one_photo(
    photo_api: Api, tmp_path: Path, key: str | None
) -> None:
    token = await photo_api.token_for("clerk.e1")
    image = samples.jpeg_with_gps(size=(800, 600))
    responses = await asyncio.gather(
        *(upload(photo_api, image, token=token, key=key) for _ in range(4))
    )
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201], [
        r.text for r in responses
    ]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(await photo_rows(photo_api)) == 1
    assert len(stored_files(tmp_path)) == 2


async def test_concurrent_uploads_of_other_images_under_one_key(
    photo_api: Api, tmp_path: Path
) -> None:
    token = await photo_api.token_for("clerk.e1")
    images = [samples.jpeg(colour=(c, 0, 0)) for c in (10, 90, 170, 250)]
    responses = await asyncio.gather(*(upload(photo_api, i, token=token, key="k1") for i in images))
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    [row] = await photo_rows(photo_api)
    winner = next(r for r in responses if r.status_code == 201).json()
    assert row["sha256"] == winner["sha256"]
    assert stored_files(tmp_path) == sorted(
        [blob_path(tmp_path, row["sha256"]), blob_path(tmp_path, row["thumbnail_sha256"])]
    )
