"""Inputs and payloads of the complaint mutations (types in api/schema/complaints.py)."""

from __future__ import annotations

import strawberry

from api.schema.complaints import (
    Complaint,
    ComplaintCategoryEnum,
    ComplaintRoute,
    ComplaintSla,
    ComplaintStatusEnum,
    ReplacementPickup,
)


@strawberry.input
class FileComplaintInput:
    store_code: str
    category: ComplaintCategoryEnum  # type: ignore[valid-type]
    description: str = strawberry.field(description="1 to 2000 characters.")
    member_code: str | None = strawberry.field(
        default=None, description="The member's card number or rotating QR code."
    )
    receipt_no: str | None = strawberry.field(
        default=None, description="A receipt of that store, if the customer has it."
    )
    photo_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Your own uploads (POST /photos)."
    )
    idempotency_key: str | None = None


@strawberry.input
class ComplaintMoveInput:
    complaint_id: strawberry.ID
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class ReplacementInput:
    store_code: str = strawberry.field(description="Any store: where the customer collects it.")
    sku: str
    quantity: int


@strawberry.input
class ResolveComplaintInput:
    complaint_id: strawberry.ID
    resolution: str
    replacement: ReplacementInput | None = None
    coupon_cents: int | None = strawberry.field(
        default=None, description="Credited to the member (valid 90 days)."
    )
    idempotency_key: str | None = None


@strawberry.input
class ReopenComplaintInput:
    complaint_id: strawberry.ID
    reason: str
    idempotency_key: str | None = None


@strawberry.input
class ReassignComplaintInput:
    complaint_id: strawberry.ID
    assignee_username: str
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class CollectReplacementInput:
    pickup_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.input
class SetComplaintRoutingInput:
    region_code: str
    category: ComplaintCategoryEnum  # type: ignore[valid-type]
    handler_usernames: list[str] = strawberry.field(
        description="Replaces the list; empty: the least-loaded handler of the region."
    )


@strawberry.input
class SetComplaintSlaInput:
    category: ComplaintCategoryEnum  # type: ignore[valid-type]
    first_response_minutes: int
    resolution_minutes: int


@strawberry.input
class ComplaintFilter:
    store_code: str | None = None
    region_code: str | None = None
    status: ComplaintStatusEnum | None = None  # type: ignore[valid-type]
    category: ComplaintCategoryEnum | None = None  # type: ignore[valid-type]
    assigned_to_me: bool = False


@strawberry.input
class ComplaintEventFilter:
    region_code: str | None = None
    store_code: str | None = None
    assigned_to_me: bool = False


@strawberry.type
class FileComplaintPayload:
    complaint: Complaint


@strawberry.type
class StartComplaintWorkPayload:
    complaint: Complaint


@strawberry.type
class ResolveComplaintPayload:
    complaint: Complaint


@strawberry.type
class CloseComplaintPayload:
    complaint: Complaint


@strawberry.type
class ReopenComplaintPayload:
    complaint: Complaint


@strawberry.type
class ReassignComplaintPayload:
    complaint: Complaint


@strawberry.type
class CollectReplacementPayload:
    pickup: ReplacementPickup


@strawberry.type
class SetComplaintRoutingPayload:
    route: ComplaintRoute


@strawberry.type
class SetComplaintSlaPayload:
    sla: ComplaintSla
