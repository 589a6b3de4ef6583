"""Domain events: the one catalogue of kinds, each with the shape of its payload, and `emit`
(api/domain/event_writing.py), which records one as a row of `event`, announced with NOTIFY
when the transaction commits.

A kind is never written as a string: `emit` takes a payload object and reads the kind from its
type, so nothing can write a kind without its payload's shape. The real-time layer LISTENs on
EVENT_CHANNEL in every process and delivers each event to the subscribers allowed to see it
(parsing the stored jsonb back with `parse_payload`); a subscriber resuming from an event id
reads the table. The GraphQL `EventKind` enum is this one, described by each payload's
docstring.
"""

from __future__ import annotations

import enum
import inspect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

# Re-exported: callers write `events.emit` (api/domain/event_writing.py).
from api.domain.event_writing import EVENT_CHANNEL as EVENT_CHANNEL
from api.domain.event_writing import EVENT_ORDER_LOCK as EVENT_ORDER_LOCK
from api.domain.event_writing import emit as emit
from api.domain.json_shapes import JsonShape
from db.models import (
    ComplaintCategory,
    ComplaintStatus,
    PrivacyAlertKind,
    ShiftKind,
    TimelineKind,
)


class EventKind(enum.StrEnum):
    """What happened; stored in `event.kind`, and the GraphQL enum `EventKind`."""

    LOW_STOCK_RAISED = "LOW_STOCK_RAISED"
    LOW_STOCK_CLEARED = "LOW_STOCK_CLEARED"
    NEAR_EXPIRY_RAISED = "NEAR_EXPIRY_RAISED"
    NEAR_EXPIRY_CLEARED = "NEAR_EXPIRY_CLEARED"
    SLOW_MOVER_RAISED = "SLOW_MOVER_RAISED"
    SLOW_MOVER_CLEARED = "SLOW_MOVER_CLEARED"
    PRIVACY_ALERT_RAISED = "PRIVACY_ALERT_RAISED"
    COMPLIANCE_GRANT_REQUESTED = "COMPLIANCE_GRANT_REQUESTED"
    COMPLIANCE_GRANT_CONFIRMED = "COMPLIANCE_GRANT_CONFIRMED"
    COMPLAINT_FILED = "COMPLAINT_FILED"
    COMPLAINT_ASSIGNED = "COMPLAINT_ASSIGNED"
    COMPLAINT_STATUS_CHANGED = "COMPLAINT_STATUS_CHANGED"
    COMPLAINT_SLA_BREACHED = "COMPLAINT_SLA_BREACHED"
    SHIFT_ENDED = "SHIFT_ENDED"
    SHIFT_HANDED_OVER = "SHIFT_HANDED_OVER"
    SHIFT_ACCEPTED = "SHIFT_ACCEPTED"
    TRANSFER_REQUESTED = "TRANSFER_REQUESTED"
    TRANSFER_APPROVED = "TRANSFER_APPROVED"
    TRANSFER_SHIPPED = "TRANSFER_SHIPPED"
    TRANSFER_RECEIVED = "TRANSFER_RECEIVED"
    TRANSFER_CANCELLED = "TRANSFER_CANCELLED"
    MARKDOWN_ISSUED = "MARKDOWN_ISSUED"
    MARKDOWN_ACKNOWLEDGED = "MARKDOWN_ACKNOWLEDGED"
    HELP_REQUESTED = "HELP_REQUESTED"
    HELP_ANSWERED = "HELP_ANSWERED"
    PROMOTION_UNDER_REDEEMED = "PROMOTION_UNDER_REDEEMED"
    TRAINING_ALERT_RAISED = "TRAINING_ALERT_RAISED"


_PAYLOAD_TYPES: dict[EventKind, type[EventPayload]] = {}


