"""GraphQL types for members. `Member` is the one type wherever a member appears (a scan, a
sale, a complaint, the access log), so the phone rules below hold everywhere:

- `phoneMasked` needs VIEW_MEMBER_PHONE_MASKED (STORE_MANAGER and above): null for a clerk;
- `phone(purpose:)` needs REVEAL_MEMBER_PHONE (HQ_COMPLIANCE only) and each resolution commits
  one PII access log row before the number is returned (api/domain/members/pii.py); for every
  other role it is null, hidden by `@requires` before the resolver runs, and nothing is logged;
- under a `memberByPhone` answer both are null for every role (listed in `hiddenFields`): the
  caller typed the number, and that answer never repeats it, not even masked.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain.access import Permission
from api.domain.error_reasons import ErrorReason
from api.domain.members import limits, pii, points, preferences, profile, purchases
from api.schema.organisation import Store
from api.schema.permissions import requires
from api.schema.relay import Connection, connection
from api.schema.shared_renders import per_caller
from db import models
from db.pii import KeyRing

if TYPE_CHECKING:
    from api.schema.complaints import Complaint, MemberCoupon, ReplacementPickup
    from api.schema.staff import Staff

MemberTierEnum = strawberry.enum(
    models.MemberTier,
    name="MemberTier",
    description="From the rolling 12-month spend: SILVER from ¥1,000, GOLD from ¥5,000, "
    "PLATINUM from ¥20,000; kept at least 12 months once reached (README, Members).",
)
PrivacyAlertKindEnum = strawberry.enum(models.PrivacyAlertKind, name="PrivacyAlertKind")


def _under_phone_lookup(info: Info) -> bool:
    """True (and the path reported hidden) for a phone field anywhere under memberByPhone."""
    roots = info.context.phone_lookup_roots
    if not roots:
        return False
    root = info.path
    while root.prev is not None:
        root = root.prev
    if root.key not in roots:
        return False
    info.context.hide(info.path, ErrorReason.PHONE_NOT_ECHOED)
    return True


def key_ring(info: Info) -> KeyRing:
    """The process's PII key ring, built once at start-up (api/app.py)."""
    ring: KeyRing = info.context.services.key_ring
    return ring


def lookup_policy(info: Info) -> limits.LookupPolicy:
    """The deployment's member look-up ceilings and privacy-alert threshold."""
    settings = info.context.settings
    return limits.policy_from(
        settings.member_lookup_ceilings,
        alert_threshold=settings.member_view_alert_threshold,
        alert_window_minutes=settings.member_view_alert_window_minutes,
    )


async def open_member(info: Info, member_id: int, *, argument: str = "memberId") -> Member:
    """A member card opened by the caller: counted toward their hourly ceiling."""
    context = info.context
    member = await profile.open_member(
        context.session,
        context.services.sessions,
        context.actor,
        member_id,
        lookup_policy(info),
        argument=argument,
    )
    return Member.from_model(member)


@strawberry.type(description="A category, product (SKU) or promotion type the member buys.")
class MemberPreference:
    key: str
    purchases: int = strawberry.field(description="Purchases (sales) that included it.")
    quantity: int
    spend_cents: int
    share: float = strawberry.field(description="Share of the member's purchases, 0 to 1.")

    @classmethod
    def from_domain(cls, p: preferences.Preference) -> MemberPreference:
        return cls(
            key=p.key,
            purchases=p.purchases,
            quantity=p.quantity,
            spend_cents=p.spend_cents,
            share=p.share,
        )


@strawberry.type(description="What the member likes: explicit tags and what purchases show.")
class MemberPreferences:
    tags: list[str]
    top_categories: list[MemberPreference]
    top_products: list[MemberPreference]
    promotion_types: list[MemberPreference] = strawberry.field(
        description="Promotion types the member bought with, most spent first."
    )


@strawberry.type
class MemberPurchaseLine:
    sku: str
    name: str
    quantity: int
    line_total_cents: int


@strawberry.type(description="A sale to the member, at any store.")
class MemberPurchase:
    receipt_no: str
    sold_at: datetime
    total_cents: int
    points_redeemed: int
    lines: list[MemberPurchaseLine]
    store_id: strawberry.Private[int]

    @strawberry.field
    async def store(self, info: Info) -> Store:
        return Store.from_model(await info.context.loaders.store.load(self.store_id))


