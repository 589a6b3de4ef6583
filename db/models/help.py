"""Help from HQ for store staff (a request and its one answer), and customer calls placed through
the masked-number bridge (who called which complaint's customer, why, and through what).

Neither table holds a phone number: a call names the complaint and its member; the number is
read, logged and handed to the telephony adapter only at the moment of the call.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column
from db.models.organisation import text_enum


class HelpRequestStatus(enum.StrEnum):
    OPEN = "OPEN"  # waiting for HQ
    ANSWERED = "ANSWERED"  # answered once; the answer reached the store as an event


class HelpRequest(Base):
    __tablename__ = "help_request"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    # Denormalised from the store: region scope without a join.
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[HelpRequestStatus] = mapped_column(
        text_enum(HelpRequestStatus, "help_request_status")
    )
    requested_at: Mapped[datetime] = created_at_column()
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    answered_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint("length(note) BETWEEN 1 AND 1000", name="note_length"),
        CheckConstraint(
            "(status = 'OPEN' AND answer IS NULL AND answered_by_id IS NULL "
            "AND answered_at IS NULL) OR (status = 'ANSWERED' AND length(answer) BETWEEN 1 "
            "AND 2000 AND answered_by_id IS NOT NULL AND answered_at IS NOT NULL)",
            name="answered_in_full",
        ),
        Index("ix_help_request_status_id", "status", "id"),
        Index("ix_help_request_store_id_status_id", "store_id", "status", "id"),
        Index("ix_help_request_region_id_status_id", "region_id", "status", "id"),
    )


class CallStatus(enum.StrEnum):
    PLACING = "PLACING"  # logged; the adapter is being asked to connect the two phones
    CONNECTING = "CONNECTING"  # a provider accepted the bridge and is ringing both sides
    RECORDED = "RECORDED"  # the default adapter: recorded here, nothing dialled
    FAILED = "FAILED"  # the adapter refused or failed; nothing was connected


class CustomerCall(Base):
    """One bridged call to a complaint's customer; the PII access log row is its reveal."""

    __tablename__ = "customer_call"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, index=True)
    complaint_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("member.id"))
    # The complaint's store: keyed with the complaint (alembic 0021).
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str] = mapped_column(Text)
    # The PII access log row of this call. No foreign key: the log is append-only and stays
    # its own table (a key would tie its TRUNCATE refusal to this table).
    access_log_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[CallStatus] = mapped_column(text_enum(CallStatus, "customer_call_status"))
    provider: Mapped[str] = mapped_column(String(32))
    # The provider's id of the bridge (never a number), for matching its call records.
    provider_call_id: Mapped[str | None] = mapped_column(String(128))
    requested_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "complaint_id"],
            ["complaint.store_id", "complaint.id"],
            name="fk_customer_call_complaint",
        ),
        CheckConstraint("length(reason) BETWEEN 5 AND 200", name="reason_length"),
        Index("ix_customer_call_staff_id_requested_at", "staff_id", "requested_at"),
        Index("ix_customer_call_complaint_id_id", "complaint_id", "id"),
    )
