"""All tables, imported here so Alembic's autogenerate sees every one."""

from db.models.auth import AuthToken, LoginThrottle, TokenKind
from db.models.base import Base
from db.models.events import Event
from db.models.idempotency import IdempotencyRecord
from db.models.markdowns import Markdown, MarkdownTarget
from db.models.members import (
    Member,
    MemberPreference,
    MemberTier,
    MemberView,
    PiiAccessLog,
    PointsEntry,
    PointsEntryKind,
    PreferenceKind,
    PrivacyAlert,
    PrivacyAlertKind,
)
from db.models.organisation import Product, Region, Store, StoreType
from db.models.photos import Photo, PhotoAttachment, PhotoSubject
from db.models.sales import ReturnLine, Sale, SaleLine, SaleReturn
from db.models.staff import Role, Staff, StaffStatus
from db.models.stock import (
    AlertKind,
    AlertStatus,
    MovementKind,
    StockAlert,
    StockBatch,
    StockLevel,
    StockMovement,
)
from db.models.transfers import (
    ReplenishmentLine,
    ReplenishmentOrder,
    ReplenishmentStatus,
    Transfer,
    TransferLine,
    TransferStatus,
)

__all__ = [
    "AlertKind",
    "AlertStatus",
    "AuthToken",
    "Base",
    "Event",
    "IdempotencyRecord",
    "LoginThrottle",
    "Markdown",
    "MarkdownTarget",
    "Member",
    "MemberPreference",
    "MemberTier",
    "MemberView",
    "MovementKind",
    "Photo",
    "PhotoAttachment",
    "PhotoSubject",
    "PiiAccessLog",
    "PointsEntry",
    "PointsEntryKind",
    "PreferenceKind",
    "PrivacyAlert",
    "PrivacyAlertKind",
    "Product",
    "Region",
    "ReplenishmentLine",
    "ReplenishmentOrder",
    "ReplenishmentStatus",
    "ReturnLine",
    "Role",
    "Sale",
    "SaleLine",
    "SaleReturn",
    "Staff",
    "StaffStatus",
    "StockAlert",
    "StockBatch",
    "StockLevel",
    "StockMovement",
    "Store",
    "StoreType",
    "TokenKind",
    "Transfer",
    "TransferLine",
    "TransferStatus",
]
