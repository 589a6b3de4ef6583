"""Sign-in, sign-out and `me`."""

from __future__ import annotations

from datetime import timedelta

import strawberry
from strawberry.types import Info

from api.domain import auth, staff
from api.domain.access import Permission
from api.schema.permissions import requires
from api.schema.staff import LoginPayload, LogoutPayload, Me, Staff


def throttle_policy(info: Info) -> auth.ThrottlePolicy:
    s = info.context.settings
    return auth.ThrottlePolicy(
        max_failures_per_user=s.login_max_failures_per_user,
        max_failures_per_address=s.login_max_failures_per_address,
        window=timedelta(seconds=s.login_window_seconds),
        block=timedelta(seconds=s.login_block_seconds),
    )


@strawberry.type
class AuthQuery:
    @strawberry.field(
        extensions=[requires(Permission.SIGNED_IN)], description="The signed-in caller."
    )
    async def me(self, info: Info) -> Me:
        actor = info.context.require_actor()
        member = await staff.get_staff(info.context.session, actor.staff_id)
        base = Staff.from_model(member)
        return Me(
            username=base.username,
            display_name=base.display_name,
            role=base.role,
            status=base.status,
            store_id=base.store_id,
            region_id=base.region_id,
            permissions=sorted(actor.permissions),
        )


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        description="Exchange a username and password for a bearer token. Repeated failures "
        "per username or client address are refused with RATE_LIMITED for a while."
    )
    async def login(self, info: Info, username: str, password: str) -> LoginPayload:
        context = info.context
        member, issued = await auth.login(
            context.session,
            context.services.sessions,
            username=username,
            password=password,
            client_address=context.client_address,
            session_lifetime=timedelta(minutes=context.settings.session_ttl_minutes),
            policy=throttle_policy(info),
        )
        return LoginPayload(
            token=issued.token, expires_at=issued.expires_at, staff=Staff.from_model(member)
        )

    @strawberry.mutation(
        extensions=[requires(Permission.SIGNED_IN)],
        description="Revoke the token this request was made with.",
    )
    async def logout(self, info: Info) -> LogoutPayload:
        actor = info.context.require_actor()
        return LogoutPayload(revoked=await auth.revoke_token(info.context.session, actor.token_id))
