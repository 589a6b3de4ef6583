"""`POST /photos`, `GET /photos/{id}` and `GET /photos/{id}/thumbnail` (README "Photos").

An upload is authenticated and authorised before its body is read, decoded in a worker thread
with no database connection held, and recorded in one short transaction; its blobs are written
before that transaction commits, so a photo row always has its bytes, and a refused upload
(CONFLICT included) stores nothing. Errors are JSON `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.context import Services
from api.domain import global_ids
from api.domain.access import Actor, Permission, require
from api.domain.auth import authenticate
from api.domain.errors import DomainError, Unauthenticated
from api.domain.photos import (
    StoredImage,
    UploadOutcome,
    check_idempotency_key,
    photo_for_viewer,
    record_upload,
)
from api.photos.errors import PhotoRefused
from api.photos.images import ProcessedImage, process_image
from api.photos.storage import PhotoStorage
from api.photos.upload_body import read_image_field
from api.request_id import current_request_id
from db.models import Photo

log = logging.getLogger("chainstore.photos")

# Browsers and the clerk app may keep a photo this long; the bytes behind an id never change.
CACHE_SECONDS = 24 * 60 * 60
# A decode holds a core and up to photo_max_pixels x 4 bytes; more decodes at once than cores
# only add memory, so each process runs at most this many and queues the rest.
DECODE_SLOTS = os.cpu_count() or 2

_STATUS: dict[str, int] = {
    "BAD_USER_INPUT": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "RATE_LIMITED": 429,
}


def photo_routes() -> list[Route]:
    decodes = asyncio.Semaphore(DECODE_SLOTS)

    async def upload(request: Request) -> Response:
        return await upload_photo(request, decodes)

    return [
        Route("/photos", upload, methods=["POST"]),
        Route("/photos/{photo_id}", download_photo, methods=["GET"]),
        Route("/photos/{photo_id}/thumbnail", download_thumbnail, methods=["GET"]),
    ]


def photo_json(photo: Photo) -> dict[str, Any]:
    """The upload's answer: `id` is the global id that `photoIds` take (as `Photo.id` in
    GraphQL); the URLs name the photo by its UUID."""
    return {
        "id": global_ids.encode("Photo", photo.id),
        "sha256": photo.sha256,
        "width": photo.width,
        "height": photo.height,
        "contentType": photo.content_type,
        "url": f"/photos/{photo.id}",
        "thumbnailUrl": f"/photos/{photo.id}/thumbnail",
    }


async def upload_photo(request: Request, decodes: asyncio.Semaphore) -> Response:
    services: Services = request.app.state.services
    settings = services.settings
    try:
        actor = require(await _caller(services, request), Permission.UPLOAD_PHOTOS)
        key = check_idempotency_key(request.headers.get("idempotency-key"))
        raw = await read_image_field(request, settings.photo_max_bytes)
        async with decodes:
            image = await asyncio.to_thread(
                process_image,
                raw,
                max_pixels=settings.photo_max_pixels,
                thumbnail_px=settings.photo_thumbnail_px,
                max_decoded_bytes=settings.photo_max_decoded_mib * 2**20,
            )
        async with services.sessions() as session, session.begin():
            outcome = await record_upload(session, actor, _stored(image), idempotency_key=key)
            await _store_blobs(services.photos, image, outcome)
            body = photo_json(outcome.photo)
    except (DomainError, PhotoRefused) as exc:
        return _refusal(exc)
    except ClientDisconnect:
        return Response(status_code=400)  # nobody is left to read it
    except Exception:
        return _internal_error("upload")
    return JSONResponse(
        body, status_code=201 if outcome.created else 200, headers={"Location": body["url"]}
    )


async def download_photo(request: Request) -> Response:
    return await _serve(request, thumbnail=False)


async def download_thumbnail(request: Request) -> Response:
    return await _serve(request, thumbnail=True)


async def _serve(request: Request, *, thumbnail: bool) -> Response:
    services: Services = request.app.state.services
    try:
        async with services.sessions() as session:
            actor = await authenticate(session, request.headers.get("authorization"))
            if actor is None:
                raise Unauthenticated("Sign in first: send 'Authorization: Bearer <token>'.")
            photo = await photo_for_viewer(session, actor, request.path_params["photo_id"])
        sha256 = photo.thumbnail_sha256 if thumbnail else photo.sha256
        headers = {
            "ETag": f'"{sha256}"',
            "Cache-Control": f"private, max-age={CACHE_SECONDS}",
            "X-Content-Type-Options": "nosniff",
            "Vary": "Authorization",
        }
        if _etag_matches(request.headers.get("if-none-match"), sha256):
            return Response(status_code=304, headers=headers)
        data = await services.photos.get(sha256)
    except DomainError as exc:
        return _refusal(exc)
    except Exception:
        return _internal_error("download")
    media_type = "image/jpeg" if thumbnail else photo.content_type
    return Response(data, media_type=media_type, headers=headers)


async def _caller(services: Services, request: Request) -> Actor | None:
    # A short session of its own: no connection is held while the body streams in.
    async with services.sessions() as session:
        return await authenticate(session, request.headers.get("authorization"))


def _stored(image: ProcessedImage) -> StoredImage:
    return StoredImage(
        sha256=image.sha256,
        thumbnail_sha256=image.thumbnail_sha256,
        content_type=image.content_type,
        width=image.width,
        height=image.height,
        byte_size=len(image.data),
    )


async def _store_blobs(
    storage: PhotoStorage, image: ProcessedImage, outcome: UploadOutcome
) -> None:
    """Write the blobs the row names (a replay rewrites a lost one; an existing one is kept)."""
    if outcome.photo.sha256 == image.sha256:
        stored = await storage.put(image.data)
        assert stored == image.sha256
    if outcome.photo.thumbnail_sha256 == image.thumbnail_sha256:
        stored = await storage.put(image.thumbnail)
        assert stored == image.thumbnail_sha256


def _etag_matches(if_none_match: str | None, sha256: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in if_none_match.split(",")}
    return "*" in tags or sha256 in tags


def _refusal(exc: DomainError | PhotoRefused) -> JSONResponse:
    status = exc.status if isinstance(exc, PhotoRefused) else _STATUS.get(exc.code, 500)
    # One line, as for GraphQL errors (api/errors.py): the code, never the message.
    log.info("client error %s at photos (request %s)", exc.code, current_request_id())
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    details = exc.extensions if isinstance(exc, DomainError) else {"code": exc.code}
    return JSONResponse(
        {"error": {**details, "message": exc.message}},
        status_code=status,
        headers=headers,
    )


def _internal_error(action: str) -> JSONResponse:
    request_id = current_request_id()
    log.exception("photo %s failed (request %s)", action, request_id)
    return JSONResponse(
        {
            "error": {
                "code": "INTERNAL",
                "message": f"Internal error. Quote request id {request_id} when reporting it.",
                "requestId": request_id,
            }
        },
        status_code=500,
    )
