"""Staff accounts: who signs in, with which role, attached to which store or region."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Identity, Integer, String, Text
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
