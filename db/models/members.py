"""Members: one profile at every store, an append-only points ledger, derived preferences, and
the privacy records (PII access log, member look-ups, privacy alerts).

The phone number is stored only encrypted (`phone_ciphertext` under `phone_key_id`) and as an
HMAC blind index for look-ups; the plain number is in no column and no index.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column, partition_time_column
from db.models.insights import channel_check, channel_column
from db.models.organisation import text_enum


class MemberTier(enum.StrEnum):
    BASIC = "BASIC"
    SILVER = "SILVER"
    GOLD = "GOLD"
    PLATINUM = "PLATINUM"


class PointsEntryKind(enum.StrEnum):
    EARN = "EARN"  # credit: points for a sale
    BONUS = "BONUS"  # credit: granted outside a sale (welcome bonus, goodwill)
    REDEEM = "REDEEM"  # debit: money off a sale
    REVERSE_EARN = "REVERSE_EARN"  # debit: a return takes back points earned on the sale
    EXPIRE = "EXPIRE"  # debit: points past their expiry


class PreferenceKind(enum.StrEnum):
    CATEGORY = "CATEGORY"
    PRODUCT = "PRODUCT"
    PROMOTION_TYPE = "PROMOTION_TYPE"


class PrivacyAlertKind(enum.StrEnum):
    VIEW_THRESHOLD_EXCEEDED = "VIEW_THRESHOLD_EXCEEDED"  # many distinct profiles viewed
    LOOKUP_CEILING_REACHED = "LOOKUP_CEILING_REACHED"  # look-ups refused with RATE_LIMITED


class Member(Base):
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    card_number: Mapped[str] = mapped_column(String(16), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    phone_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    phone_key_id: Mapped[str] = mapped_column(String(32))
    phone_blind_index: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    tier: Mapped[MemberTier] = mapped_column(
        text_enum(MemberTier, "member_tier"), default=MemberTier.BASIC
    )
    tier_since: Mapped[datetime] = created_at_column()
    points_balance: Mapped[int] = mapped_column(Integer, default=0)
    enrolled_store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), index=True)
    enrolled_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    enrolled_at: Mapped[datetime] = created_at_column()
    marketing_consent: Mapped[bool] = mapped_column(Boolean)
    # When the current consent (or its withdrawal) was recorded.
    marketing_consent_at: Mapped[datetime] = created_at_column()
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    channel: Mapped[str] = channel_column()  # APP, POS or API (api/channel.py)

    __table_args__ = (
        CheckConstraint("card_number ~ '^[0-9]{16}$'", name="card_number_format"),
        channel_check(),
        CheckConstraint("points_balance >= 0", name="points_not_negative"),
        CheckConstraint("length(display_name) BETWEEN 1 AND 40", name="display_name_length"),
    )


class PointsEntry(Base):
    """One change of a member's points; append-only (a trigger refuses UPDATE and DELETE).

    Partitioned by month of occurred_at and keyed by member first (a member's balance is read
    per member, and a distributed database would place the ledger with its member). The
    one-entry-per-sale rules live in points_ledger_claim, which PostgreSQL can keep global."""

    __tablename__ = "points_ledger"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    kind: Mapped[PointsEntryKind] = mapped_column(text_enum(PointsEntryKind, "points_entry_kind"))
    points: Mapped[int] = mapped_column(Integer)  # signed: credits > 0, debits < 0
    balance_after: Mapped[int] = mapped_column(Integer)
    # Counted in the rolling 12-month spend that decides the tier (negative for returns).
    spend_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"))
    # The sale (and return) concerned; kept as references, owned by the sales tables.
    sale_store_id: Mapped[int | None] = mapped_column(Integer)
    sale_id: Mapped[int | None] = mapped_column(BigInteger)
    return_store_id: Mapped[int | None] = mapped_column(Integer)
    return_id: Mapped[int | None] = mapped_column(BigInteger)
    expires_at: Mapped[datetime | None] = mapped_column()  # credits only
    occurred_at: Mapped[datetime] = partition_time_column()

    __table_args__ = (
        CheckConstraint("balance_after >= 0", name="balance_not_negative"),
        CheckConstraint(
            "(kind IN ('EARN', 'BONUS') AND points >= 0 AND expires_at IS NOT NULL)"
            " OR (kind NOT IN ('EARN', 'BONUS') AND points <= 0)",
            name="sign_by_kind",
        ),
        Index("ix_points_ledger_member_id_id", "member_id", "id"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )


class PointsLedgerClaim(Base):
    """One EARN and one REDEEM per sale, one REVERSE_EARN per return: a trigger on
    points_ledger inserts here, so a second entry for the same document is a unique
    violation, as the ledger's own partial unique indexes were before it was partitioned."""

    __tablename__ = "points_ledger_claim"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # sale or return
    entry_id: Mapped[int] = mapped_column(BigInteger)


class MemberPreference(Base):
    """A preference derived from purchases: how often and how much of a category, a product
    or a promotion type the member bought. Updated as each sale arrives."""

    __tablename__ = "member_preference"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    kind: Mapped[PreferenceKind] = mapped_column(
        text_enum(PreferenceKind, "preference_kind"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    purchases: Mapped[int] = mapped_column(Integer)  # sales containing it
    quantity: Mapped[int] = mapped_column(Integer)
    spend_cents: Mapped[int] = mapped_column(BigInteger)
    last_purchased_at: Mapped[datetime] = mapped_column()


class PiiAccessLog(Base):
    """Every reveal of a member's personal data, and every request or confirmation of access
    to it (an HQ_COMPLIANCE grant, about `subject_staff_id`); append-only."""

    __tablename__ = "pii_access_log"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # NULL only for a grant confirmed on the server by its operator (no staff account).
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    subject_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    field: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str] = mapped_column(String(64))
    accessed_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("length(purpose) BETWEEN 5 AND 200", name="purpose_length"),
        CheckConstraint("num_nonnulls(member_id, subject_staff_id) = 1", name="one_subject"),
        CheckConstraint("staff_id IS NOT NULL OR member_id IS NULL", name="reader_named"),
        Index("ix_pii_access_log_member_id_id", "member_id", "id"),
        Index("ix_pii_access_log_staff_id_id", "staff_id", "id"),
    )


class MemberView(Base):
    """A staff member opened a member's profile, or looked up a phone number that matched
    nobody: either counts toward look-up ceilings and alerts."""

    __tablename__ = "member_view"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    # A keyed digest of the number tried (domain-separated from the blind index, so it links
    # to no member row), kept only as long as the look-up windows need it.
    missed_phone_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    viewed_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("num_nonnulls(member_id, missed_phone_digest) = 1", name="one_subject"),
        Index("ix_member_view_staff_id_viewed_at", "staff_id", "viewed_at"),
    )


class PrivacyAlert(Base):
    __tablename__ = "privacy_alert"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[PrivacyAlertKind] = mapped_column(
        text_enum(PrivacyAlertKind, "privacy_alert_kind")
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    distinct_members: Mapped[int] = mapped_column(Integer)
    window_minutes: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = created_at_column()
