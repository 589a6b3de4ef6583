"""All tables, imported here so Alembic's autogenerate sees every one."""

from db.models.auth import AuthToken, LoginThrottle, TokenKind
from db.models.base import Base
from db.models.idempotency import IdempotencyRecord
from db.models.organisation import Product, Region, Store, StoreType
from db.models.staff import Role, Staff, StaffStatus

__all__ = [
    "AuthToken",
    "Base",
    "IdempotencyRecord",
    "LoginThrottle",
    "Product",
    "Region",
    "Role",
    "Staff",
    "StaffStatus",
    "Store",
    "StoreType",
    "TokenKind",
]