@dataclass(frozen=True, kw_only=True)
class EventPayload(JsonShape):
    """What an event of one kind carries. A class given `kind=` in its bases is that kind's
    one payload type; its docstring describes the kind (in the SDL too)."""

    kind: ClassVar[EventKind]

    def __init_subclass__(cls, *, kind: EventKind | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind is None:
            return  # a shape shared by several kinds
        if kind in _PAYLOAD_TYPES:
            raise TypeError(f"{kind} has two payload types: {_PAYLOAD_TYPES[kind]} and {cls}")
        if not cls.__dict__.get("__doc__"):
            raise TypeError(f"{cls.__name__} needs a docstring: it describes {kind}")
        cls.kind = kind
        _PAYLOAD_TYPES[kind] = cls


# ---- stock alerts (api/domain/stock/ledger.py, api/domain/scans.py) -------------------------


@dataclass(frozen=True, kw_only=True)
class StockAlertChanged(EventPayload):
    """A stock alert (a StockAlert row) of one product at the event's store."""

    alert_id: int
    product_id: int


@dataclass(frozen=True, kw_only=True)
class LowStockRaised(StockAlertChanged, kind=EventKind.LOW_STOCK_RAISED):
    """On hand fell below the safety stock: a LOW_STOCK alert opened."""


@dataclass(frozen=True, kw_only=True)
class LowStockCleared(StockAlertChanged, kind=EventKind.LOW_STOCK_CLEARED):
    """On hand is back at or above the safety stock: the LOW_STOCK alert closed."""


@dataclass(frozen=True, kw_only=True)
class NearExpiryRaised(StockAlertChanged, kind=EventKind.NEAR_EXPIRY_RAISED):
    """A batch on the shelf is close to its expiry date: a NEAR_EXPIRY alert opened."""


@dataclass(frozen=True, kw_only=True)
class NearExpiryCleared(StockAlertChanged, kind=EventKind.NEAR_EXPIRY_CLEARED):
    """Nothing close to expiry is left: the NEAR_EXPIRY alert closed."""


@dataclass(frozen=True, kw_only=True)
class SlowMoverRaised(StockAlertChanged, kind=EventKind.SLOW_MOVER_RAISED):
    """A seasonal SKU went unsold for days while stock remains: a SLOW_MOVER alert opened."""


@dataclass(frozen=True, kw_only=True)
class SlowMoverCleared(StockAlertChanged, kind=EventKind.SLOW_MOVER_CLEARED):
    """The slow mover sold again or ran out: the SLOW_MOVER alert closed."""


# ---- privacy (api/domain/members/limits.py) -------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PrivacyAlertRaised(EventPayload, kind=EventKind.PRIVACY_ALERT_RAISED):
    """Someone looked up unusually many members: a privacy alert for HQ compliance."""

    alert_id: int
    alert_kind: PrivacyAlertKind = field(metadata={"json": "kind"})
    staff_username: str
    distinct_members: int
    window_minutes: int


@dataclass(frozen=True, kw_only=True)
class ComplianceGrantChanged(EventPayload):
    """A grant of the HQ_COMPLIANCE role (api/domain/compliance_grants.py): a privacy alert."""

    grant_id: int
    staff_username: str  # who receives the role
    requested_by_username: str
    confirmed_by_username: str | None = None  # None: pending, or confirmed on the server


@dataclass(frozen=True, kw_only=True)
class ComplianceGrantRequested(ComplianceGrantChanged, kind=EventKind.COMPLIANCE_GRANT_REQUESTED):
    """Someone asked for an account to get HQ_COMPLIANCE (full phone numbers): a second
    HQ_COMPLIANCE member, or the server's operator, must confirm it."""


@dataclass(frozen=True, kw_only=True)
class ComplianceGrantConfirmed(ComplianceGrantChanged, kind=EventKind.COMPLIANCE_GRANT_CONFIRMED):
    """A second person confirmed an HQ_COMPLIANCE grant: the account now holds the role."""


# ---- complaints (api/domain/complaints/timeline.py) -----------------------------------------


@dataclass(frozen=True, kw_only=True)
class ComplaintChanged(EventPayload, keys="snake"):
    """A complaint's state after a change recorded on its timeline."""

    complaint_id: int
    status: ComplaintStatus
    assignee_id: int | None
    category: ComplaintCategory
    timeline_kind: TimelineKind


@dataclass(frozen=True, kw_only=True)
class ComplaintFiled(ComplaintChanged, kind=EventKind.COMPLAINT_FILED):
    """A complaint was filed at the event's store."""


@dataclass(frozen=True, kw_only=True)
class ComplaintAssigned(ComplaintChanged, kind=EventKind.COMPLAINT_ASSIGNED):
    """A complaint was given to a handler (on filing, or by hand later)."""


@dataclass(frozen=True, kw_only=True)
class ComplaintStatusChanged(ComplaintChanged, kind=EventKind.COMPLAINT_STATUS_CHANGED):
    """A complaint was started, resolved, closed or reopened."""


@dataclass(frozen=True, kw_only=True)
class ComplaintSlaBreached(ComplaintChanged, kind=EventKind.COMPLAINT_SLA_BREACHED):
    """A complaint missed its first-response or resolution target and was escalated."""

    breach: TimelineKind
    escalated_to_id: int | None


# ---- shifts (api/domain/shifts/handover.py) -------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ShiftFinished(EventPayload, keys="snake"):
    """A shift that ended, with its handover summary (api/domain/shifts/summary.py)."""

    shift_id: str = field(metadata={"json": "shiftId"})  # the number, as text
    shift_kind: ShiftKind = field(metadata={"json": "kind"})
    sales_count: int
    sales_cents: int
    returns_count: int
    refunded_cents: int
    members_enrolled: int
    open_stock_alerts: int
    open_complaints: int


@dataclass(frozen=True, kw_only=True)
class ShiftEnded(ShiftFinished, kind=EventKind.SHIFT_ENDED):
    """A shift with an empty checklist ended without a handover."""


@dataclass(frozen=True, kw_only=True)
class ShiftHandedOver(ShiftFinished, kind=EventKind.SHIFT_HANDED_OVER):
    """A shift was handed over (checklist complete, summary written), awaiting acceptance."""


@dataclass(frozen=True, kw_only=True)
class ShiftAccepted(EventPayload, kind=EventKind.SHIFT_ACCEPTED):
    """The incoming clerk or the manager accepted a handed-over shift."""

    shift_id: str  # the number, as text
    accepted_by: str  # a username


# ---- transfers (api/domain/transfers/changes.py): one event per side ------------------------


class TransferSide(enum.StrEnum):
    SOURCE = "SOURCE"
    DESTINATION = "DESTINATION"


@dataclass(frozen=True, kw_only=True)
class TransferChanged(EventPayload):
    """A transfer between two stores, announced to each (the event's store is `side`)."""

    transfer_id: int
    from_store_code: str
    to_store_code: str
    side: TransferSide


@dataclass(frozen=True, kw_only=True)
class TransferRequested(TransferChanged, kind=EventKind.TRANSFER_REQUESTED):
    """A store asked another for stock."""


@dataclass(frozen=True, kw_only=True)
class TransferApproved(TransferChanged, kind=EventKind.TRANSFER_APPROVED):
    """A transfer was approved and may be shipped."""


@dataclass(frozen=True, kw_only=True)
class TransferShipped(TransferChanged, kind=EventKind.TRANSFER_SHIPPED):
    """The source shipped a transfer: its stock left, the destination's is in transit."""

    units_shipped: int


@dataclass(frozen=True, kw_only=True)
class ReceivedDifference(JsonShape):
    """A line received in another quantity than shipped."""

    product_id: int
    shipped: int
    received: int


@dataclass(frozen=True, kw_only=True)
class TransferReceived(TransferChanged, kind=EventKind.TRANSFER_RECEIVED):
    """The destination received a transfer, with any line that differed from the shipment."""

    differences: tuple[ReceivedDifference, ...]


@dataclass(frozen=True, kw_only=True)
class TransferCancelled(TransferChanged, kind=EventKind.TRANSFER_CANCELLED):
    """A transfer was cancelled before it shipped."""


# ---- markdowns (api/domain/markdowns.py): one event per store -------------------------------


@dataclass(frozen=True, kw_only=True)
class MarkdownIssued(EventPayload, kind=EventKind.MARKDOWN_ISSUED):
    """HQ issued a markdown to the event's store: these SKUs, this much off, in this window."""

    markdown_id: int
    store_code: str
    skus: tuple[str, ...]
    percent_off: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, kw_only=True)
