"""Domain events: rows that the real-time layer delivers (announced with NOTIFY on commit).

Partitioned by month of occurred_at (alembic 0019); ids come only from the identity sequence,
so (id, occurred_at) is as unique as id was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, partition_time_column


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))  # e.g. LOW_STOCK_RAISED, TRANSFER_SHIPPED
    # Denormalised for per-subscriber authorisation without joins.
    store_id: Mapped[int | None] = mapped_column(Integer)
    region_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = partition_time_column()

    __table_args__ = (
        Index("ix_event_kind_id", "kind", "id"),
        Index("ix_event_store_id_id", "store_id", "id"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )
