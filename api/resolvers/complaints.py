"""Queries and mutations for complaints (README "Complaints"); the live feed is in
complaint_events.py, re-exported here for the schema root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain import global_ids
from api.domain.access import Permission
from api.domain.complaints import compensation, lifecycle, queries, routing, sla, stats
from api.domain.complaints.filing import NewComplaint, file_complaint
from api.resolvers.complaint_events import ComplaintsSubscription
from api.resolvers.idempotent import once as _once
from api.schema.complaint_inputs import (
    CloseComplaintPayload,
    CollectReplacementInput,
    CollectReplacementPayload,
    ComplaintFilter,
    ComplaintMoveInput,
    FileComplaintInput,
    FileComplaintPayload,
    ReassignComplaintInput,
    ReassignComplaintPayload,
    ReopenComplaintInput,
    ReopenComplaintPayload,
    ResolveComplaintInput,
    ResolveComplaintPayload,
    SetComplaintRoutingInput,
    SetComplaintRoutingPayload,
    SetComplaintSlaInput,
    SetComplaintSlaPayload,
    StartComplaintWorkPayload,
)
from api.schema.complaints import (
    Complaint,
    ComplaintRoute,
    ComplaintSla,
    ComplaintStats,
    ComplaintStatsRow,
    ReplacementPickup,
)
from api.schema.members import key_ring
from api.schema.organisation import Region
from api.schema.permissions import requires
from api.schema.relay import Connection, connection
from api.schema.staff import Staff
from db import models


async def _complaint(context: Context, complaint_id: int) -> Complaint:
    found = await queries.get_complaint(context.session, context.actor, complaint_id)
    return Complaint.from_model(found)


def _route(view: routing.RouteView) -> ComplaintRoute:
    return ComplaintRoute(
        region=Region.from_model(view.region),
        category=view.category,
        handlers=[Staff.from_model(s) for s in view.handlers],
    )


@strawberry.type
class ComplaintsQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_COMPLAINTS)],
        description="One complaint at a store in your scope.",
    )
    async def complaint(self, info: Info, id: strawberry.ID) -> Complaint:
        return await _complaint(info.context, global_ids.expect(id, "Complaint", argument="id"))

    @strawberry.field(
        extensions=[requires(Permission.VIEW_COMPLAINTS)],
        description="Complaints at stores in your scope, newest first.",
    )
    async def complaints(
        self,
        info: Info,
        filter: ComplaintFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Complaint]:
        f = filter or ComplaintFilter()
        page = await queries.list_complaints(
            await info.context.read_session(),
            info.context.actor,
            queries.ComplaintFilter(
                store_code=f.store_code,
                region_code=f.region_code,
                status=f.status,
                category=f.category,
                assigned_to_me=f.assigned_to_me,
            ),
            first=first,
            after=after,
        )
        return connection(page, Complaint.from_model)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_COMPLAINTS)],
        description="Who handles each category of complaints in a region.",
    )
    async def complaint_routing(self, info: Info, region_code: str) -> list[ComplaintRoute]:
        views = await routing.routes(info.context.session, info.context.actor, region_code)
        return [_route(v) for v in views]

    @strawberry.field(
        extensions=[requires(Permission.VIEW_COMPLAINTS)],
        description="First-response and resolution targets per category.",
    )
    async def complaint_slas(self, info: Info) -> list[ComplaintSla]:
        rows = await sla.list_slas(info.context.session, info.context.actor)
        return [ComplaintSla.from_model(r) for r in rows]

    @strawberry.field(
        extensions=[requires(Permission.VIEW_COMPLAINTS)],
        description="Per store and per region, over complaints filed in [from, to) in your "
        "scope: count, breach rates and handling-time percentiles.",
    )
    async def complaint_stats(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        region_code: str | None = None,
        store_code: str | None = None,
    ) -> ComplaintStats:
        rows = await stats.complaint_stats(
            info.context.session,
            info.context.actor,
            from_=from_,
            to=to,
            region_code=region_code,
            store_code=store_code,
        )
        return ComplaintStats(
            stores=[ComplaintStatsRow.from_row(r) for r in rows if r.store_id is not None],
            regions=[ComplaintStatsRow.from_row(r) for r in rows if r.store_id is None],
        )


@strawberry.type
class ComplaintsMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.FILE_COMPLAINTS)],
        description="Record a customer's complaint at a store in your scope; it is routed to a "
        "handler at once and the customer is told who handles it and by when.",
    )
    async def file_complaint(self, info: Info, input: FileComplaintInput) -> FileComplaintPayload:
        context: Context = info.context
        new = NewComplaint(
            store_code=input.store_code.strip(),
            category=models.ComplaintCategory(input.category),
            description=input.description,
            member_code=input.member_code,
            receipt_no=input.receipt_no,
            photo_ids=tuple(global_ids.expect_photos(input.photo_ids)),
        )

        async def perform() -> int:
            return await file_complaint(
                context.session,
                context.actor,
                new,
                ring=key_ring(info),
                code_ttl_seconds=context.settings.member_code_ttl_seconds,
            )

        complaint_id = await _once(context, "fileComplaint", input, perform)
        return FileComplaintPayload(complaint=await _complaint(context, complaint_id))

    @strawberry.mutation(
        extensions=[requires(Permission.HANDLE_COMPLAINTS)],
        description="First response: IN_PROGRESS (from OPEN, ASSIGNED or REOPENED).",
    )
    async def start_complaint_work(
        self, info: Info, input: ComplaintMoveInput
    ) -> StartComplaintWorkPayload:
        complaint_id = await _move(
            info,
            "startComplaintWork",
            input,
            lambda s, a, i: lifecycle.start_work(s, a, i, input.note),
        )
        return StartComplaintWorkPayload(complaint=await _complaint(info.context, complaint_id))

    @strawberry.mutation(
        extensions=[requires(Permission.HANDLE_COMPLAINTS)],
        description="RESOLVED (from IN_PROGRESS), optionally with a replacement to collect at "
        "any store and a coupon credited to the member.",
    )
    async def resolve_complaint(
        self, info: Info, input: ResolveComplaintInput
    ) -> ResolveComplaintPayload:
        context: Context = info.context
        complaint_id = global_ids.expect(input.complaint_id, "Complaint", argument="complaintId")
        replacement = (
            compensation.ReplacementInput(
                store_code=input.replacement.store_code.strip(),
                sku=input.replacement.sku.strip(),
                quantity=input.replacement.quantity,
            )
            if input.replacement is not None
            else None
        )
        resolution = lifecycle.Resolution(
            text=input.resolution, replacement=replacement, coupon_cents=input.coupon_cents
        )

        async def perform() -> int:
            await lifecycle.resolve(
                context.session,
                context.actor,
                complaint_id,
                resolution,
                reopen_days=context.settings.complaint_reopen_days,
            )
            return complaint_id

        await _once(context, "resolveComplaint", input, perform)
        return ResolveComplaintPayload(complaint=await _complaint(context, complaint_id))

    @strawberry.mutation(
        extensions=[requires(Permission.HANDLE_COMPLAINTS)],
        description="CLOSED (from RESOLVED): the customer is satisfied.",
    )
    async def close_complaint(self, info: Info, input: ComplaintMoveInput) -> CloseComplaintPayload:
        complaint_id = await _move(
            info, "closeComplaint", input, lambda s, a, i: lifecycle.close(s, a, i, input.note)
        )
        return CloseComplaintPayload(complaint=await _complaint(info.context, complaint_id))

    @strawberry.mutation(
        extensions=[requires(Permission.FILE_COMPLAINTS)],
        description="REOPENED (from RESOLVED or CLOSED, within complaint_reopen_days of the "
        "resolution): back to a handler with a new resolution target.",
    )
    async def reopen_complaint(
        self, info: Info, input: ReopenComplaintInput
    ) -> ReopenComplaintPayload:
        context: Context = info.context
        complaint_id = global_ids.expect(input.complaint_id, "Complaint", argument="complaintId")

        async def perform() -> int:
            await lifecycle.reopen(
                context.session,
                context.actor,
                complaint_id,
                input.reason,
                reopen_days=context.settings.complaint_reopen_days,
            )
            return complaint_id

        await _once(context, "reopenComplaint", input, perform)
        return ReopenComplaintPayload(complaint=await _complaint(context, complaint_id))

    @strawberry.mutation(
        extensions=[requires(Permission.HANDLE_COMPLAINTS)],
        description="Give the complaint to another handler of its store (a manager with "
        "ASSIGN_COMPLAINTS, or the current assignee).",
    )
    async def reassign_complaint(
        self, info: Info, input: ReassignComplaintInput
    ) -> ReassignComplaintPayload:
        context: Context = info.context
        complaint_id = global_ids.expect(input.complaint_id, "Complaint", argument="complaintId")

        async def perform() -> int:
            await lifecycle.reassign(
                context.session, context.actor, complaint_id, input.assignee_username, input.note
            )
            return complaint_id

        await _once(context, "reassignComplaint", input, perform)
        return ReassignComplaintPayload(complaint=await _complaint(context, complaint_id))

    @strawberry.mutation(
        extensions=[requires(Permission.HANDLE_GOODS)],
        description="The customer collects a replacement at your store: the stock moves once.",
    )
    async def collect_replacement(
        self, info: Info, input: CollectReplacementInput
    ) -> CollectReplacementPayload:
        context: Context = info.context
        pickup_id = global_ids.expect(input.pickup_id, "ReplacementPickup", argument="pickupId")

        async def perform() -> int:
            await compensation.collect_replacement(context.session, context.actor, pickup_id)
            return pickup_id

        await _once(context, "collectReplacement", input, perform)
        view = await queries.pickup_view(context.session, pickup_id)
        return CollectReplacementPayload(pickup=ReplacementPickup.from_view(view))

    @strawberry.mutation(
        extensions=[requires(Permission.ASSIGN_COMPLAINTS)],
        description="Set who handles a category of complaints in a region in your scope.",
    )
    async def set_complaint_routing(
        self, info: Info, input: SetComplaintRoutingInput
    ) -> SetComplaintRoutingPayload:
        view = await routing.set_routing(
            info.context.session,
            info.context.actor,
            region_code=input.region_code.strip(),
            category=models.ComplaintCategory(input.category),
            handler_usernames=input.handler_usernames,
        )
        return SetComplaintRoutingPayload(route=_route(view))

    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_COMPLAINT_SLAS)],
        description="Set a category's targets; complaints filed from now on get them.",
    )
    async def set_complaint_sla(
        self, info: Info, input: SetComplaintSlaInput
    ) -> SetComplaintSlaPayload:
        row = await sla.set_sla(
            info.context.session,
            info.context.actor,
            category=models.ComplaintCategory(input.category),
            first_response_minutes=input.first_response_minutes,
            resolution_minutes=input.resolution_minutes,
        )
        return SetComplaintSlaPayload(sla=ComplaintSla.from_model(row))


async def _move(
    info: Info,
    operation: str,
    input: ComplaintMoveInput,
    move: Callable[[Any, Any, int], Awaitable[None]],
) -> int:
    context: Context = info.context
    complaint_id = global_ids.expect(input.complaint_id, "Complaint", argument="complaintId")

    async def perform() -> int:
        await move(context.session, context.actor, complaint_id)
        return complaint_id

    return await _once(context, operation, input, perform)


__all__ = ["ComplaintsMutation", "ComplaintsQuery", "ComplaintsSubscription"]
