"""Attaching uploaded photos to what they are evidence for, and who may then see them.

Shifts, complaints and (later) promotions call `attach_photos` inside their own transaction;
the photo routes call `may_view_photo`. Only photos the caller uploaded can be attached, so
nobody can pass off another person's picture as their own evidence.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import global_ids
from api.domain.access import Actor, Permission
from api.domain.error_reasons import ErrorReason
from api.domain.errors import InvalidInput
from db.models import Photo, PhotoAttachment, PhotoSubject

# Who may see a subject's photos: the permission that lets them see the subject itself.
SUBJECT_VIEW_PERMISSION: dict[PhotoSubject, Permission] = {
    PhotoSubject.SHIFT: Permission.VIEW_SHIFTS,
    PhotoSubject.COMPLAINT: Permission.VIEW_COMPLAINTS,
    PhotoSubject.PROMOTION: Permission.VIEW_STOCK,
    PhotoSubject.HELP_REQUEST: Permission.VIEW_HELP_REQUESTS,
}


@dataclass(frozen=True)
class PhotoRef:
    id: uuid.UUID
    width: int
    height: int
    detail: str | None


async def attach_photos(
    session: AsyncSession,
    actor: Actor,
    photo_ids: Sequence[uuid.UUID],
    *,
    subject: PhotoSubject,
    subject_id: int,
    store_id: int,
    detail: str | None = None,
) -> None:
    """Attach the caller's own uploads to a subject at a store; attaching twice is a no-op.

    Raises BAD_USER_INPUT listing every id that is unknown or uploaded by someone else, before
    writing anything.
    """
    if not photo_ids:
        return
    own = set(
        (
            await session.scalars(
                select(Photo.id).where(
                    Photo.id.in_(list(photo_ids)), Photo.uploaded_by_id == actor.staff_id
                )
            )
        ).all()
    )
    missing = [global_ids.encode("Photo", p) for p in photo_ids if p not in own]
    if missing:
        raise InvalidInput(
            "Unknown photos (upload them with POST /photos first; only your own uploads can "
            f"be attached): {', '.join(missing)}.",
            field="photoIds",
            reason=ErrorReason.UNKNOWN_PHOTOS,
            unknownPhotoIds=missing,
        )
    await session.execute(
        insert(PhotoAttachment)
        .values(
            [
                {
                    "photo_id": photo_id,
                    "subject": subject,
                    "subject_id": subject_id,
                    "store_id": store_id,
                    "detail": detail,
                    "attached_by_id": actor.staff_id,
                }
                for photo_id in photo_ids
            ]
        )
        .on_conflict_do_nothing()
    )


async def photos_of(
    session: AsyncSession, subject: PhotoSubject, subject_ids: Sequence[int]
) -> dict[int, list[PhotoRef]]:
    """The photos attached to each subject, oldest first (one statement for many subjects)."""
    found: dict[int, list[PhotoRef]] = {i: [] for i in subject_ids}
    if not subject_ids:
        return found
    rows = await session.execute(
        select(
            PhotoAttachment.subject_id,
            PhotoAttachment.detail,
            Photo.id,
            Photo.width,
            Photo.height,
        )
        .join(Photo, Photo.id == PhotoAttachment.photo_id)
        .where(
            PhotoAttachment.subject == subject,
            PhotoAttachment.subject_id.in_(list(subject_ids)),
        )
        .order_by(PhotoAttachment.attached_at, Photo.id)
    )
    for row in rows:
        found[row.subject_id].append(PhotoRef(row.id, row.width, row.height, row.detail))
    return found


_ATTACHMENT_STORES = text(
    """
    SELECT a.subject, a.store_id, s.region_id
    FROM photo_attachment a JOIN store s ON s.id = a.store_id
    WHERE a.photo_id = :photo_id
    """
)


async def may_view_photo(session: AsyncSession, actor: Actor, photo: Photo) -> bool:
    """The uploader sees their photo; others only through a subject they may see."""
    if photo.uploaded_by_id == actor.staff_id:
        return True
    for row in await session.execute(_ATTACHMENT_STORES, {"photo_id": photo.id}):
        permission = SUBJECT_VIEW_PERMISSION[PhotoSubject(row.subject)]
        if actor.can(permission) and actor.scope.allows(row.store_id, row.region_id):
            return True
    return False
