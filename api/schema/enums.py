"""Enums shared by several schema modules, exposed from the domain's own enum classes."""

from __future__ import annotations

import strawberry

from api.domain.access import Permission, Role
from db.models import StaffStatus, StoreType

RoleEnum = strawberry.enum(Role, name="Role", description="What a staff member does.")
PermissionEnum = strawberry.enum(
    Permission, name="Permission", description="A capability; roles hold sets of them."
)
StaffStatusEnum = strawberry.enum(StaffStatus, name="StaffStatus")
StoreTypeEnum = strawberry.enum(
    StoreType, name="StoreType", description="Where a store trades, which shapes its rhythm."
)
