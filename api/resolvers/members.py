"""Members: enrolment, look-up by code, phone or id, QR codes, the PII access log, privacy
alerts."""

from __future__ import annotations

import strawberry
from starlette.requests import Request
from strawberry.types import Info

from api.domain import global_ids
from api.domain.access import Permission
from api.domain.errors import InvalidInput
from api.domain.members import codes, limits, phone_lookup, pii, profile
from api.domain.members.phones import normalise_phone
from api.resolvers.idempotent import once
from api.schema.members import (
    EnrollMemberInput,
    EnrollMemberPayload,
    Member,
    MemberCode,
    PiiAccessEntry,
    PiiAccessLogFilter,
    PrivacyAlert,
    SetMemberMarketingConsentPayload,
    SetMemberTagsPayload,
    key_ring,
    lookup_policy,
    open_member,
)
from api.schema.permissions import requires
from api.schema.relay import Connection, connection


def member_key(value: strawberry.ID, argument: str) -> int:
    return global_ids.expect(value, "Member", argument=argument)


@strawberry.type
class MembersQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_MEMBERS)],
        description="The member a scanned code names: the 16-digit card number or a rotating "
        "QR code (refused once expired or when forged). Counts toward your hourly ceiling of "
        "distinct members looked up.",
    )
    async def member_by_code(self, info: Info, code: str) -> Member:
        context = info.context
        member_id = await profile.resolve_member_code(
            context.session,
            code,
            ring=key_ring(info),
            ttl_seconds=context.settings.member_code_ttl_seconds,
        )
        return await open_member(info, member_id, argument="code")

    @strawberry.field(
        extensions=[requires(Permission.VIEW_MEMBERS)],
        description="The member whose phone number the customer says (no card at hand): "
        "spaces, dashes, brackets and a country code are fine (+86 by default). POST only. "
        "The answer never repeats the number: phoneMasked and phone are null under it. An "
        "unknown number is NOT_FOUND, the same for every number, and counts toward your hourly "
        "ceiling like a member opened (each number once an hour), so numbers cannot be tried "
        "at will.",
    )
    async def member_by_phone(self, info: Info, phone: str) -> Member:
        context = info.context
        if isinstance(context.request, Request) and context.request.method == "GET":
            # A URL holding the number would land in access and proxy logs.
            raise InvalidInput("memberByPhone: send it with POST, not in a URL.", argument="phone")
        context.phone_lookup_roots.add(info.path.key)
        member = await phone_lookup.find_member_by_phone(
            context.session,
            context.services.sessions,
            context.actor,
            key_ring(info),
            phone,
            lookup_policy(info),
        )
        return Member.from_model(member)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_MEMBERS)],
        description="A member by global id. Counts toward your hourly ceiling.",
    )
    async def member(self, info: Info, id: strawberry.ID) -> Member:
        return await open_member(info, member_key(id, "id"), argument="id")

    @strawberry.field(
        extensions=[requires(Permission.ISSUE_MEMBER_CODES)],
        description="Sign a rotating QR code for a member (what the member's app shows), with "
        "its QR symbol as SVG and PNG: for the demo and the clerk app's tests.",
    )
    async def member_code(self, info: Info, member_id: strawberry.ID) -> MemberCode:
        context = info.context
        member = await profile.get_member(context.session, member_key(member_id, "memberId"))
        issued = codes.issue_qr_code(
            key_ring(info), member.id, ttl_seconds=context.settings.member_code_ttl_seconds
        )
        return MemberCode(
            code=issued.code,
            expires_at=issued.expires_at,
            svg=codes.render_svg(issued.code),
            png_data_url=codes.png_data_url(issued.code),
        )

    @strawberry.field(
        extensions=[requires(Permission.VIEW_PII_ACCESS_LOG)],
        description="Every reveal of a member's phone number, newest first (append-only).",
    )
    async def pii_access_log(
        self,
        info: Info,
        filter: PiiAccessLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PiiAccessEntry]:
        f = filter or PiiAccessLogFilter()
        page = await pii.access_log(
            info.context.session,
            info.context.actor,
            filter=pii.AccessLogFilter(
                member_id=member_key(f.member_id, "memberId") if f.member_id else None,
                staff_username=f.staff_username,
                since=f.since,
            ),
            first=first,
            after=after,
        )
        return connection(page, PiiAccessEntry.from_model)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_PRIVACY_ALERTS)],
        description="Staff who looked up or viewed unusually many members, newest first.",
    )
    async def privacy_alerts(
        self,
        info: Info,
        staff_username: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PrivacyAlert]:
        page = await limits.list_privacy_alerts(
            info.context.session,
            info.context.actor,
            staff_username=staff_username,
            first=first,
            after=after,
        )
        return connection(page, PrivacyAlert.from_model)


@strawberry.type
class MembersMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.ENROLL_MEMBERS)],
        description="Enrol a customer at your store. An already-enrolled phone number is "
        "CONFLICT and creates nothing. The phone is write-only.",
    )
    async def enroll_member(self, info: Info, input: EnrollMemberInput) -> EnrollMemberPayload:
        context = info.context
        actor = context.require_actor()
        ring = key_ring(info)
        new = profile.NewMember(
            phone=input.phone,
            display_name=input.display_name,
            marketing_consent=input.marketing_consent,
            tags=tuple(input.tags),
            store_code=input.store_code,
        )

        async def perform() -> int:
            return (await profile.enrol_member(context.session, actor, ring, new)).id

        # Stored as the keyed blind index of the normalised number: a plain hash of a phone
        # number is reversed by enumeration, and another spelling of it is the same request.
        def phone_index(phone: str) -> str:
            try:
                return ring.blind_index(normalise_phone(phone)).hex()
            except InvalidInput:  # refused by enrol_member itself, with every other problem
                return "invalid"

        sealed = {"phone": phone_index}
        member_id = await once(context, "enrollMember", input, perform, sealed=sealed)
        member = await profile.get_member(context.session, member_id)
        return EnrollMemberPayload(member=Member.from_model(member))

    @strawberry.mutation(
        extensions=[requires(Permission.ENROLL_MEMBERS)],
        description="Record the member's marketing consent, or its withdrawal, with the time.",
    )
    async def set_member_marketing_consent(
        self, info: Info, member_id: strawberry.ID, consent: bool
    ) -> SetMemberMarketingConsentPayload:
        opened = await open_member(info, member_key(member_id, "memberId"))
        member = await profile.set_marketing_consent(
            info.context.session, info.context.actor, opened.model.id, consent
        )
        return SetMemberMarketingConsentPayload(member=Member.from_model(member))

    @strawberry.mutation(
        extensions=[requires(Permission.ENROLL_MEMBERS)],
        description="Replace the member's explicit preference tags.",
    )
    async def set_member_tags(
        self, info: Info, member_id: strawberry.ID, tags: list[str]
    ) -> SetMemberTagsPayload:
        opened = await open_member(info, member_key(member_id, "memberId"))
        member = await profile.set_tags(
            info.context.session, info.context.actor, opened.model.id, tags
        )
        return SetMemberTagsPayload(member=Member.from_model(member))
