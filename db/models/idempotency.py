"""Results of retried mutations, keyed by caller, operation and client key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_record"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    operation: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    # sha256 of the arguments: the same key with different arguments is a client bug.
    request_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
