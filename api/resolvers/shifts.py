"""Queries and mutations for standards (checklist templates), shifts, handovers and HQ's view."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain import global_ids
from api.domain.access import Permission
from api.domain.shifts import handover, report, shifts, standards
from api.resolvers.idempotent import once as _once
from api.schema.permissions import requires
from api.schema.relay import Connection, connection
from api.schema.shifts import (
    AcceptHandoverInput,
    AcceptHandoverPayload,
    ChecklistItemInput,
    ChecklistTemplate,
    CompleteHandoverInput,
    CompleteHandoverPayload,
    CreateChecklistTemplateInput,
    CreateChecklistTemplatePayload,
    EndShiftInput,
    EndShiftPayload,
    RecordShiftItemInput,
    RecordShiftItemPayload,
    RetireChecklistTemplateInput,
    RetireChecklistTemplatePayload,
    Shift,
    StartShiftInput,
    StartShiftPayload,
    StoreDayPhoto,
    StoreStandardsRow,
    UpdateChecklistTemplateInput,
    UpdateChecklistTemplatePayload,
)
from api.schema.shifts import ShiftStatus as ShiftStatusEnum
from db.models import ShiftKind
from db.models import ShiftStatus as ShiftStatusModel


def _content(
    name: str,
    items: list[ChecklistItemInput],
    store_types: list[Any],
    region_codes: list[str],
    shift_kinds: list[Any],
) -> standards.TemplateContent:
    return standards.TemplateContent(
        name=name,
        items=[standards.ItemInput(i.text, i.requires_photo, i.requires_note) for i in items],
        store_types=list(store_types),
        region_codes=[c.strip() for c in region_codes],
        shift_kinds=list(shift_kinds),
    )


async def _template(context: Context, template_id: int) -> ChecklistTemplate:
    view = await standards.get_template(context.session, context.actor, template_id)
    return ChecklistTemplate.from_view(view)


async def _shift(context: Context, shift_id: int) -> Shift:
    return Shift.from_view(await shifts.get_shift(context.session, context.actor, shift_id))


def _item(item_id: strawberry.ID, photo_ids: list[strawberry.ID], note: str | None) -> Any:
    return handover.ItemDone(
        item_id=global_ids.expect(item_id, "ChecklistItem", argument="itemId"),
        photo_ids=global_ids.expect_photos(photo_ids),
        note=note,
    )


@strawberry.type
class ShiftsQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_SHIFTS)],
        description="HQ's checklist templates (current versions), oldest first.",
    )
    async def checklist_templates(
        self,
        info: Info,
        include_retired: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ChecklistTemplate]:
        page = await standards.list_templates(
            info.context.session,
            info.context.actor,
            include_retired=include_retired,
            first=first,
            after=after,
        )
        return connection(page, ChecklistTemplate.from_view)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_SHIFTS)],
        description="A shift at a store in your scope.",
    )
    async def shift(self, info: Info, id: strawberry.ID) -> Shift:
        return await _shift(info.context, global_ids.expect(id, "Shift", argument="id"))

    @strawberry.field(
        extensions=[requires(Permission.VIEW_SHIFTS)],
        description="Shifts at stores in your scope (or one store) started in [from, to), "
        "oldest first; `status: HANDED_OVER` lists the handovers waiting to be accepted.",
    )
    async def shifts(
        self,
        info: Info,
        store_code: str | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        status: ShiftStatusEnum | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Shift]:
        page = await shifts.list_shifts(
            info.context.session,
            info.context.actor,
            store_code=store_code,
            start=from_,
            end=to,
            status=ShiftStatusModel(status) if status else None,
            first=first,
            after=after,
        )
        return connection(page, Shift.from_view)

    @strawberry.field(
        extensions=[requires(Permission.WORK_SHIFTS)],
        description="Your shift under way, if any.",
    )
    async def my_open_shift(self, info: Info) -> Shift | None:
        view = await shifts.my_open_shift(info.context.session, info.context.actor)
        return Shift.from_view(view) if view else None

    @strawberry.field(
        extensions=[requires(Permission.VIEW_SHIFTS)],
        description="Per store in your scope (by code), over store-local dates from..to "
        "inclusive: shifts, handovers completed, completion rate, late and missing handovers "
        "and the items most often missed.",
    )
    async def standards_report(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        region_code: str | None = None,
        store_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StoreStandardsRow]:
        context: Context = info.context
        page = await report.standards_report(
            context.session,
            context.actor,
            first_day=from_,
            last_day=to,
            region_code=region_code,
            store_code=store_code,
            grace_minutes=context.settings.handover_grace_minutes,
            first=first,
            after=after,
        )
        return connection(page, StoreStandardsRow.from_data)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_SHIFTS)],
        description="Photos attached at a store on one store-local date (of what you may "
        "see), in the order they were attached.",
    )
    async def store_day_photos(
        self,
        info: Info,
        store_code: str,
        date: date,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StoreDayPhoto]:
        page = await report.store_day_photos(
            info.context.session,
            info.context.actor,
            store_code=store_code,
            day=date,
            first=first,
            after=after,
        )
        return connection(page, StoreDayPhoto.from_data)


@strawberry.type
class ShiftsMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_STANDARDS)],
        description="HQ defines a standard (version 1); it applies to shifts started after.",
    )
    async def create_checklist_template(
        self, info: Info, input: CreateChecklistTemplateInput
    ) -> CreateChecklistTemplatePayload:
        context: Context = info.context
        content = _content(
            input.name, input.items, input.store_types, input.region_codes, input.shift_kinds
        )

        async def perform() -> int:
            return await standards.create_template(
                context.session, context.actor, code=input.code, content=content
            )

        template_id = await _once(context, "createChecklistTemplate", input, perform)
        return CreateChecklistTemplatePayload(
            checklist_template=await _template(context, template_id)
        )

    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_STANDARDS)],
        description="Write the template's next version (the whole content); shifts already "
        "started keep theirs.",
    )
    async def update_checklist_template(
        self, info: Info, input: UpdateChecklistTemplateInput
    ) -> UpdateChecklistTemplatePayload:
        context: Context = info.context
        template_id = global_ids.expect(
            input.template_id, "ChecklistTemplate", argument="templateId"
        )
        content = _content(
            input.name, input.items, input.store_types, input.region_codes, input.shift_kinds
        )

        async def perform() -> int:
            return await standards.update_template(
                context.session, context.actor, template_id=template_id, content=content
            )

        await _once(context, "updateChecklistTemplate", input, perform)
        return UpdateChecklistTemplatePayload(
            checklist_template=await _template(context, template_id)
        )

    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_STANDARDS)],
        description="Stop applying a template to new shifts (again: no-op).",
    )
    async def retire_checklist_template(
        self, info: Info, input: RetireChecklistTemplateInput
    ) -> RetireChecklistTemplatePayload:
        context: Context = info.context
        template_id = await standards.retire_template(
            context.session,
            context.actor,
            template_id=global_ids.expect(
                input.template_id, "ChecklistTemplate", argument="templateId"
            ),
        )
        return RetireChecklistTemplatePayload(
            checklist_template=await _template(context, template_id)
        )

    @strawberry.mutation(
        extensions=[requires(Permission.WORK_SHIFTS)],
        description="Start your shift at a store in scope (attendance); its checklist is copied "
        "from the standards applying now. One open shift per clerk (CONFLICT).",
    )
    async def start_shift(self, info: Info, input: StartShiftInput) -> StartShiftPayload:
        context: Context = info.context
        store_code, kind = input.store_code.strip(), ShiftKind(input.kind)

        async def perform() -> int:
            return await shifts.start_shift(
                context.session, context.actor, store_code=store_code, kind=kind
            )

        shift_id = await _once(context, "startShift", input, perform)
        return StartShiftPayload(shift=await _shift(context, shift_id))

    @strawberry.mutation(
        extensions=[requires(Permission.WORK_SHIFTS)],
        description="Tick one checklist item during the shift, with the photos (your uploads) "
        "and note it requires (BAD_USER_INPUT naming what is missing).",
    )
    async def record_shift_item(
        self, info: Info, input: RecordShiftItemInput
    ) -> RecordShiftItemPayload:
        context: Context = info.context
        shift_id = global_ids.expect(input.shift_id, "Shift", argument="shiftId")
        entry = _item(input.item_id, input.photo_ids, input.note)

        async def perform() -> int:
            return await handover.record_item(
                context.session, context.actor, shift_id=shift_id, entry=entry
            )

        await _once(context, "recordShiftItem", input, perform)
        return RecordShiftItemPayload(shift=await _shift(context, shift_id))

    @strawberry.mutation(
        extensions=[requires(Permission.WORK_SHIFTS)],
        description="Hand the shift over: refused with BAD_USER_INPUT listing every item still "
        "missing its photo, note or tick (extensions.missingItems), changing nothing; else the "
        "shift ends and its summary is generated.",
    )
    async def complete_handover(
        self, info: Info, input: CompleteHandoverInput
    ) -> CompleteHandoverPayload:
        context: Context = info.context
        shift_id = global_ids.expect(input.shift_id, "Shift", argument="shiftId")
        done = [_item(i.item_id, i.photo_ids, i.note) for i in input.items]

        async def perform() -> int:
            return await handover.complete_handover(
                context.session, context.actor, shift_id=shift_id, done=done, todos=input.todos
            )

        await _once(context, "completeHandover", input, perform)
        return CompleteHandoverPayload(shift=await _shift(context, shift_id))

    @strawberry.mutation(
        extensions=[requires(Permission.WORK_SHIFTS)],
        description="End a shift that has no checklist (one with a checklist: CONFLICT, use "
        "completeHandover).",
    )
    async def end_shift(self, info: Info, input: EndShiftInput) -> EndShiftPayload:
        context: Context = info.context
        shift_id = global_ids.expect(input.shift_id, "Shift", argument="shiftId")

        async def perform() -> int:
            return await handover.end_shift(
                context.session, context.actor, shift_id=shift_id, todos=input.todos
            )

        await _once(context, "endShift", input, perform)
        return EndShiftPayload(shift=await _shift(context, shift_id))

    @strawberry.mutation(
        extensions=[requires(Permission.WORK_SHIFTS)],
        description="Another clerk of the store or its manager accepts a handed-over shift, "
        "once (CONFLICT after).",
    )
    async def accept_handover(
        self, info: Info, input: AcceptHandoverInput
    ) -> AcceptHandoverPayload:
        context: Context = info.context
        shift_id = global_ids.expect(input.shift_id, "Shift", argument="shiftId")

        async def perform() -> int:
            return await handover.accept_handover(context.session, context.actor, shift_id=shift_id)

        await _once(context, "acceptHandover", input, perform)
        return AcceptHandoverPayload(shift=await _shift(context, shift_id))
