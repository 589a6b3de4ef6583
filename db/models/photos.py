"""Photos uploaded from phones, and what each is evidence for (a shift item, a complaint, ...).

The image bytes live in content-addressed storage (api/photos/storage.py); a row holds the
digest, the decoded size and who uploaded it. A photo is seen by its uploader and by staff who
may see one of the subjects it is attached to.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column
from db.models.organisation import text_enum


class PhotoSubject(enum.StrEnum):
    SHIFT = "SHIFT"  # evidence for a handover checklist item; subject_id is the shift id
    COMPLAINT = "COMPLAINT"  # subject_id is the complaint id
    PROMOTION = "PROMOTION"  # a promotion's display (later issue)
    HELP_REQUEST = "HELP_REQUEST"  # what a clerk asking HQ for help shows; the request id


class Photo(Base):
    __tablename__ = "photo"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, server_default=text("gen_random_uuid()")
    )
    # Digest of the stored (EXIF-stripped) image: the storage key.
    sha256: Mapped[str] = mapped_column(String(64))
    thumbnail_sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))  # image/jpeg, image/png, image/webp
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # The uploader's home store, if any: where an unattached photo belongs.
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        # A retried upload of the same image by the same person is the same photo.
        Index("uq_photo_uploader_sha256", "uploaded_by_id", "sha256", unique=True),
        CheckConstraint("width > 0 AND height > 0", name="positive_size"),
    )


class PhotoAttachment(Base):
    __tablename__ = "photo_attachment"

    photo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photo.id"), primary_key=True)
    subject: Mapped[PhotoSubject] = mapped_column(
        text_enum(PhotoSubject, "photo_subject"), primary_key=True
    )
    subject_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # The store of the subject, so access is one scope check without joining every subject.
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    # Which checklist item (or other part of the subject) the photo is evidence for.
    detail: Mapped[str | None] = mapped_column(Text)
    attached_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    attached_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("ix_photo_attachment_subject", "subject", "subject_id"),
        Index("ix_photo_attachment_store_id", "store_id", "attached_at"),
    )
