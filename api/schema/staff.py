"""GraphQL types for staff, sign-in and integrator API tokens."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain import global_ids
from api.domain import staff as staff_rules
from api.schema.enums import PermissionEnum, RoleEnum, StaffStatusEnum
from api.schema.organisation import Region, Store
from api.schema.relay import Connection, connection
from db import models


@strawberry.type
class StaffFields:
    """What a Staff and the signed-in caller (Me) both show; not itself in the schema."""

    username: str
    display_name: str
    role: RoleEnum  # type: ignore[valid-type]
    status: StaffStatusEnum  # type: ignore[valid-type]
    store_id: strawberry.Private[int | None]
    region_id: strawberry.Private[int | None]

    @strawberry.field(description="Home store, for store staff.")
    async def store(self, info: Info) -> Store | None:
        if self.store_id is None:
            return None
        return Store.from_model(await info.context.loaders.store.load(self.store_id))

    @strawberry.field(description="Home region, for region staff; a store's region otherwise.")
    async def region(self, info: Info) -> Region | None:
        region_id = self.region_id
        if region_id is None and self.store_id is not None:
            region_id = (await info.context.loaders.store.load(self.store_id)).region_id
        if region_id is None:
            return None
        return Region.from_model(await info.context.loaders.region.load(region_id))


@strawberry.type(description="A staff member or integrator principal.")
class Staff(StaffFields, relay.Node):
    # Keyed by the username, as the staff list and freezeStaff name an account.
    id: relay.NodeID[str]

    @classmethod
    def from_model(cls, staff: models.Staff) -> Staff:
        return cls(
            id=staff.username,
            username=staff.username,
            display_name=staff.display_name,
            role=staff.role,
            status=staff.status,
            store_id=staff.store_id,
            region_id=staff.region_id,
        )


# Not a Node of its own: `me` is a view of the caller's Staff, whose id it answers (so
# node(id:) answers a Staff, and a client caches both as one object).
@strawberry.type(description="The signed-in caller.")
class Me(StaffFields):
    permissions: list[PermissionEnum]  # type: ignore[valid-type]

    @strawberry.field(description="Your Staff's global id (node(id:) answers it as a Staff).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(global_ids.encode("Staff", self.username))


@strawberry.type
class LoginPayload:
    token: str = strawberry.field(description="Send as 'Authorization: Bearer <token>'.")
    expires_at: datetime
    staff: Staff


@strawberry.type
class LogoutPayload:
    revoked: bool


@strawberry.input
class CreateStaffInput:
    username: str
    display_name: str
    role: RoleEnum  # type: ignore[valid-type]
    password: str
    store_code: str | None = None
    region_code: str | None = None
    idempotency_key: str | None = None


@strawberry.type(
    description="A grant of the HQ_COMPLIANCE role: the account holds none of the role's "
    "permissions until a second person confirms it (confirmComplianceGrant, or `chainstore "
    "staff confirm-grant` on the server)."
)
class ComplianceGrant(relay.Node):
    id: relay.NodeID[int]
    requested_at: datetime
    confirmed_at: datetime | None = strawberry.field(description="Null while pending.")
    staff_id: strawberry.Private[int]
    requested_by_id: strawberry.Private[int]
    confirmed_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, grant: models.ComplianceGrant) -> ComplianceGrant:
        return cls(
            id=grant.id,
            requested_at=grant.requested_at,
            confirmed_at=grant.confirmed_at,
            staff_id=grant.staff_id,
            requested_by_id=grant.requested_by_id,
            confirmed_by_id=grant.confirmed_by_id,
        )

    @strawberry.field(description="Who receives the role.")
    async def staff(self, info: Info) -> Staff:
        return Staff.from_model(await staff_rules.get_staff(info.context.session, self.staff_id))

    @strawberry.field
    async def requested_by(self, info: Info) -> Staff:
        found = await staff_rules.get_staff(info.context.session, self.requested_by_id)
        return Staff.from_model(found)

    @strawberry.field(
        description="The second person; null while pending or when confirmed on the server."
    )
    async def confirmed_by(self, info: Info) -> Staff | None:
        if self.confirmed_by_id is None:
            return None
        found = await staff_rules.get_staff(info.context.session, self.confirmed_by_id)
        return Staff.from_model(found)


@strawberry.type
class ConfirmComplianceGrantPayload:
    grant: ComplianceGrant


@strawberry.type
class CreateStaffPayload:
    staff: Staff
    pending_grant: ComplianceGrant | None = strawberry.field(
        description="For an HQ_COMPLIANCE account: its grant, which another HQ_COMPLIANCE "
        "member (or the server's operator) must confirm before the account holds the role."
    )


@strawberry.type
class FreezeStaffPayload:
    staff: Staff


@strawberry.type
class UnfreezeStaffPayload:
    staff: Staff


@strawberry.input
class CreateApiTokenInput:
    name: str = strawberry.field(description="Names the integrator principal: integrator.<name>.")
    expires_in_days: int
    store_code: str | None = None
    region_code: str | None = None
    grants: list[PermissionEnum] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Permissions beyond the read-only INTEGRATOR role."
    )
    trusted_documents_only: bool = strawberry.field(
        default=False,
        description="A till's token: it may run trusted documents only (by documentId), as "
        "store staff do; other integrators may send any document within the cost limits.",
    )


@strawberry.type
class ApiToken(relay.Node):
    id: relay.NodeID[int]
    name: str
    expires_at: datetime
    grants: list[PermissionEnum]  # type: ignore[valid-type]
    trusted_documents_only: bool = strawberry.field(
        description="It may run trusted documents only (by documentId)."
    )
    staff: Staff


@strawberry.type
class CreateApiTokenPayload:
    token: str = strawberry.field(description="Shown once; only its hash is stored.")
    api_token: ApiToken


@strawberry.type
class RevokeApiTokenPayload:
    revoked: bool


@strawberry.input
class StaffFilter:
    store_code: str | None = None
    region_code: str | None = None
    role: RoleEnum | None = None  # type: ignore[valid-type]
    status: StaffStatusEnum | None = None  # type: ignore[valid-type]


async def staff_connection(
    info: Info,
    *,
    store_code: str | None = None,
    filter: StaffFilter | None = None,
    first: int | None,
    after: str | None,
) -> Connection[Staff]:
    """Staff within the caller's scope: the staff list, and a store's own staff."""
    f = filter or StaffFilter()
    page = await staff_rules.list_staff(
        info.context.session,
        info.context.actor,
        filter=staff_rules.StaffFilter(
            store_code=store_code or f.store_code,
            region_code=f.region_code,
            role=f.role,
            status=f.status,
        ),
        first=first,
        after=after,
    )
    return connection(page, Staff.from_model)
