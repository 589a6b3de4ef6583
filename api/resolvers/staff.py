"""Staff accounts and integrator tokens."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.domain import compliance_grants, global_ids, staff
from api.domain.access import Permission
from api.resolvers.idempotent import blind, once
from api.schema.members import key_ring
from api.schema.permissions import requires
from api.schema.relay import Connection, connection
from api.schema.staff import (
    ApiToken,
    ComplianceGrant,
    ConfirmComplianceGrantPayload,
    CreateApiTokenInput,
    CreateApiTokenPayload,
    CreateStaffInput,
    CreateStaffPayload,
    FreezeStaffPayload,
    RevokeApiTokenPayload,
    Staff,
    StaffFilter,
    UnfreezeStaffPayload,
    staff_connection,
)
from db.models import StaffStatus


@strawberry.type
class StaffQuery:
    @strawberry.field(
        name="staff",
        extensions=[requires(Permission.VIEW_STAFF)],
        description="Staff within your scope, by username. Naming a store or region outside "
        "your scope is FORBIDDEN.",
    )
    async def staff_list(
        self,
        info: Info,
        filter: StaffFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Staff]:
        return await staff_connection(info, filter=filter, first=first, after=after)

    @strawberry.field(
        extensions=[requires(Permission.CONFIRM_COMPLIANCE_GRANTS)],
        description="HQ_COMPLIANCE grants, oldest first; `pending` (default) only those "
        "awaiting their second person.",
    )
    async def compliance_grants(
        self,
        info: Info,
        pending: bool = True,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ComplianceGrant]:
        page = await compliance_grants.list_grants(
            info.context.session, info.context.actor, pending_only=pending, first=first, after=after
        )
        return connection(page, ComplianceGrant.from_model)


@strawberry.type
class StaffMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_STAFF)],
        description="Create an account of a role below yours, at a store or region you manage.",
    )
    async def create_staff(self, info: Info, input: CreateStaffInput) -> CreateStaffPayload:
        context = info.context
        actor = context.require_actor()
        new = staff.NewStaff(
            username=input.username.strip().lower(),
            display_name=input.display_name,
            role=input.role,
            password=input.password,
            store_code=input.store_code,
            region_code=input.region_code,
        )

        async def perform() -> int:
            created = await staff.create_staff(
                context.session, actor, new, request_id=context.request_id
            )
            return created.id

        # The password is kept only as its keyed blind index, never as sent or plainly hashed.
        sealed = {"password": blind(key_ring(info), "password")}
        staff_id = await once(context, "createStaff", input, perform, sealed=sealed)
        member = await staff.get_staff(context.session, staff_id)
        grant = await compliance_grants.pending_grant_of(context.session, staff_id)
        return CreateStaffPayload(
            staff=Staff.from_model(member),
            pending_grant=ComplianceGrant.from_model(grant) if grant else None,
        )

    @strawberry.mutation(
        extensions=[requires(Permission.CONFIRM_COMPLIANCE_GRANTS)],
        description="Confirm a pending HQ_COMPLIANCE grant as its second person (not who "
        "requested it or receives it); logged in the PII access log. Confirming one already "
        "confirmed is CONFLICT (reason WRONG_STATUS).",
    )
    async def confirm_compliance_grant(
        self, info: Info, id: strawberry.ID
    ) -> ConfirmComplianceGrantPayload:
        grant_id = global_ids.expect(id, "ComplianceGrant", argument="id")
        context = info.context
        grant = await compliance_grants.confirm_grant(
            context.session, context.actor, grant_id, request_id=context.request_id
        )
        return ConfirmComplianceGrantPayload(grant=ComplianceGrant.from_model(grant))

    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_STAFF)],
        description="Freeze an account: its tokens are refused from the next request on.",
    )
    async def freeze_staff(self, info: Info, username: str) -> FreezeStaffPayload:
        member = await staff.set_staff_status(
            info.context.session, info.context.actor, username=username, status=StaffStatus.FROZEN
        )
        return FreezeStaffPayload(staff=Staff.from_model(member))

    @strawberry.mutation(extensions=[requires(Permission.MANAGE_STAFF)])
    async def unfreeze_staff(self, info: Info, username: str) -> UnfreezeStaffPayload:
        member = await staff.set_staff_status(
            info.context.session, info.context.actor, username=username, status=StaffStatus.ACTIVE
        )
        return UnfreezeStaffPayload(staff=Staff.from_model(member))

    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_API_TOKENS)],
        description="Issue an integrator API token (role INTEGRATOR: read-only unless granted).",
    )
    async def create_api_token(
        self, info: Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        principal, issued = await staff.create_integrator_token(
            info.context.session,
            info.context.actor,
            staff.NewIntegratorToken(
                name=input.name,
                expires_in_days=input.expires_in_days,
                store_code=input.store_code,
                region_code=input.region_code,
                grants=frozenset(input.grants),
                trusted_documents_only=input.trusted_documents_only,
            ),
        )
        return CreateApiTokenPayload(
            token=issued.token,
            api_token=ApiToken(
                id=issued.token_id,
                name=input.name,
                expires_at=issued.expires_at,
                grants=sorted(input.grants),
                trusted_documents_only=input.trusted_documents_only,
                staff=Staff.from_model(principal),
            ),
        )

    @strawberry.mutation(extensions=[requires(Permission.MANAGE_API_TOKENS)])
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> RevokeApiTokenPayload:
        token_id = global_ids.expect(id, "ApiToken", argument="id")
        await staff.revoke_api_token(info.context.session, info.context.actor, token_id)
        return RevokeApiTokenPayload(revoked=True)