class MarkdownAcknowledged(EventPayload, kind=EventKind.MARKDOWN_ACKNOWLEDGED):
    """The store confirmed it applied a markdown (every SKU of it there)."""

    markdown_id: int
    store_code: str


# ---- help from HQ (api/domain/help_requests.py): at the requesting store -------------------


@dataclass(frozen=True, kw_only=True)
class HelpRequestChanged(EventPayload):
    """A store's help request (a HelpRequest row) at the event's store."""

    help_request_id: int


@dataclass(frozen=True, kw_only=True)
class HelpRequested(HelpRequestChanged, kind=EventKind.HELP_REQUESTED):
    """A clerk or store manager asked HQ for help."""

    requested_by: str  # a username


@dataclass(frozen=True, kw_only=True)
class HelpAnswered(HelpRequestChanged, kind=EventKind.HELP_ANSWERED):
    """HQ (or the region's manager) answered a store's help request."""

    answered_by: str  # a username


# ---- promotions (api/domain/promotions/redemption.py): HQ and the store's region ----------


@dataclass(frozen=True, kw_only=True)
class PromotionUnderRedeemed(EventPayload, kind=EventKind.PROMOTION_UNDER_REDEEMED):
    """A store redeems a promotion far below the rest of the chain (a one-sided two-proportion
    z-test at p < 0.01, with enough eligible transactions): check its tills and its staff's
    briefing. Raised once per promotion and store."""

    promotion_id: int
    store_code: str
    eligible: int
    redeemed: int
    others_eligible: int
    others_redeemed: int
    z_score: str  # the test's z to 3 decimals, e.g. "-2.582"


