"""Every `extensions.code` and `extensions.reason` the server sends, with what each means: the
one list a client reads.

An error's `extensions.code` says what kind of refusal it is; its reason (when the code alone
does not tell a client what to do) says which one, and names the extension keys that come
with it. A field hidden by permission is listed in the response's `extensions.hiddenFields`
with one of these reasons too. The SDL prints them as `ErrorCode` and `ErrorReason`
(api/schema/errors.py); a value's description is its documentation there.
"""

from __future__ import annotations

from enum import StrEnum


class DescribedEnum(StrEnum):
    """Members are (value, description) pairs, the value being the name; the description
    says what the value means to a client (and which extension keys come with it)."""

    _value_: str
    description: str

    def __new__(cls, value: str, description: str) -> DescribedEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member


class ErrorCode(DescribedEnum):
    """Every `extensions.code`: what kind of refusal an error is."""

    UNAUTHENTICATED = (
        "UNAUTHENTICATED",
        "No token, or one unknown, expired, revoked or of a frozen account: sign in.",
    )
    FORBIDDEN = "FORBIDDEN", "The caller may not do this (role, scope or assignment)."
    BAD_USER_INPUT = (
        "BAD_USER_INPUT",
        "The request's arguments or variables cannot be accepted; nothing was written.",
    )
    NOT_FOUND = (
        "NOT_FOUND",
        "Nothing the caller may see has this key; `argument` names where the key was sent.",
    )
    CONFLICT = "CONFLICT", "The change clashes with the current state; nothing was written."
    RATE_LIMITED = "RATE_LIMITED", "Too many attempts: retry after `retryAfterSeconds`."
    INTERNAL = (
        "INTERNAL",
        "An unexpected server error; quote `requestId` when reporting it.",
    )
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED", "The document is not valid GraphQL syntax."
    GRAPHQL_VALIDATION_FAILED = (
        "GRAPHQL_VALIDATION_FAILED",
        "The document does not validate against the schema, or exceeds a query limit.",
    )
    PERSISTED_QUERY_NOT_FOUND = (
        "PERSISTED_QUERY_NOT_FOUND",
        "No trusted document has this documentId (operations/manifest.json lists them).",
    )
    UNAVAILABLE = (
        "UNAVAILABLE",
        "The database could not be reached or dropped the connection: retry after "
        "`retryAfterSeconds` with the same idempotency key (a write that did commit answers "
        "with its first result).",
    )