@strawberry.type(description="A customer, the same member at every store.")
class Member(relay.Node):
    id: relay.NodeID[int]
    card_number: str = strawberry.field(
        description="Printed on the plastic card: 16 digits with a Luhn check digit."
    )
    display_name: str
    tier: MemberTierEnum  # type: ignore[valid-type]
    tier_since: datetime
    points: int = strawberry.field(description="Balance; 100 points = ¥1 off.")
    enrolled_at: datetime
    marketing_consent: bool
    marketing_consent_at: datetime = strawberry.field(
        description="When the current consent (or its withdrawal) was recorded."
    )
    tags: list[str] = strawberry.field(description="Explicit preference tags.")
    model: strawberry.Private[models.Member]

    @classmethod
    def from_model(cls, member: models.Member) -> Member:
        return cls(
            id=member.id,
            card_number=member.card_number,
            display_name=member.display_name,
            tier=member.tier,
            tier_since=member.tier_since,
            points=member.points_balance,
            enrolled_at=member.enrolled_at,
            marketing_consent=member.marketing_consent,
            marketing_consent_at=member.marketing_consent_at,
            tags=list(member.tags),
            model=member,
        )

    @strawberry.field
    async def enrolled_store(self, info: Info) -> Store:
        return Store.from_model(await info.context.loaders.store.load(self.model.enrolled_store_id))

    @strawberry.field(description="Spend of the last 12 months (net of refunds), in cents.")
    async def rolling_spend_cents(self, info: Info) -> int:
        return await points.rolling_spend_cents(info.context.session, self.model.id)

    @strawberry.field
    async def preferences(self, info: Info) -> MemberPreferences:
        found = await preferences.member_preferences(info.context.session, self.model.id)
        return MemberPreferences(
            tags=list(self.model.tags),
            top_categories=[MemberPreference.from_domain(p) for p in found.categories],
            top_products=[MemberPreference.from_domain(p) for p in found.products],
            promotion_types=[MemberPreference.from_domain(p) for p in found.promotion_types],
        )

    @strawberry.field(description="Purchases at any store, newest first.")
    async def recent_purchases(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[MemberPurchase]:
        page = await purchases.recent_purchases(
            info.context.session, self.model.id, first=first, after=after
        )
        return connection(
            page,
            lambda p: MemberPurchase(
                receipt_no=p.receipt_no,
                sold_at=p.sold_at,
                total_cents=p.total_cents,
                points_redeemed=p.points_redeemed,
                lines=[
                    MemberPurchaseLine(
                        sku=line.sku,
                        name=line.name,
                        quantity=line.quantity,
                        line_total_cents=line.line_total_cents,
                    )
                    for line in p.lines
                ],
                store_id=p.store_id,
            ),
        )

    @strawberry.field(
        description="The phone number masked: at most its last third shows, e.g. ********678 "
        "(STORE_MANAGER and above).",
        extensions=[requires(Permission.VIEW_MEMBER_PHONE_MASKED)],
    )
    def phone_masked(self, info: Info) -> str | None:
        if _under_phone_lookup(info):
            return None
        return pii.masked_phone(key_ring(info), self.model)

    @strawberry.field(
        description="The full number in E.164 (HQ_COMPLIANCE only). Every resolution writes "
        "one row to the PII access log with your purpose; it is committed before the number "
        "is returned.",
        extensions=[requires(Permission.REVEAL_MEMBER_PHONE)],
        metadata=per_caller("writes the caller's PII access-log row"),
    )
    async def phone(self, info: Info, purpose: str) -> str | None:
        if _under_phone_lookup(info):
            return None  # before the reveal: nothing is revealed, so nothing is logged
        context = info.context
        return await pii.reveal_phone(
            context.services.sessions,
            context.actor,
            key_ring(info),
            member_id=self.model.id,
            purpose=purpose,
            request_id=context.request_id,
        )

    # Complaints (api/schema/complaints.py): batched per request, no statement per card.
    @strawberry.field(
        description="Unresolved complaints of the member at stores in your scope.",
        extensions=[requires(Permission.VIEW_COMPLAINTS)],
    )
    async def open_complaints(
        self, info: Info
    ) -> list[Annotated[Complaint, strawberry.lazy("api.schema.complaints")]] | None:
        from api.schema.complaint_loaders import loaders
        from api.schema.complaints import Complaint

        found = await loaders(info.context).member_open_complaints.load(self.model.id)
        return [Complaint.from_model(c) for c in found]

    @strawberry.field(description="Unexpired, unused coupons (complaint compensation).")
    async def coupons(
        self, info: Info
    ) -> list[Annotated[MemberCoupon, strawberry.lazy("api.schema.complaints")]]:
        from api.schema.complaint_loaders import loaders
        from api.schema.complaints import MemberCoupon

        found = await loaders(info.context).member_coupons.load(self.model.id)
        return [MemberCoupon.from_model(c) for c in found]

    @strawberry.field(description="Replacements waiting for the member, at any store.")
    async def pending_pickups(
        self, info: Info
    ) -> list[Annotated[ReplacementPickup, strawberry.lazy("api.schema.complaints")]]:
        from api.schema.complaint_loaders import loaders
        from api.schema.complaints import ReplacementPickup

        found = await loaders(info.context).member_pickups.load(self.model.id)
        return [ReplacementPickup.from_view(v) for v in found]


@strawberry.input
class EnrollMemberInput:
    phone: str = strawberry.field(
        description="As typed: spaces, dashes and a country code are fine (+86 by default). "
        "Write-only: never returned."
    )
    display_name: str
    marketing_consent: bool
    tags: list[str] = strawberry.field(default_factory=list)
    store_code: str | None = strawberry.field(
        default=None, description="Defaults to your own store."
    )
    idempotency_key: str | None = None


@strawberry.type
class EnrollMemberPayload:
    member: Member


@strawberry.type
class SetMemberMarketingConsentPayload:
    member: Member


@strawberry.type
class SetMemberTagsPayload:
    member: Member


@strawberry.type(description="A rotating QR member code, valid for about a minute.")
class MemberCode:
    code: str
    expires_at: datetime
    svg: str = strawberry.field(description="The code as an SVG QR symbol.")
    png_data_url: str = strawberry.field(description="The code as a PNG, as a data: URL.")


@strawberry.input
class PiiAccessLogFilter:
    member_id: strawberry.ID | None = None
    staff_username: str | None = None
    since: datetime | None = None


@strawberry.type(
    description="One reveal of a member's personal data, or one request or confirmation of "
    "the HQ_COMPLIANCE role that grants it (field ROLE_GRANT_REQUESTED or ROLE_GRANT_CONFIRMED,"
    " about `subjectStaff`); append-only."
)
class PiiAccessEntry(relay.Node):
    id: relay.NodeID[int]
    field: str
    purpose: str
    request_id: str
    accessed_at: datetime
    staff_id: strawberry.Private[int | None]
    member_id: strawberry.Private[int | None]
    subject_staff_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.PiiAccessLog) -> PiiAccessEntry:
        return cls(
            id=row.id,
            field=row.field,
            purpose=row.purpose,
            request_id=row.request_id,
            accessed_at=row.accessed_at,
            staff_id=row.staff_id,
            member_id=row.member_id,
            subject_staff_id=row.subject_staff_id,
        )

    @strawberry.field(
        description="Who read or granted; null for a grant confirmed on the server by its operator."
    )
    async def staff(
        self, info: Info
    ) -> Annotated[Staff, strawberry.lazy("api.schema.staff")] | None:
        return await _staff_or_none(info, self.staff_id)

    @strawberry.field(description="The member whose data was read; null for a grant entry.")
    async def member(self, info: Info) -> Member | None:
        if self.member_id is None:
            return None
        return Member.from_model(await profile.get_member(info.context.session, self.member_id))

    @strawberry.field(description="For a grant entry: the account given the role.")
    async def subject_staff(
        self, info: Info
    ) -> Annotated[Staff, strawberry.lazy("api.schema.staff")] | None:
        return await _staff_or_none(info, self.subject_staff_id)


async def _staff_or_none(
    info: Info, staff_id: int | None
) -> Annotated[Staff, strawberry.lazy("api.schema.staff")] | None:
    from api.domain.staff import get_staff
    from api.schema.staff import Staff

    if staff_id is None:
        return None
    return Staff.from_model(await get_staff(info.context.session, staff_id))


@strawberry.type(description="A staff member looked up or viewed unusually many members.")
class PrivacyAlert(relay.Node):
    id: relay.NodeID[int]
    kind: PrivacyAlertKindEnum  # type: ignore[valid-type]
    distinct_members: int
    window_minutes: int
    raised_at: datetime
    staff_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.PrivacyAlert) -> PrivacyAlert:
        return cls(
            id=row.id,
            kind=row.kind,
            distinct_members=row.distinct_members,
            window_minutes=row.window_minutes,
            raised_at=row.raised_at,
            staff_id=row.staff_id,
        )

    @strawberry.field
    async def staff(self, info: Info) -> Annotated[Staff, strawberry.lazy("api.schema.staff")]:
        from api.domain.staff import get_staff
        from api.schema.staff import Staff

        return Staff.from_model(await get_staff(info.context.session, self.staff_id))
