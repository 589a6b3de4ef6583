"""GraphQL types for standards (checklist templates), shifts, handovers and HQ's report."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from api.context import Context
from api.domain import global_ids
from api.domain.shifts.report import DayPhoto, StoreStandards
from api.domain.shifts.shifts import ShiftView
from api.domain.shifts.standards import TemplateView
from api.domain.shifts.summary import HandoverSummary as SummaryData
from api.domain.shifts.summary import Window, summaries
from api.schema.enums import StoreTypeEnum
from api.schema.organisation import Store
from api.schema.photos import Photo
from api.schema.promotion_execution import StorePromotionEvidence, owed_loader
from db.models import PhotoSubject
from db.models import ShiftKind as ShiftKindModel
from db.models import ShiftStatus as ShiftStatusModel

ShiftKind = strawberry.enum(
    ShiftKindModel,
    name="ShiftKind",
    description="Store-local windows: OPENING 06:00-14:00, MIDDAY 10:00-18:00, CLOSING "
    "14:00-22:30.",
)
ShiftStatus = strawberry.enum(
    ShiftStatusModel,
    name="ShiftStatus",
    description="OPEN, then HANDED_OVER (checklist done, summary written) and ACCEPTED; ENDED "
    "for a shift that had no checklist.",
)


@strawberry.type(description="One must-do item of a standard.")
class ChecklistItem(relay.Node):
    id: relay.NodeID[int]
    position: int
    text: str
    requires_photo: bool
    requires_note: bool


@strawberry.type(
    description="HQ's standard: a checklist applied to shifts by store type, region and "
    "kind (an empty list means all). Every change is a new version; a shift keeps the "
    "version it started with."
)
class ChecklistTemplate(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str
    version: int
    items: list[ChecklistItem]
    store_types: list[StoreTypeEnum]  # type: ignore[valid-type]
    region_codes: list[str]
    shift_kinds: list[ShiftKind]  # type: ignore[valid-type]
    created_at: datetime
    version_created_at: datetime
    retired_at: datetime | None

    @classmethod
    def from_view(cls, view: TemplateView) -> ChecklistTemplate:
        v = view.version
        return cls(
            id=view.template.id,
            code=view.template.code,
            name=v.name,
            version=v.version,
            items=[
                ChecklistItem(
                    id=i.id,
                    position=i.position,
                    text=i.text,
                    requires_photo=i.requires_photo,
                    requires_note=i.requires_note,
                )
                for i in view.items
            ],
            store_types=list(v.store_types),
            region_codes=list(v.region_codes),
            shift_kinds=[ShiftKindModel(k) for k in v.shift_kinds],
            created_at=view.template.created_at,
            version_created_at=v.created_at,
            retired_at=view.template.retired_at,
        )


@strawberry.input
class ChecklistItemInput:
    text: str
    requires_photo: bool = False
    requires_note: bool = False


@strawberry.input
class CreateChecklistTemplateInput:
    code: str = strawberry.field(description="HQ's stable name, e.g. SHELF-FACING.")
    name: str
    items: list[ChecklistItemInput] = strawberry.field(description="In checklist order.")
    store_types: list[StoreTypeEnum] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Empty: every store type."
    )
    region_codes: list[str] = strawberry.field(
        default_factory=list, description="Empty: every region."
    )
    shift_kinds: list[ShiftKind] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Empty: every shift."
    )
    idempotency_key: str | None = None


@strawberry.input
class UpdateChecklistTemplateInput:
    template_id: strawberry.ID
    name: str
    items: list[ChecklistItemInput]
    store_types: list[StoreTypeEnum] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list
    )
    region_codes: list[str] = strawberry.field(default_factory=list)
    shift_kinds: list[ShiftKind] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list
    )
    idempotency_key: str | None = None


@strawberry.input
class RetireChecklistTemplateInput:
    template_id: strawberry.ID


@strawberry.type
class CreateChecklistTemplatePayload:
    checklist_template: ChecklistTemplate


@strawberry.type
class UpdateChecklistTemplatePayload:
    checklist_template: ChecklistTemplate


@strawberry.type
class RetireChecklistTemplatePayload:
    checklist_template: ChecklistTemplate


@strawberry.type(description="Written from the shift's data when it ends; nobody types it.")
class HandoverSummary:
    sales_count: int = strawberry.field(description="Receipts sold in the shift's window.")
    sales_cents: int = strawberry.field(description="What those receipts paid, in cents.")
    returns_count: int = strawberry.field(description="Returns taken in at the store.")
    refunded_cents: int
    members_enrolled: int
    open_stock_alerts: int = strawberry.field(description="Open at the store when it ended.")
    open_complaints: int = strawberry.field(description="Open at the store when it ended.")
    todos: list[str] = strawberry.field(description="Left for the next shift.")

    @classmethod
    def from_data(cls, data: SummaryData, todos: list[str]) -> HandoverSummary:
        return cls(
            sales_count=data.sales_count,
            sales_cents=data.sales_cents,
            returns_count=data.returns_count,
            refunded_cents=data.refunded_cents,
            members_enrolled=data.members_enrolled,
            open_stock_alerts=data.open_stock_alerts,
            open_complaints=data.open_complaints,
            todos=todos,
        )


@strawberry.type(description="A checklist item as copied into the shift when it started.")
class ShiftChecklistItem:
    item_id: strawberry.ID
    position: int
    text: str
    requires_photo: bool
    requires_note: bool
    done: bool
    done_at: datetime | None
    note: str | None
    photos: list[Photo]


@strawberry.type(description="A clerk's shift at a store: attendance, checklist, handover.")
class Shift(relay.Node):
    id: relay.NodeID[int]
    kind: ShiftKind  # type: ignore[valid-type]
    status: ShiftStatus  # type: ignore[valid-type]
    clerk: str = strawberry.field(description="Username of the clerk.")
    started_at: datetime
    ended_at: datetime | None
    window_start: datetime = strawberry.field(description="The kind's store-local window.")
    window_end: datetime = strawberry.field(
        description="The handover is late after this plus the grace period."
    )
    items: list[ShiftChecklistItem]
    summary: HandoverSummary | None = strawberry.field(description="Null while open.")
    todos: list[str]
    handed_over_by: str | None
    accepted_by: str | None
    accepted_at: datetime | None
    store_id: strawberry.Private[int]

    @strawberry.field
    async def store(self, info: Info) -> Store:
        return Store.from_model(await info.context.loaders.store.load(self.store_id))

    @strawberry.field(
        description="While the shift is open, the summary as it would be written now (the "
        "shift so far; what is open now), so the clerk sees it before handing over; once "
        "ended, the written summary."
    )
    async def summary_so_far(self, info: Info) -> HandoverSummary:
        if self.summary is not None:
            return self.summary
        data = await _summary_loader(info.context).load((self.store_id, self.started_at))
        return HandoverSummary.from_data(data, self.todos)

    @strawberry.field(
        description="Must-do while open: the promotions whose proof of execution (poster "
        "photos and staff briefing) this store still owes, until it is recorded."
    )
    async def promotion_must_dos(self, info: Info) -> list[StorePromotionEvidence]:
        if self.ended_at is not None:
            return []
        return await owed_loader(info.context).load(self.store_id)

    @classmethod
    def from_view(cls, view: ShiftView) -> Shift:
        s = view.shift
        todos = list(s.todos)
        return cls(
            id=s.id,
            kind=s.kind,
            status=s.status,
            clerk=view.clerk,
            started_at=s.started_at,
            ended_at=s.ended_at,
            window_start=s.window_start,
            window_end=s.window_end,
            items=[
                ShiftChecklistItem(
                    item_id=strawberry.ID(global_ids.encode("ChecklistItem", i.item.item_id)),
                    position=i.item.position,
                    text=i.item.text,
                    requires_photo=i.item.requires_photo,
                    requires_note=i.item.requires_note,
                    done=i.item.done_at is not None,
                    done_at=i.item.done_at,
                    note=i.item.note,
                    photos=[Photo.from_ref(p, detail_type="ChecklistItem") for p in i.photos],
                )
                for i in view.items
            ],
            summary=HandoverSummary.from_data(SummaryData.from_json(s.summary), todos)
            if s.summary is not None
            else None,
            todos=todos,
            handed_over_by=view.handed_over_by,
            accepted_by=view.accepted_by,
            accepted_at=s.accepted_at,
            store_id=s.store_id,
        )


_SUMMARY_LOADER = "_shift_summary_loader"


def _summary_loader(context: Context) -> DataLoader[tuple[int, datetime], SummaryData]:
    """Open shifts' summaries, batched into one statement per page. Not cached: a socket's
    context outlives one operation, and the numbers move."""
    loader: DataLoader[tuple[int, datetime], SummaryData] | None = getattr(
        context, _SUMMARY_LOADER, None
    )
    if loader is None:

        async def load(keys: list[tuple[int, datetime]]) -> list[SummaryData]:
            now = datetime.now(UTC)
            return await summaries(context.session, [Window(s, start, now) for s, start in keys])

        loader = DataLoader(load, cache=False)
        setattr(context, _SUMMARY_LOADER, loader)
    return loader


@strawberry.input
class StartShiftInput:
    store_code: str
    kind: ShiftKind  # type: ignore[valid-type]
    idempotency_key: str | None = None


@strawberry.input
class ShiftItemInput:
    item_id: strawberry.ID
    photo_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Your uploads from POST /photos."
    )
    note: str | None = None


@strawberry.input
class RecordShiftItemInput:
    shift_id: strawberry.ID
    item_id: strawberry.ID
    photo_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class CompleteHandoverInput:
    shift_id: strawberry.ID
    items: list[ShiftItemInput] = strawberry.field(
        default_factory=list, description="Items done now; items recorded earlier count too."
    )
    todos: list[str] = strawberry.field(
        default_factory=list, description="Left for the next shift."
    )
    idempotency_key: str | None = None


@strawberry.input
class EndShiftInput:
    shift_id: strawberry.ID
    todos: list[str] = strawberry.field(default_factory=list)
    idempotency_key: str | None = None


@strawberry.input
class AcceptHandoverInput:
    shift_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type
class StartShiftPayload:
    shift: Shift


@strawberry.type
class RecordShiftItemPayload:
    shift: Shift


@strawberry.type
class CompleteHandoverPayload:
    shift: Shift


@strawberry.type
class EndShiftPayload:
    shift: Shift


@strawberry.type
class AcceptHandoverPayload:
    shift: Shift


@strawberry.type(description="A checklist item often not done by the handover deadline.")
class MissedItem:
    text: str
    times: int


@strawberry.type(description="How one store kept the standards over the period.")
class StoreStandardsRow:
    store: Store
    shifts: int = strawberry.field(description="Started on the period's store-local dates.")
    handovers_completed: int
    completion_rate: float | None = strawberry.field(
        description="Completed over due (completed + missing), 0 to 1; null if none were due."
    )
    late: int = strawberry.field(description="Handed over after window end + grace.")
    missing: int = strawberry.field(description="Not handed over, window end + grace passed.")
    missed_items: list[MissedItem] = strawberry.field(
        description="Items not done by the deadline (on missing or late handovers), most "
        "often first (top 5)."
    )

    @classmethod
    def from_data(cls, row: StoreStandards) -> StoreStandardsRow:
        return cls(
            store=Store.from_model(row.store),
            shifts=row.shifts,
            handovers_completed=row.handovers_completed,
            completion_rate=row.completion_rate,
            late=row.late,
            missing=row.missing,
            missed_items=[MissedItem(text=m.text, times=m.times) for m in row.missed_items],
        )


# The GraphQL type a photo's subject id is the id of.
_SUBJECT_TYPES = {
    PhotoSubject.SHIFT: "Shift",
    PhotoSubject.COMPLAINT: "Complaint",
    PhotoSubject.PROMOTION: "Promotion",
}


@strawberry.type(description="A photo attached at a store, with what it is evidence for.")
class StoreDayPhoto:
    photo: Photo
    subject: str = strawberry.field(description="SHIFT, COMPLAINT or PROMOTION.")
    subject_id: strawberry.ID
    detail: str | None = strawberry.field(description="For a shift: the checklist item's id.")
    attached_at: datetime
    attached_by: str = strawberry.field(description="Username.")

    @classmethod
    def from_data(cls, data: DayPhoto) -> StoreDayPhoto:
        detail_type = "ChecklistItem" if data.subject is PhotoSubject.SHIFT else None
        photo = Photo.from_ref(data.photo, detail_type=detail_type)
        return cls(
            photo=photo,
            subject=data.subject.value,
            subject_id=strawberry.ID(
                global_ids.encode(_SUBJECT_TYPES[data.subject], data.subject_id)
            ),
            detail=photo.detail,
            attached_at=data.attached_at,
            attached_by=data.attached_by,
        )
