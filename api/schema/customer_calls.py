"""GraphQL types for calls placed through the masked-number bridge: what was called, why and
how it went. No type here has a phone field: the number never leaves the server."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain.complaints import queries
from api.schema.complaint_loaders import loaders
from db import models

if TYPE_CHECKING:
    from api.schema.complaints import Complaint
    from api.schema.staff import Staff

LazyStaff = Annotated["Staff", strawberry.lazy("api.schema.staff")]
LazyComplaint = Annotated["Complaint", strawberry.lazy("api.schema.complaints")]

CallStatusEnum = strawberry.enum(
    models.CallStatus,
    name="CustomerCallStatus",
    description="PLACING while the bridge is asked; CONNECTING when a provider rings both "
    "phones; RECORDED when the default adapter recorded it without dialling; FAILED.",
)


@strawberry.type(
    description="A call to a complaint's customer through the masked-number bridge (logged in "
    "the PII access log like a reveal; neither number is ever shown)."
)
class CustomerCall(relay.Node):
    id: relay.NodeID[int]
    status: CallStatusEnum  # type: ignore[valid-type]
    reason: str
    provider: str = strawberry.field(description="The telephony adapter that placed it.")
    requested_at: datetime
    model: strawberry.Private[models.CustomerCall]

    @classmethod
    def from_model(cls, row: models.CustomerCall) -> CustomerCall:
        return cls(
            id=row.id,
            status=row.status,
            reason=row.reason,
            provider=row.provider,
            requested_at=row.requested_at,
            model=row,
        )

    @strawberry.field(description="The complaint the call is about.")
    async def complaint(self, info: Info) -> LazyComplaint:
        from api.schema.complaints import Complaint

        found = await queries.get_complaint(
            info.context.session, info.context.actor, self.model.complaint_id
        )
        return Complaint.from_model(found)

    @strawberry.field(description="Who called.")
    async def staff(self, info: Info) -> LazyStaff | None:
        from api.schema.staff import Staff

        found = await loaders(info.context).staff.load(self.model.staff_id)
        return Staff.from_model(found) if found is not None else None


@strawberry.input
class CallCustomerInput:
    complaint_id: strawberry.ID = strawberry.field(
        description="A complaint you may see that names a member: the customer to call."
    )
    reason: str = strawberry.field(
        description="Why you call, 5 to 160 characters (written to the PII access log)."
    )
    idempotency_key: str | None = None


@strawberry.type
class CallCustomerPayload:
    customer_call: CustomerCall
