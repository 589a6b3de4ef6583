"""GraphQL types for complaints: the complaint with its timeline, photos, customer messages
and compensation; routing, SLA targets, statistics and the live complaint event.

The complainant is the one `Member` type, so the phone rules hold here too (a clerk sees no
digit; `phone(purpose:)` is HQ compliance's, logged). Nested lists are read through
per-request DataLoaders (api/schema/complaint_loaders.py): a page costs a fixed number of
statements whatever its size.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain import global_ids
from api.domain.access import Permission
from api.domain.complaints import queries, stats
from api.schema.complaint_loaders import loaders
from api.schema.live import EventKindEnum
from api.schema.organisation import Product, Region, Store
from api.schema.permissions import requires
from api.schema.photos import Photo
from api.schema.shared_renders import per_caller
from db import models

if TYPE_CHECKING:
    from api.schema.members import Member
    from api.schema.staff import Staff

ComplaintCategoryEnum = strawberry.enum(
    models.ComplaintCategory,
    name="ComplaintCategory",
    description="What the complaint is about; routing and SLA targets are per category.",
)
ComplaintStatusEnum = strawberry.enum(
    models.ComplaintStatus,
    name="ComplaintStatus",
    description="OPEN -> ASSIGNED -> IN_PROGRESS -> RESOLVED -> CLOSED; RESOLVED or CLOSED "
    "may be REOPENED within complaint_reopen_days of the resolution.",
)
TimelineKindEnum = strawberry.enum(models.TimelineKind, name="ComplaintTimelineKind")
PickupStatusEnum = strawberry.enum(models.PickupStatus, name="ReplacementPickupStatus")

LazyStaff = Annotated["Staff", strawberry.lazy("api.schema.staff")]
LazyMember = Annotated["Member", strawberry.lazy("api.schema.members")]


async def _staff(info: Info, staff_id: int | None) -> Staff | None:
    from api.schema.staff import Staff

    if staff_id is None:
        return None
    found = await loaders(info.context).staff.load(staff_id)
    return Staff.from_model(found) if found is not None else None


async def _store(info: Info, store_id: int) -> Store:
    found = await loaders(info.context).store.load(store_id)
    assert found is not None
    return Store.from_model(found)


@strawberry.type(
    description="One change to a complaint (append-only): who, what, what next, by when."
)
class ComplaintTimelineEntry(relay.Node):
    id: relay.NodeID[int]
    kind: TimelineKindEnum  # type: ignore[valid-type]
    status: ComplaintStatusEnum = strawberry.field(  # type: ignore[valid-type]
        description="The complaint's status after the change."
    )
    occurred_at: datetime
    note: str | None
    next_step: str | None
    due_by: datetime | None
    actor_id: strawberry.Private[int | None]
    assignee_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.ComplaintTimelineEntry) -> ComplaintTimelineEntry:
        return cls(
            id=row.id,
            kind=row.kind,
            status=row.status,
            occurred_at=row.occurred_at,
            note=row.note,
            next_step=row.next_step,
            due_by=row.due_by,
            actor_id=row.actor_id,
            assignee_id=row.assignee_id,
        )

    @strawberry.field(description="Who made the change; null when the system did (SLA job).")
    async def actor(self, info: Info) -> LazyStaff | None:
        return await _staff(info, self.actor_id)

    @strawberry.field(description="Who handles the complaint after the change.")
    async def assignee(self, info: Info) -> LazyStaff | None:
        return await _staff(info, self.assignee_id)


@strawberry.type(description="A progress message to the customer (outbox; holds no phone).")
class ComplaintMessage(relay.Node):
    id: relay.NodeID[int]
    body: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    channel: str | None = strawberry.field(description="The adapter that delivered it.")
    last_error: str | None

    @classmethod
    def from_model(cls, row: models.ComplaintMessage) -> ComplaintMessage:
        return cls(
            id=row.id,
            body=row.body,
            attempts=row.attempts,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
            channel=row.channel,
            last_error=row.last_error,
        )


@strawberry.type(description="A replacement the customer collects at a store.")
class ReplacementPickup(relay.Node):
    id: relay.NodeID[int]
    status: PickupStatusEnum  # type: ignore[valid-type]
    product: Product
    quantity: int
    created_at: datetime
    collected_at: datetime | None
    complaint_id: strawberry.ID
    store_id: strawberry.Private[int]

    @classmethod
    def from_view(cls, view: queries.PickupView) -> ReplacementPickup:
        p = view.pickup
        return cls(
            id=p.id,
            status=p.status,
            product=Product.from_model(view.product),
            quantity=p.quantity,
            created_at=p.created_at,
            collected_at=p.collected_at,
            complaint_id=strawberry.ID(global_ids.encode("Complaint", p.complaint_id)),
            store_id=p.store_id,
        )

    @strawberry.field(description="Where it is collected.")
    async def store(self, info: Info) -> Store:
        return await _store(info, self.store_id)


@strawberry.type(description="Money off a future purchase, credited to a member.")
class MemberCoupon(relay.Node):
    id: relay.NodeID[int]
    value_cents: int
    issued_at: datetime
    expires_at: datetime
    complaint_id: strawberry.ID | None = strawberry.field(description="The complaint it settled.")

    @classmethod
    def from_model(cls, row: models.MemberCoupon) -> MemberCoupon:
        return cls(
            id=row.id,
            value_cents=row.value_cents,
            issued_at=row.issued_at,
            expires_at=row.expires_at,
            complaint_id=strawberry.ID(global_ids.encode("Complaint", row.complaint_id))
            if row.complaint_id
            else None,
        )


@strawberry.type(description="A customer's complaint at a store and how it is being handled.")
class Complaint(relay.Node):
    id: relay.NodeID[int]
    status: ComplaintStatusEnum  # type: ignore[valid-type]
    category: ComplaintCategoryEnum  # type: ignore[valid-type]
    description: str
    receipt_no: str | None
    filed_at: datetime
    first_response_due_at: datetime
    resolution_due_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution: str | None
    reopen_count: int
    first_response_breached_at: datetime | None = strawberry.field(
        description="When the SLA job flagged a missed first-response target."
    )
    resolution_breached_at: datetime | None
    model: strawberry.Private[models.Complaint]

    @classmethod
    def from_model(cls, c: models.Complaint) -> Complaint:
        return cls(
            id=c.id,
            status=c.status,
            category=c.category,
            description=c.description,
            receipt_no=c.receipt_no,
            filed_at=c.filed_at,
            first_response_due_at=c.first_response_due_at,
            resolution_due_at=c.resolution_due_at,
            first_responded_at=c.first_responded_at,
            resolved_at=c.resolved_at,
            closed_at=c.closed_at,
            resolution=c.resolution,
            reopen_count=c.reopen_count,
            first_response_breached_at=c.first_response_breached_at,
            resolution_breached_at=c.resolution_breached_at,
            model=c,
        )

    @strawberry.field
    async def store(self, info: Info) -> Store:
        return await _store(info, self.model.store_id)

    @strawberry.field(description="Who handles it now; null while OPEN.")
    async def assignee(self, info: Info) -> LazyStaff | None:
        return await _staff(info, self.model.assignee_id)

    @strawberry.field
    async def filed_by(self, info: Info) -> LazyStaff | None:
        return await _staff(info, self.model.filed_by_id)

    @strawberry.field(description="The region manager a breach was escalated to.")
    async def escalated_to(self, info: Info) -> LazyStaff | None:
        return await _staff(info, self.model.escalated_to_id)

    @strawberry.field(
        description="The complainant, if a member code was given (the phone rules apply); "
        "opening it counts toward your hourly ceiling like any member look-up.",
        extensions=[requires(Permission.VIEW_MEMBERS)],
        metadata=per_caller("counts toward the caller's member look-up ceiling"),
    )
    async def member(self, info: Info) -> LazyMember | None:
        from api.schema.members import Member

        if self.model.member_id is None:
            return None
        await loaders(info.context).member_lookup.load(self.model.member_id)  # may refuse
        found = await loaders(info.context).member.load(self.model.member_id)
        return Member.from_model(found) if found is not None else None

    @strawberry.field(description="Every change, oldest first.")
    async def timeline(self, info: Info) -> list[ComplaintTimelineEntry]:
        rows = await loaders(info.context).timeline.load(self.model.id)
        return [ComplaintTimelineEntry.from_model(r) for r in rows]

    @strawberry.field(description="Photos attached when filing.")
    async def photos(self, info: Info) -> list[Photo]:
        return [Photo.from_ref(r) for r in await loaders(info.context).photos.load(self.model.id)]

    @strawberry.field(description="Progress messages to the customer, oldest first.")
    async def messages(self, info: Info) -> list[ComplaintMessage]:
        rows = await loaders(info.context).messages.load(self.model.id)
        return [ComplaintMessage.from_model(r) for r in rows]

    @strawberry.field(description="Replacements given with the resolution.")
    async def pickups(self, info: Info) -> list[ReplacementPickup]:
        views = await loaders(info.context).pickups.load(self.model.id)
        return [ReplacementPickup.from_view(v) for v in views]


@strawberry.type(description="A live change to a complaint in your scope.")
class ComplaintEvent:
    id: strawberry.ID = strawberry.field(
        description="The event's position in the feed (a number, not a global id): pass the "
        "last one you received as `lastEventId` to resume."
    )
    kind: EventKindEnum = strawberry.field(  # type: ignore[valid-type]
        description="One of the COMPLAINT_ kinds: filed, assigned, status changed, SLA breached."
    )
    occurred_at: datetime
    complaint: Complaint
    # The same event renders alike for subscribers alike (api/schema/shared_renders.py).
    share_key: strawberry.Private[tuple[str, int] | None] = None


@strawberry.type(description="Who handles a category of complaints in a region.")
class ComplaintRoute:
    region: Region
    category: ComplaintCategoryEnum  # type: ignore[valid-type]
    handlers: list[LazyStaff]


@strawberry.type(description="First-response and resolution targets for a category.")
class ComplaintSla:
    category: ComplaintCategoryEnum  # type: ignore[valid-type]
    first_response_minutes: int
    resolution_minutes: int

    @classmethod
    def from_model(cls, row: models.ComplaintSla) -> ComplaintSla:
        return cls(
            category=row.category,
            first_response_minutes=row.first_response_minutes,
            resolution_minutes=row.resolution_minutes,
        )


@strawberry.type(description="Complaints of one store (or a whole region) in a period.")
class ComplaintStatsRow:
    count: int
    first_response_breach_rate: float = strawberry.field(description="0 to 1.")
    resolution_breach_rate: float = strawberry.field(description="0 to 1.")
    resolved: int
    handling_minutes_p50: float | None = strawberry.field(
        description="Filing to resolution, median, of the resolved ones."
    )
    handling_minutes_p90: float | None
    region_id: strawberry.Private[int]
    store_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: stats.StatsRow) -> ComplaintStatsRow:
        return cls(
            count=row.count,
            first_response_breach_rate=row.first_response_breach_rate,
            resolution_breach_rate=row.resolution_breach_rate,
            resolved=row.resolved,
            handling_minutes_p50=row.handling_p50_minutes,
            handling_minutes_p90=row.handling_p90_minutes,
            region_id=row.region_id,
            store_id=row.store_id,
        )

    @strawberry.field(description="Null on a region's row.")
    async def store(self, info: Info) -> Store | None:
        return None if self.store_id is None else await _store(info, self.store_id)

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return Region.from_model(await info.context.loaders.region.load(self.region_id))


@strawberry.type
class ComplaintStats:
    stores: list[ComplaintStatsRow]
    regions: list[ComplaintStatsRow]
