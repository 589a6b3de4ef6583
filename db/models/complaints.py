"""Customer complaints: the complaint, its append-only timeline, routing and SLA targets,
the customer message outbox, and the compensation given (replacement pickups, coupons).

The complainant's phone is never stored here: a complaint references the member, and a
delivery adapter resolves the phone through the members domain when it sends a message.
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
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column
from db.models.insights import channel_check, channel_column
from db.models.organisation import text_enum


class ComplaintCategory(enum.StrEnum):
    PRODUCT_QUALITY = "PRODUCT_QUALITY"
    SERVICE = "SERVICE"
    PRICE = "PRICE"
    HYGIENE = "HYGIENE"
    STOCK_OUT = "STOCK_OUT"
    OTHER = "OTHER"


class ComplaintStatus(enum.StrEnum):
    OPEN = "OPEN"  # filed, nobody could be assigned
    ASSIGNED = "ASSIGNED"  # a handler owns it, no first response yet
    IN_PROGRESS = "IN_PROGRESS"  # the handler responded and is working on it
    RESOLVED = "RESOLVED"  # a resolution was given; may be reopened for a while
    CLOSED = "CLOSED"  # done; may still be reopened within the window after resolution
    REOPENED = "REOPENED"  # the customer was not satisfied; back to the handler


class TimelineKind(enum.StrEnum):
    FILED = "FILED"
    ASSIGNED = "ASSIGNED"
    STARTED = "STARTED"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    REOPENED = "REOPENED"
    FIRST_RESPONSE_BREACHED = "FIRST_RESPONSE_BREACHED"
    RESOLUTION_BREACHED = "RESOLUTION_BREACHED"
    MESSAGE_DELIVERED = "MESSAGE_DELIVERED"
    REPLACEMENT_COLLECTED = "REPLACEMENT_COLLECTED"


class PickupStatus(enum.StrEnum):
    PENDING = "PENDING"
    COLLECTED = "COLLECTED"


def complaint_key(table: str, store_column: str = "store_id") -> ForeignKeyConstraint:
    """A row's complaint, named by the complaint's key: (its store, its id)."""
    return ForeignKeyConstraint(
        [store_column, "complaint_id"],
        ["complaint.store_id", "complaint.id"],
        name=f"fk_{table}_complaint",
    )


class Complaint(Base):
    """Keyed by store first, so its rows and its children's distribute with the store (alembic
    0021); looked up by id alone (node ids, handlers' queues) through its index."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    # Denormalised from the store: routing and region scope without a join.
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    category: Mapped[ComplaintCategory] = mapped_column(
        text_enum(ComplaintCategory, "complaint_category")
    )
    description: Mapped[str] = mapped_column(Text)
    member_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("member.id"))
    receipt_no: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ComplaintStatus] = mapped_column(text_enum(ComplaintStatus, "complaint_status"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    filed_at: Mapped[datetime] = created_at_column()
    first_response_due_at: Mapped[datetime] = mapped_column()
    resolution_due_at: Mapped[datetime] = mapped_column()
    first_responded_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    resolution: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # Set once by the SLA job: a breach is flagged and escalated exactly once.
    first_response_breached_at: Mapped[datetime | None] = mapped_column()
    resolution_breached_at: Mapped[datetime | None] = mapped_column()
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = created_at_column()
    channel: Mapped[str] = channel_column()  # APP, POS or API (api/channel.py)

    __table_args__ = (
        CheckConstraint("length(description) BETWEEN 1 AND 2000", name="description_length"),
        channel_check(),
        CheckConstraint("reopen_count >= 0", name="reopen_count_not_negative"),
        Index("ix_complaint_store_id_status", "store_id", "status"),
        Index("ix_complaint_region_id_id", "region_id", "id"),
        Index("ix_complaint_assignee_id_status", "assignee_id", "status"),
        Index("ix_complaint_member_id_status", "member_id", "status"),
        Index("ix_complaint_filed_at", "filed_at"),
    )


class ComplaintTimelineEntry(Base):
    """One change to a complaint; append-only (a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "complaint_timeline"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, index=True)
    complaint_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[TimelineKind] = mapped_column(text_enum(TimelineKind, "complaint_timeline_kind"))
    # NULL when the system acted (the SLA job, message delivery).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[ComplaintStatus] = mapped_column(text_enum(ComplaintStatus, "complaint_status"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    due_by: Mapped[datetime | None] = mapped_column()
    occurred_at: Mapped[datetime] = created_at_column()

    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the complaint's

    __table_args__ = (
        complaint_key("complaint_timeline"),
        Index("ix_complaint_timeline_complaint_id_id", "complaint_id", "id"),
    )


class ComplaintRoute(Base):
    """Who handles a category of complaints in a region (several: the least loaded is picked)."""

    __tablename__ = "complaint_route"

    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), primary_key=True)
    category: Mapped[ComplaintCategory] = mapped_column(
        text_enum(ComplaintCategory, "complaint_category"), primary_key=True
    )
    handler_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    set_at: Mapped[datetime] = created_at_column()


class ComplaintSla(Base):
    """First-response and resolution targets for one category."""

    __tablename__ = "complaint_sla"

    category: Mapped[ComplaintCategory] = mapped_column(
        text_enum(ComplaintCategory, "complaint_category"), primary_key=True
    )
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint(
            "first_response_minutes > 0 AND resolution_minutes >= first_response_minutes",
            name="targets_ordered",
        ),
    )


class ComplaintMessage(Base):
    """A progress message to the customer, queued in the transaction of the change (outbox)
    and delivered at least once by the worker. Holds no phone number."""

    __tablename__ = "complaint_message"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, index=True)
    complaint_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("member.id"))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = created_at_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    channel: Mapped[str | None] = mapped_column(String(32))  # the adapter that delivered it
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the complaint's

    __table_args__ = (
        complaint_key("complaint_message"),
        Index("ix_complaint_message_complaint_id_id", "complaint_id", "id"),
        Index(
            "ix_complaint_message_due",
            "next_attempt_at",
            postgresql_where=text("delivered_at IS NULL"),
        ),
    )


class ComplaintPickup(Base):
    """A replacement the customer collects at a store; stock moves when it is collected.
    Keyed by that store (with its stock), which may not be the complaint's."""

    __tablename__ = "complaint_pickup"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, index=True)
    complaint_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("member.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[PickupStatus] = mapped_column(
        text_enum(PickupStatus, "complaint_pickup_status"), default=PickupStatus.PENDING
    )
    created_at: Mapped[datetime] = created_at_column()
    collected_at: Mapped[datetime | None] = mapped_column()
    collected_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    complaint_store_id: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        complaint_key("complaint_pickup", "complaint_store_id"),
        CheckConstraint("quantity BETWEEN 1 AND 100", name="quantity_range"),
        Index("ix_complaint_pickup_complaint_id", "complaint_id"),
        Index("ix_complaint_pickup_member_id_status", "member_id", "status"),
        Index("ix_complaint_pickup_store_id_status", "store_id", "status"),
    )


