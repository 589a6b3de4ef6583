"""GET /photos/{id} and its thumbnail: served only to the uploader and to staff who may see
what the photo is attached to, with caching headers that never leak it to another user."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from api.domain import global_ids
from api.domain.access import Actor
from api.domain.photo_links import attach_photos
from db.engine import create_session_factory
from db.models import PhotoSubject, Staff, Store, TokenKind
from tests.conftest import Api
from tests.photos import samples
from tests.photos.conftest import blob_path, upload


async def uploaded_by(api: Api, username: str, data: bytes | None = None) -> dict[str, Any]:
    response = await upload(
        api, data or samples.jpeg_with_gps(), token=await api.token_for(username)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def attach_to_shift(api: Api, uploader: str, photo_id: str, store_code: str) -> None:
    """What completing a handover does: the uploader attaches their photo to a shift."""
    async with create_session_factory(api.engine)() as session, session.begin():
        staff = await session.scalar(select(Staff).where(Staff.username == uploader))
        store_id = await session.scalar(select(Store.id).where(Store.code == store_code))
        assert staff is not None and store_id is not None
        actor = Actor(
            staff_id=staff.id,
            username=staff.username,
            role=staff.role,
            store_id=staff.store_id,
            region_id=staff.region_id,
            token_id=0,
            token_kind=TokenKind.SESSION,
        )
        await attach_photos(
            session,
            actor,
            [uuid.UUID(global_ids.decode(photo_id, argument="id").key)],
            subject=PhotoSubject.SHIFT,
            subject_id=4242,
            store_id=store_id,
            detail="cold-chain shelf",
        )


async def get(api: Api, path: str, username: str | None, **headers: str) -> Any:
    if username is not None:
        headers["authorization"] = f"Bearer {await api.token_for(username)}"
    return await api.client.get(path, headers=headers)


async def test_the_uploader_gets_the_stored_bytes_with_safe_headers(
    photo_api: Api, tmp_path: Path
) -> None:
    photo = await uploaded_by(photo_api, "clerk.e1")
    response = await get(photo_api, photo["url"], "clerk.e1")
    assert response.status_code == 200
    assert response.content == blob_path(tmp_path, photo["sha256"]).read_bytes()
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["etag"] == f'"{photo["sha256"]}"'
    assert response.headers["cache-control"].startswith("private, max-age=")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not samples.has_metadata(response.content)


async def test_the_thumbnail_is_a_small_jpeg(photo_api: Api) -> None:
    photo = await uploaded_by(photo_api, "clerk.e1", samples.jpeg((1200, 800)))
    response = await get(photo_api, photo["thumbnailUrl"], "clerk.e1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(response.content))
    assert thumb.format == "JPEG" and thumb.size == (320, 213)
    assert response.headers["etag"] != f'"{photo["sha256"]}"'


async def test_a_matching_etag_gets_304_without_a_body(photo_api: Api) -> None:
    photo = await uploaded_by(photo_api, "clerk.e1")
    first = await get(photo_api, photo["url"], "clerk.e1")
    again = await get(
        photo_api, photo["url"], "clerk.e1", **{"if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    stale = await get(photo_api, photo["url"], "clerk.e1", **{"if-none-match": '"0000", W/"1111"'})
    assert stale.status_code == 200
    # A cached copy does not let someone else learn the photo exists unchanged.
    other = await get(
        photo_api, photo["url"], "clerk.e2", **{"if-none-match": first.headers["etag"]}
    )
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("clerk.e1", 200),  # the uploader
        ("sm.e1", 200),  # manages the store the shift is at
        ("rm.east", 200),  # the store's region
        ("ops", 200),  # HQ sees every store's shifts
        ("clerk.e2", 403),  # another store of the same region
        ("sm.w1", 403),  # another region
        ("handler.east", 403),  # in the region, but no permission to see shifts
    ],
)
async def test_a_shift_photo_is_seen_by_who_may_see_the_shift(
    photo_api: Api, viewer: str, status: int
) -> None:
    photo = await uploaded_by(photo_api, "clerk.e1")
    await attach_to_shift(photo_api, "clerk.e1", photo["id"], "E1")
    for path in (photo["url"], photo["thumbnailUrl"]):
        response = await get(photo_api, path, viewer)
        assert response.status_code == status, (path, response.text)
        if status == 403:
            assert response.json()["error"]["code"] == "FORBIDDEN"
            assert response.headers["content-type"] == "application/json"


async def test_an_unattached_photo_is_the_uploaders_alone(photo_api: Api) -> None:
    photo = await uploaded_by(photo_api, "clerk.e1")
    assert (await get(photo_api, photo["url"], "sm.e1")).status_code == 403
    assert (await get(photo_api, photo["url"], "admin")).status_code == 403


async def test_unknown_ids_and_anonymous_callers(photo_api: Api) -> None:
    photo = await uploaded_by(photo_api, "clerk.e1")
    unknown = await get(photo_api, f"/photos/{uuid.uuid4()}", "clerk.e1")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "NOT_FOUND"
    malformed = await get(photo_api, "/photos/not-a-uuid/thumbnail", "clerk.e1")
    assert malformed.status_code == 404
    anonymous = await get(photo_api, photo["url"], None)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "UNAUTHENTICATED"
    # Frozen staff lose access with their very next request.
    token = await photo_api.token_for("clerk.e1")
    async with create_session_factory(photo_api.engine)() as session, session.begin():
        staff = await session.scalar(select(Staff).where(Staff.username == "clerk.e1"))
        assert staff is not None
        staff.status = staff.status.FROZEN
    frozen = await photo_api.client.get(photo["url"], headers={"authorization": f"Bearer {token}"})
    assert frozen.status_code == 401


async def test_a_lost_blob_is_an_internal_error_not_a_crash(photo_api: Api, tmp_path: Path) -> None:
    photo = await uploaded_by(photo_api, "clerk.e1")
    blob_path(tmp_path, photo["sha256"]).unlink()
    response = await get(photo_api, photo["url"], "clerk.e1")
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "INTERNAL" and error["requestId"] in error["message"]
    # Uploading the same image again restores the blob (and is still the same photo).
    again = await upload(
        photo_api, samples.jpeg_with_gps(), token=await photo_api.token_for("clerk.e1")
    )
    assert again.status_code == 200 and again.json()["id"] == photo["id"]
    assert (await get(photo_api, photo["url"], "clerk.e1")).status_code == 200
