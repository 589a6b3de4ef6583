"""callCustomer: the masked-number bridge (api/domain/customer_calls.py)."""

from __future__ import annotations

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from api.context import Context
from api.domain import customer_calls, global_ids
from api.domain.access import Permission
from api.resolvers.idempotent import once
from api.schema.customer_calls import CallCustomerInput, CallCustomerPayload, CustomerCall
from api.schema.members import key_ring, lookup_policy
from api.schema.permissions import requires
from db import models


@strawberry.type
class CustomerCallsMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.CALL_CUSTOMERS)],
        description="Ring your phone and the customer of a complaint you may see, through the "
        "masked-number bridge: neither number is shown to anyone, and the call is written to "
        "the PII access log (field PHONE_CALL) with your reason before it is placed. "
        "Counted like opening the member, and at most `customer_calls_per_hour` an hour.",
    )
    async def call_customer(self, info: Info, input: CallCustomerInput) -> CallCustomerPayload:
        context: Context = info.context
        complaint_id = global_ids.expect(input.complaint_id, "Complaint", argument="complaintId")
        policy = customer_calls.CallPolicy(
            calls_per_hour=context.settings.customer_calls_per_hour,
            lookups=lookup_policy(info),
        )

        async def perform() -> int:
            return await customer_calls.call_customer(
                context.session,
                context.services.sessions,
                context.actor,
                key_ring(info),
                context.services.telephony,
                complaint_id=complaint_id,
                reason=input.reason,
                request_id=context.request_id,
                policy=policy,
            )

        call_id = await once(context, "callCustomer", input, perform)
        # Written by the call's own committed transactions: read fresh.
        call = await context.session.scalar(
            select(models.CustomerCall)
            .where(models.CustomerCall.id == call_id)
            .execution_options(populate_existing=True)
        )
        assert call is not None
        return CallCustomerPayload(customer_call=CustomerCall.from_model(call))
