"""The shape of errors and response extensions, printed in the SDL for clients and generators.

No field returns these types: they document the JSON a client receives beside `data` (each
error's `extensions`, the response's top-level `extensions`), and the schema includes them by
name (`types=` in api/schema/root.py). `ErrorCode` and `ErrorReason` are the domain's enums
(api/domain/error_reasons.py) with each value's description; tests/conftest.py checks every
response of the test suite against `ErrorExtensions` and `ErrorReason`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.domain.error_reasons import DescribedEnum, ErrorCode, ErrorReason
from api.schema.enums import PermissionEnum


def _described(domain: type[DescribedEnum], description: str) -> Any:
    """A GraphQL enum of the domain enum's values, each with its description."""
    values = {m.name: strawberry.enum_value(m.value, description=m.description) for m in domain}
    members: Any = Enum(domain.__name__, values)  # type: ignore[misc]
    return strawberry.enum(members, name=domain.__name__, description=description)


ErrorCodeEnum = _described(ErrorCode, "Every `extensions.code` an error carries.")
ErrorReasonEnum = _described(
    ErrorReason,
    "Every `extensions.reason` an error carries, and every reason in `hiddenFields`: which "
    "refusal of its code it is, and which extension keys come with it.",
)


@strawberry.type(description="What a checklist item still lacks before a handover.")
class MissingChecklistItem:
    item_id: strawberry.ID
    text: str
    missing: list[str] = strawberry.field(description="Any of PHOTO, NOTE, DONE.")


@strawberry.type(
    description="The `extensions` of every error: `code` always, `reason` when the code alone "
    "does not say what to do, and the keys the reason's description names. A key is absent "
    "(not null) when it does not apply."
)
class ErrorExtensions:
    code: ErrorCodeEnum  # type: ignore[valid-type]
    reason: ErrorReasonEnum | None  # type: ignore[valid-type]
    argument: str | None = strawberry.field(
        description="The argument or input field that carried the key or the bad value."
    )
    field: str | None = strawberry.field(description="The input field at fault.")
    header: str | None = strawberry.field(description="The HTTP header at fault (POST /photos).")
    permission: PermissionEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="The permission the caller's role lacks (PERMISSION_REQUIRED)."
    )
    request_id: str | None = strawberry.field(description="INTERNAL: quote it when reporting.")
    retry_after_seconds: int | None = strawberry.field(
        description="RATE_LIMITED, UNAVAILABLE: when to retry."
    )
    limit: int | None = strawberry.field(description="OPERATIONS_PER_SOCKET: the cap reached.")
    problems: list[str] | None = strawberry.field(
        description="INPUT_PROBLEMS: every problem, as `field: what is wrong`."
    )
    missing_items: list[MissingChecklistItem] | None = strawberry.field(
        description="CHECKLIST_INCOMPLETE: each item that blocks the handover."
    )
    status: str | None = strawberry.field(description="WRONG_STATUS: the object's status now.")
    invalid: list[str] | None = strawberry.field(description="MALFORMED_ID: the ids at fault.")
    expected_type: str | None = strawberry.field(description="WRONG_ID_TYPE: the type expected.")
    unknown_photo_ids: list[strawberry.ID] | None = strawberry.field(
        description="UNKNOWN_PHOTOS: photo ids that are not the caller's uploads."
    )
    unknown: list[str] | None = strawberry.field(
        description="INELIGIBLE_HANDLERS: usernames of no active staff member."
    )
    unfit: list[str] | None = strawberry.field(
        description="INELIGIBLE_HANDLERS: usernames of staff who may not handle complaints there."
    )
    cost: int | None = strawberry.field(description="QUERY_TOO_COSTLY: the operation's cost.")
    max_cost: int | None = strawberry.field(description="QUERY_TOO_COSTLY: the limit.")
    balance: int | None = strawberry.field(description="INSUFFICIENT_POINTS: the balance.")
    checklist_items: int | None = strawberry.field(
        description="CHECKLIST_NEEDS_HANDOVER: the shift's checklist items."
    )
    complaint_id: strawberry.ID | None = strawberry.field(description="The complaint's id.")
    order_id: strawberry.ID | None = strawberry.field(description="A replenishment order's id.")
    photo_id: strawberry.ID | None = strawberry.field(
        description="IDEMPOTENCY_KEY_REUSED at POST /photos: the photo the key stored."
    )
    pickup_id: strawberry.ID | None = strawberry.field(description="A replacement pickup's id.")
    promotion_id: strawberry.ID | None = strawberry.field(
        description="PROMOTION_OVERLAP: the promotion already running."
    )
    coupon_id: strawberry.ID | None = strawberry.field(description="COUPON_UNAVAILABLE: its id.")
    shift_id: strawberry.ID | None = strawberry.field(description="SHIFT_ALREADY_OPEN: its id.")
    transfer_id: strawberry.ID | None = strawberry.field(description="A transfer's id.")
    receipt_no: str | None = strawberry.field(description="RECEIPT_ALREADY_RECORDED: the number.")
    store_code: str | None = strawberry.field(description="The store the error is about.")
    region_code: str | None = strawberry.field(description="The region the error is about.")


@strawberry.type(description="A field `@requires` turned to null, and why.")
class HiddenField:
    path: list[JSON] = strawberry.field(
        description="The field's path: field names, and list indices as numbers."
    )
    reason: ErrorReasonEnum  # type: ignore[valid-type]
    permission: PermissionEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="The permission it needs (PERMISSION_REQUIRED)."
    )


@strawberry.type(description="The operation's cost against the limit (README, limits).")
class QueryCost:
    requested: int
    limit: int


@strawberry.type(description="The response's top-level `extensions`, each key when it applies.")
class ResponseExtensions:
    hidden_fields: list[HiddenField] | None
    cost: QueryCost | None


ERROR_SHAPE_TYPES: list[type] = [ErrorExtensions, ResponseExtensions]