class ErrorReason(DescribedEnum):
    """Which refusal of its code an error is, when the code alone does not say what to do."""

    # BAD_USER_INPUT
    INPUT_PROBLEMS = (
        "INPUT_PROBLEMS",
        "The input has problems, each listed in `extensions.problems` as `field: what is wrong`; "
        "nothing was written.",
    )
    CHECKLIST_INCOMPLETE = (
        "CHECKLIST_INCOMPLETE",
        "The shift cannot be handed over yet: `extensions.missingItems` lists each checklist "
        "item and what it lacks (PHOTO, NOTE, DONE).",
    )
    CHECK_DIGIT = (
        "CHECK_DIGIT",
        "The card number's check digit is wrong (a typing or scanning slip): scan or type it "
        "again.",
    )
    MEMBER_CODE_EXPIRED = (
        "MEMBER_CODE_EXPIRED",
        "The member's QR code has expired: ask the member to refresh it.",
    )
    MEMBER_CODE_INVALID = (
        "MEMBER_CODE_INVALID",
        "Looks like a member QR code, but this server did not issue it.",
    )
    MEMBER_CODE_MALFORMED = (
        "MEMBER_CODE_MALFORMED",
        "Neither a 16-digit card number nor a member QR code.",
    )
    MALFORMED_ID = (
        "MALFORMED_ID",
        "Not an id this API issued; when several ids were sent, `extensions.invalid` lists "
        "the ones that are not.",
    )
    WRONG_ID_TYPE = (
        "WRONG_ID_TYPE",
        "The id of another type of object; `extensions.expectedType` names the type.",
    )
    UNKNOWN_PHOTOS = (
        "UNKNOWN_PHOTOS",
        "Photos that are not the caller's own uploads (POST /photos), listed in "
        "`extensions.unknownPhotoIds`.",
    )
    NO_CUSTOMER_TO_CALL = (
        "NO_CUSTOMER_TO_CALL",
        "The complaint names no member, so there is no customer to call back.",
    )
    INELIGIBLE_HANDLERS = (
        "INELIGIBLE_HANDLERS",
        "Handlers who cannot take complaints here: `extensions.unknown` (no such active staff) "
        "and `extensions.unfit` (may not handle complaints in this region).",
    )
    QUERY_TOO_COSTLY = (
        "QUERY_TOO_COSTLY",
        "The operation's cost (`extensions.cost`) exceeds `extensions.maxCost`: ask for smaller "
        "pages or fewer nested lists.",
    )
    # CONFLICT
    IDEMPOTENCY_KEY_REUSED = (
        "IDEMPOTENCY_KEY_REUSED",
        "This idempotency key was used before with other arguments (or another image): use a "
        "new key for new work.",
    )
    RECEIPT_ALREADY_RECORDED = (
        "RECEIPT_ALREADY_RECORDED",
        "The receipt number (`extensions.receiptNo`) was recorded at this store with other "
        "content.",
    )
    WRONG_STATUS = (
        "WRONG_STATUS",
        "The object's current status (`extensions.status`) does not allow this change; a retry "
        "that finds the status it asked for knows its first call won.",
    )
    ALREADY_EXISTS = (
        "ALREADY_EXISTS",
        "The value of `extensions.field` is taken (a username, an enrolled phone).",
    )
    ALREADY_ASSIGNED = "ALREADY_ASSIGNED", "The complaint is already assigned to that person."
    REOPEN_WINDOW_CLOSED = (
        "REOPEN_WINDOW_CLOSED",
        "The complaint was resolved too long ago to reopen: file a new one.",
    )
    INSUFFICIENT_POINTS = (
        "INSUFFICIENT_POINTS",
        "The member's points balance (`extensions.balance`) is lower than the points asked.",
    )
    SHIFT_ALREADY_OPEN = (
        "SHIFT_ALREADY_OPEN",
        "The caller already has a shift open (`extensions.shiftId`): hand it over or end it first.",
    )
    CHECKLIST_NEEDS_HANDOVER = (
        "CHECKLIST_NEEDS_HANDOVER",
        "The shift has a checklist (`extensions.checklistItems` items): end it with "
        "completeHandover.",
    )
    PROMOTION_OVERLAP = (
        "PROMOTION_OVERLAP",
        "A scheduled promotion (`extensions.promotionId`) already runs on a SKU of this one at a "
        "store (`extensions.storeCode`) in overlapping hours, and the stacking rules forbid both.",
    )
    COUPON_UNAVAILABLE = (
        "COUPON_UNAVAILABLE",
        "A coupon (`extensions.couponId`) is not the member's, has expired or was redeemed "
        "already.",
    )
    # FORBIDDEN
    OWN_REQUEST = (
        "OWN_REQUEST",
        "The caller made this request: someone else must decide on it.",
    )
    PERMISSION_REQUIRED = (
        "PERMISSION_REQUIRED",
        "The caller's role lacks the permission named in `permission` (of the error's "
        "extensions, or of the hidden field's entry).",
    )
    ROLE_GRANT_PENDING = (
        "ROLE_GRANT_PENDING",
        "The caller's HQ_COMPLIANCE role awaits confirmation by a second person: until then it "
        "holds no permissions.",
    )
    SECOND_PERSON_REQUIRED = (
        "SECOND_PERSON_REQUIRED",
        "A grant is confirmed by someone other than who requested it or who receives it.",
    )
    OUTSIDE_SCOPE = (
        "OUTSIDE_SCOPE",
        "The store (`extensions.storeCode`) or region (`extensions.regionCode`) is outside the "
        "caller's scope.",
    )
    NOT_ASSIGNEE = (
        "NOT_ASSIGNEE",
        "The complaint is assigned to someone else: ask them or a manager to reassign it.",
    )
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED", "This caller may not introspect the schema."
    TRUSTED_DOCUMENT_REQUIRED = (
        "TRUSTED_DOCUMENT_REQUIRED",
        "This token may run trusted documents only: send a documentId from "
        "operations/manifest.json.",
    )
    PHONE_NOT_ECHOED = (
        "PHONE_NOT_ECHOED",
        "A phone field under memberByPhone: that answer never repeats the number it was asked "
        "for, not even masked.",
    )
    # RATE_LIMITED
    SIGN_IN_THROTTLED = (
        "SIGN_IN_THROTTLED",
        "Too many failed sign-ins for this account or address: retry after "
        "`extensions.retryAfterSeconds`.",
    )
    OPERATIONS_PER_SOCKET = (
        "OPERATIONS_PER_SOCKET",
        "This socket runs as many operations as one may (`extensions.limit`): complete one "
        "first, or open another socket.",
    )
    MEMBER_LOOKUP_CEILING = (
        "MEMBER_LOOKUP_CEILING",
        "The caller looked up as many different members in the last hour as the role may: "
        "retry after `extensions.retryAfterSeconds`.",
    )
    CALL_CEILING = (
        "CALL_CEILING",
        "The caller placed as many customer calls in the last hour as allowed: retry after "
        "`extensions.retryAfterSeconds`.",
    )
