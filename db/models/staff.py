"""Staff accounts: who signs in, with which role, attached to which store or region."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Identity, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column
from db.models.organisation import text_enum


class Role(enum.StrEnum):
    CLERK = "CLERK"
    STORE_MANAGER = "STORE_MANAGER"
    REGION_MANAGER = "REGION_MANAGER"
    HQ_OPERATIONS = "HQ_OPERATIONS"
    HQ_COMPLIANCE = "HQ_COMPLIANCE"
    COMPLAINT_HANDLER = "COMPLAINT_HANDLER"
    INTEGRATOR = "INTEGRATOR"
    ADMIN = "ADMIN"


class StaffStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[Role] = mapped_column(text_enum(Role, "staff_role"))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    status: Mapped[StaffStatus] = mapped_column(
        text_enum(StaffStatus, "staff_status"), default=StaffStatus.ACTIVE
    )
    # NULL for integrator principals, which only ever authenticate with API tokens.
    password_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    status_changed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint("username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'", name="username_format"),
        CheckConstraint("store_id IS NULL OR region_id IS NULL", name="one_home"),
        CheckConstraint(
            "role NOT IN ('CLERK', 'STORE_MANAGER') OR store_id IS NOT NULL",
            name="store_roles_have_store",
        ),
        CheckConstraint(
            "role <> 'REGION_MANAGER' OR region_id IS NOT NULL",
            name="region_manager_has_region",
        ),
    )


class ComplianceGrant(Base):
    """A request to give an account the HQ_COMPLIANCE role, which reads members' full phone
    numbers: it takes a second person. Until another HQ_COMPLIANCE member (never the requester
    or the grantee) or the server's operator confirms it, the account holds none of the role's
    permissions. An account without a pending grant was confirmed, or seeded on the server."""

    __tablename__ = "compliance_grant"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    requested_at: Mapped[datetime] = created_at_column()
    # NULL with confirmed_at set: confirmed on the server (`chainstore staff confirm-grant`).
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint("requested_by_id <> staff_id", name="not_self_requested"),
        CheckConstraint(
            "confirmed_by_id IS NULL OR (confirmed_at IS NOT NULL "
            "AND confirmed_by_id <> requested_by_id AND confirmed_by_id <> staff_id)",
            name="second_person",
        ),
        Index(
            "uq_compliance_grant_pending_staff_id",
            "staff_id",
            unique=True,
            postgresql_where=text("confirmed_at IS NULL"),
        ),
    )