@dataclass(frozen=True, kw_only=True)
class TrainingAlertRaised(EventPayload, kind=EventKind.TRAINING_ALERT_RAISED):
    """A clerk was at the bottom of their store type three months (analytics/training.py)."""

    training_task_id: int
    clerk: str  # a username; `month`: the third month, YYYY-MM
    month: str


# ---- the catalogue --------------------------------------------------------------------------

_missing = [kind for kind in EventKind if kind not in _PAYLOAD_TYPES]
if _missing:
    raise TypeError(f"event kinds without a payload type: {_missing}")

P = TypeVar("P", bound=EventPayload)


def payload_type(kind: EventKind) -> type[EventPayload]:
    return _PAYLOAD_TYPES[kind]


def kinds_of(shape: type[EventPayload]) -> frozenset[EventKind]:
    """The kinds whose payload is a `shape` (a shared base such as StockAlertChanged)."""
    return frozenset(k for k, t in _PAYLOAD_TYPES.items() if issubclass(t, shape))


def describe(kind: EventKind) -> str:
    return inspect.cleandoc(_PAYLOAD_TYPES[kind].__doc__ or "")


def parse_payload(kind: EventKind, data: object, expected: type[P]) -> P:
    """A stored payload as its kind's type, which must be an `expected` (else TypeError);
    MalformedPayload when it does not have that shape."""
    payload = _PAYLOAD_TYPES[kind].from_json(data)
    if not isinstance(payload, expected):
        raise TypeError(f"a {kind} payload is no {expected.__name__}")
    return payload


STOCK_ALERT_KINDS = kinds_of(StockAlertChanged)
COMPLAINT_KINDS = kinds_of(ComplaintChanged)
COMPLIANCE_GRANT_KINDS = kinds_of(ComplianceGrantChanged)
HELP_KINDS = kinds_of(HelpRequestChanged)