class MemberCoupon(Base):
    """Money off a future purchase, credited to a member as complaint compensation."""

    __tablename__ = "member_coupon"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("member.id"))
    complaint_id: Mapped[int | None] = mapped_column(BigInteger)
    value_cents: Mapped[int] = mapped_column(Integer)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    issued_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column()
    redeemed_at: Mapped[datetime | None] = mapped_column()
    # The sale that redeemed it (promotions: recordSale redeems a coupon once).
    redeemed_store_id: Mapped[int | None] = mapped_column(Integer)
    redeemed_sale_id: Mapped[int | None] = mapped_column(BigInteger)
    complaint_store_id: Mapped[int | None] = mapped_column(Integer)  # with complaint_id

    __table_args__ = (
        complaint_key("member_coupon", "complaint_store_id"),
        CheckConstraint(
            "num_nonnulls(complaint_store_id, complaint_id) IN (0, 2)", name="complaint_named"
        ),
        CheckConstraint("value_cents BETWEEN 1 AND 100000", name="value_range"),
        CheckConstraint(
            "num_nonnulls(redeemed_store_id, redeemed_sale_id) IN (0, 2) AND "
            "(redeemed_sale_id IS NULL OR redeemed_at IS NOT NULL)",
            name="redeemed_by_a_sale",
        ),
        ForeignKeyConstraint(
            ["redeemed_store_id", "redeemed_sale_id"],
            ["sale_receipt.store_id", "sale_receipt.sale_id"],  # names one sale (sales.py)
            name="fk_member_coupon_redeemed_sale",
        ),
        Index("ix_member_coupon_member_id_expires_at", "member_id", "expires_at"),
    )
