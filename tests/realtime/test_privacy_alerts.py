"""privacyAlerts: HQ compliance alone receives them, live and on resume."""

from __future__ import annotations

from sqlalchemy import select

from api.domain import events
from db.engine import create_session_factory
from db.models import PrivacyAlert, PrivacyAlertKind, Staff
from tests.conftest import Api
from tests.realtime.conftest import last_event_id
from tests.realtime.wsclient import PRIVACY_ALERTS, GqlSocket, LiveServer


async def raise_privacy_alert(api: Api, username: str) -> int:
    """A privacy alert about `username`, recorded and emitted as members/limits.py does."""
    async with create_session_factory(api.engine)() as s, s.begin():
        staff = (await s.execute(select(Staff).where(Staff.username == username))).scalar_one()
        alert = PrivacyAlert(
            kind=PrivacyAlertKind.VIEW_THRESHOLD_EXCEEDED,
            staff_id=staff.id,
            distinct_members=31,
            window_minutes=60,
        )
        s.add(alert)
        await s.flush()
        raised = events.PrivacyAlertRaised(
            alert_id=alert.id,
            alert_kind=alert.kind,
            staff_username=username,
            distinct_members=alert.distinct_members,
            window_minutes=alert.window_minutes,
        )
        await events.emit(s, raised, store_id=staff.store_id, region_id=staff.region_id)
    return await last_event_id(api, events.EventKind.PRIVACY_ALERT_RAISED)


async def test_compliance_gets_privacy_alerts_live_and_after_a_reconnect(live: LiveServer) -> None:
    api = live.api
    token = await api.token_for("compliance")
    async with GqlSocket.opened(live.port, token) as sock:
        await sock.subscribe(PRIVACY_ALERTS)
        await live.until_feeds(1)
        first = await raise_privacy_alert(api, "clerk.w1")
        event = (await sock.next_data())["privacyAlerts"]
        assert event["id"] == str(first)
        assert event["alert"]["kind"] == "VIEW_THRESHOLD_EXCEEDED"
        assert event["alert"]["distinctMembers"] == 31
        assert event["alert"]["staff"]["username"] == "clerk.w1"
    missed = [await raise_privacy_alert(api, name) for name in ("clerk.e1", "sm.e1")]
    async with GqlSocket.opened(live.port, token) as sock:
        await sock.subscribe(PRIVACY_ALERTS, {"after": str(first)})
        ids = [int((await sock.next_data())["privacyAlerts"]["id"]) for _ in missed]
        assert ids == missed
        assert await sock.nothing_within(0.3)


async def test_nobody_but_compliance_may_subscribe(live: LiveServer) -> None:
    api = live.api
    for username in ("admin", "ops", "sm.e1"):
        async with GqlSocket.opened(live.port, await api.token_for(username)) as sock:
            await sock.subscribe(PRIVACY_ALERTS)
            message = await sock.receive()
            assert message["type"] in ("next", "error"), message
            errors = (
                message["payload"]["errors"] if message["type"] == "next" else message["payload"]
            )
            assert errors[0]["extensions"]["code"] == "FORBIDDEN", (username, errors)


COMPLIANCE_GRANTS = """subscription($after: ID) {
  complianceGrants(lastEventId: $after) {
    id kind grant { id confirmedAt staff { username } requestedBy { username } }
  }
}"""


async def test_compliance_is_alerted_live_to_a_compliance_grant(live: LiveServer) -> None:
    from tests.staff.test_compliance_grants import CONFIRM, requested

    api = live.api
    compliance = await api.token_for("compliance")
    async with GqlSocket.opened(live.port, compliance) as sock:
        await sock.subscribe(COMPLIANCE_GRANTS)
        await live.until_feeds(1)
        grant = await requested(api)
        event = (await sock.next_data())["complianceGrants"]
        assert event["kind"] == "COMPLIANCE_GRANT_REQUESTED"
        assert event["grant"]["id"] == grant
        assert event["grant"]["confirmedAt"] is None
        assert event["grant"]["requestedBy"] == {"username": "admin"}
        await api.data(CONFIRM, {"id": grant}, token=compliance)
        event = (await sock.next_data())["complianceGrants"]
        assert event["kind"] == "COMPLIANCE_GRANT_CONFIRMED"
        assert event["grant"]["confirmedAt"] is not None
    async with GqlSocket.opened(live.port, await api.token_for("admin")) as sock:
        await sock.subscribe(COMPLIANCE_GRANTS)
        message = await sock.receive()
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
