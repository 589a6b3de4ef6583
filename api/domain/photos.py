"""Recording an uploaded photo and finding one for a viewer.

A photo is keyed by what is stored: the same image uploaded twice by the same person is the same
photo (a unique index on uploader and sha256), so a retried upload never makes a second row,
even when both attempts run at once. An `Idempotency-Key` binds a key to one image in the
shared idempotency records (whether the upload made a new photo or repeated an earlier one):
replaying it with the same image returns the same photo, with another image it is CONFLICT.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor, Permission, require
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.domain.idempotency import MAX_KEY_LENGTH, run_once
from api.domain.photo_links import may_view_photo
from db.models import IdempotencyRecord, Photo

UPLOAD_OPERATION = "uploadPhoto"  # the operation name of upload keys in idempotency records


@dataclass(frozen=True)
class StoredImage:
    """What the image pipeline produced and put in storage (both digests are storage keys)."""

    sha256: str
    thumbnail_sha256: str
    content_type: str
    width: int
    height: int
    byte_size: int


@dataclass(frozen=True)
class UploadOutcome:
    photo: Photo
    created: bool  # False: an earlier upload of the same image (or key) is returned


def check_idempotency_key(key: str | None) -> str | None:
    """The key as given, or BAD_USER_INPUT when it is empty, too long or not printable ASCII."""
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
            header="Idempotency-Key",
        )
    return key


async def record_upload(
    session: AsyncSession,
    actor: Actor,
    image: StoredImage,
    *,
    idempotency_key: str | None,
) -> UploadOutcome:
    """The photo row for `image` uploaded by `actor`: a new one, or the earlier one it repeats.

    Raises CONFLICT, writing nothing, when `idempotency_key` was used for another image.
    The caller stores the bytes before committing, so a committed row always has its blobs.
    """
    require(actor, Permission.UPLOAD_PHOTOS)
    key = check_idempotency_key(idempotency_key)
    if key is None:
        return await _insert_or_same(session, actor, image)
    ran = False

    async def perform() -> dict[str, str | bool]:
        nonlocal ran
        ran = True
        outcome = await _insert_or_same(session, actor, image)
        return {"photoId": str(outcome.photo.id), "created": outcome.created}

    try:
        result = await run_once(
            session,
            actor,
            operation=UPLOAD_OPERATION,
            key=key,
            arguments={"sha256": image.sha256},
            perform=perform,
        )
    except Conflict:
        found = await _photo_id_for_key(session, actor, key)
        earlier = global_ids.encode("Photo", found) if found else None
        raise Conflict(
            f"Idempotency-Key {key!r} was already used for another image (photo {earlier}); "
            "use a new key for a new photo.",
            reason=ErrorReason.IDEMPOTENCY_KEY_REUSED,
            header="Idempotency-Key",
            photoId=earlier,
        ) from None
    photo = await session.get_one(Photo, uuid.UUID(str(result["photoId"])))
    return UploadOutcome(photo, created=ran and bool(result["created"]))


async def _insert_or_same(session: AsyncSession, actor: Actor, image: StoredImage) -> UploadOutcome:
    # DO NOTHING on the unique index: a concurrent identical upload waits here for the other
    # transaction and then yields to its row instead of failing.
    inserted = await session.scalar(
        insert(Photo)
        .values(
            sha256=image.sha256,
            thumbnail_sha256=image.thumbnail_sha256,
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            byte_size=image.byte_size,
            uploaded_by_id=actor.staff_id,
            store_id=actor.store_id,
        )
        .on_conflict_do_nothing()
        .returning(Photo)
    )
    if inserted is not None:
        return UploadOutcome(inserted, created=True)
    same = await session.scalar(
        select(Photo).where(Photo.uploaded_by_id == actor.staff_id, Photo.sha256 == image.sha256)
    )
    if same is None:  # the other transaction rolled back between our two statements
        raise Conflict("A concurrent upload of this image failed; send it again.")
    return UploadOutcome(same, created=False)


async def photo_for_viewer(session: AsyncSession, actor: Actor, photo_id: str) -> Photo:
    """The photo `photo_id` if `actor` may see it: NOT_FOUND when there is none, FORBIDDEN when
    it is neither theirs nor attached to anything they may see."""
    try:
        parsed = uuid.UUID(photo_id)
    except ValueError:
        raise NotFound(f"No photo has id {photo_id[:64]!r}.", argument="photoId") from None
    photo = await session.get(Photo, parsed)
    if photo is None:
        raise NotFound(f"No photo has id {parsed}.", argument="photoId")
    if not await may_view_photo(session, actor, photo):
        raise Forbidden(
            "This photo is not yours and not attached to anything you may see in your scope."
        )
    return photo


async def _photo_id_for_key(session: AsyncSession, actor: Actor, key: str) -> str | None:
    result = await session.scalar(
        select(IdempotencyRecord.result).where(
            IdempotencyRecord.staff_id == actor.staff_id,
            IdempotencyRecord.operation == UPLOAD_OPERATION,
            IdempotencyRecord.key == key,
        )
    )
    return None if result is None else str(result.get("photoId"))
