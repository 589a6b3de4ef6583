"""Live feeds of stock and privacy alerts: subscriptions over graphql-transport-ws.

Each resolver authorises the subscription once (permission, store scope), then iterates
`event_stream`, which authorises every event again against the subscriber's scope when it is
delivered, and reads what the event is about fresh for each delivery.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from api.domain.access import Permission, authorize_store
from api.domain.events import (
    COMPLIANCE_GRANT_KINDS,
    STOCK_ALERT_KINDS,
    ComplianceGrantChanged,
    EventKind,
    PrivacyAlertRaised,
    StockAlertChanged,
)
from api.realtime import subjects
from api.realtime.stream import event_stream, parse_last_event_id
from api.schema.live import ComplianceGrantEvent, PrivacyAlertEvent, StockAlertEvent
from api.schema.members import PrivacyAlert
from api.schema.permissions import requires
from api.schema.staff import ComplianceGrant

_RESUME = (
    " Pass `lastEventId` (the id of the last event you received) to first get, once each and "
    "in order, the events you missed (at most 1000; more is BAD_USER_INPUT: reload with "
    "queries and subscribe without it)."
)


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="Stock alerts of one store in your scope as they are raised and cleared."
        + _RESUME,
    )
    async def stock_alerts(
        self, info: Info, store_code: str, last_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[StockAlertEvent, None]:
        context = info.context
        after = parse_last_event_id(last_event_id)
        async with context.services.sessions() as session:
            store = await authorize_store(session, context.actor, store_code, Permission.VIEW_STOCK)
        events = event_stream(
            context,
            kinds=STOCK_ALERT_KINDS,
            last_event_id=after,
            visible=lambda record: record.store_id == store.id,
        )
        async with contextlib.aclosing(events):
            async for record in events:
                alert = record.payload_as(StockAlertChanged)
                subject = await subjects.stock_subject(context.session, store.id, alert.product_id)
                yield StockAlertEvent.build(record, subject)

    @strawberry.subscription(
        extensions=[requires(Permission.VIEW_PRIVACY_ALERTS)],
        description="Privacy alerts (unusually many member look-ups) as they are raised." + _RESUME,
    )
    async def privacy_alerts(
        self, info: Info, last_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[PrivacyAlertEvent, None]:
        context = info.context
        events = event_stream(
            context,
            kinds=frozenset({PrivacyAlertRaised.kind}),
            last_event_id=parse_last_event_id(last_event_id),
            visible=lambda record: True,
        )
        async with contextlib.aclosing(events):
            async for record in events:
                raised = record.payload_as(PrivacyAlertRaised)
                alert = await subjects.privacy_alert(context.session, raised.alert_id)
                yield PrivacyAlertEvent(
                    id=strawberry.ID(str(record.id)),
                    occurred_at=record.occurred_at,
                    alert=PrivacyAlert.from_model(alert),
                )

    @strawberry.subscription(
        extensions=[requires(Permission.VIEW_PRIVACY_ALERTS)],
        description="HQ_COMPLIANCE grants as they are requested and confirmed: the grant a "
        "second person must confirm (confirmComplianceGrant)." + _RESUME,
    )
    async def compliance_grants(
        self, info: Info, last_event_id: strawberry.ID | None = None
    ) -> AsyncGenerator[ComplianceGrantEvent, None]:
        context = info.context
        events = event_stream(
            context,
            kinds=COMPLIANCE_GRANT_KINDS,
            last_event_id=parse_last_event_id(last_event_id),
            visible=lambda record: True,
        )
        async with contextlib.aclosing(events):
            async for record in events:
                changed = record.payload_as(ComplianceGrantChanged)
                grant = await subjects.compliance_grant(context.session, changed.grant_id)
                yield ComplianceGrantEvent(
                    id=strawberry.ID(str(record.id)),
                    kind=EventKind(record.kind),
                    occurred_at=record.occurred_at,
                    grant=ComplianceGrant.from_model(grant),
                )
