"""The worker's complaint jobs: SLA breaches flagged and escalated once, customer messages
delivered at least once (a failing adapter is retried with backoff)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from api.config import Settings
from api.domain.complaints import outbox, sla
from api.domain.complaints.outbox import OutgoingMessage
from api.worker import JOBS, run_job
from db.engine import create_session_factory
from tests.complaints.helpers import enrol_member, filed, scalar, sql
from tests.conftest import Api, row_id

SLA_JOB = next(j for j in JOBS if j.name == "complaint_sla")
MESSAGE_JOB = next(j for j in JOBS if j.name == "complaint_messages")


async def test_the_worker_flags_each_breach_once_and_escalates_to_the_region_manager(
    api: Api,
) -> None:
    late_response = await filed(api)
    late_resolution = await filed(api)
    on_time = await filed(api)
    await sql(
        api,
        "UPDATE complaint SET first_response_due_at = now() - interval '5 minutes' WHERE id = :i",
        i=row_id(late_response["id"]),
    )
    await sql(
        api,
        "UPDATE complaint SET first_responded_at = now(), status = 'IN_PROGRESS', "
        "resolution_due_at = now() - interval '1 minute' WHERE id = :i",
        i=row_id(late_resolution["id"]),
    )
    sessions = create_session_factory(api.engine)
    settings = Settings()
    first = await run_job(sessions, SLA_JOB, settings)
    again = await run_job(sessions, SLA_JOB, settings)
    assert first.result is not None and first.result.opened == 2
    assert again.result is not None and again.result.opened == 0
    rows = await sql(
        api,
        "SELECT t.complaint_id, t.kind, t.actor_id, t.note FROM complaint_timeline t "
        "WHERE t.kind LIKE '%BREACHED' ORDER BY t.complaint_id",
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (row_id(late_response["id"]), "FIRST_RESPONSE_BREACHED", None),
        (row_id(late_resolution["id"]), "RESOLUTION_BREACHED", None),
    ]
    assert all("escalated to rm.east" in r[3] for r in rows)
    escalated = await sql(
        api,
        "SELECT c.id, s.username, c.first_response_breached_at IS NOT NULL, "
        "c.resolution_breached_at IS NOT NULL FROM complaint c "
        "LEFT JOIN staff s ON s.id = c.escalated_to_id ORDER BY c.id",
    )
    assert escalated == [
        (row_id(late_response["id"]), "rm.east", True, False),
        (row_id(late_resolution["id"]), "rm.east", False, True),
        (row_id(on_time["id"]), None, False, False),
    ]
    events = await sql(
        api,
        "SELECT payload->>'complaint_id', payload->>'breach', payload->>'escalated_to_id' "
        "FROM event WHERE kind = 'COMPLAINT_SLA_BREACHED' ORDER BY id",
    )
    rm_id = await scalar(api, "SELECT id FROM staff WHERE username = 'rm.east'")
    assert events == [
        (str(row_id(late_response["id"])), "FIRST_RESPONSE_BREACHED", str(rm_id)),
        (str(row_id(late_resolution["id"])), "RESOLUTION_BREACHED", str(rm_id)),
    ]


async def test_concurrent_breach_scans_flag_each_breach_once(api: Api) -> None:
    for _ in range(5):
        await filed(api)
    await sql(api, "UPDATE complaint SET first_response_due_at = now() - interval '1 minute'")
    sessions = create_session_factory(api.engine)

    async def scan() -> int:
        async with sessions() as s, s.begin():
            return (await sla.flag_breaches(s)).opened

    results = await asyncio.gather(scan(), scan(), scan())
    assert sum(results) == 5
    assert (
        await scalar(api, "SELECT count(*) FROM event WHERE kind = 'COMPLAINT_SLA_BREACHED'") == 5
    )


@dataclass
class FlakyAdapter:
    """Fails the first `failures` deliveries, then succeeds."""

    failures: int
    channel: str = "SMS"
    tried: list[int] = field(default_factory=list)

    async def deliver(self, message: OutgoingMessage) -> None:
        self.tried.append(message.id)
        if len(self.tried) <= self.failures:
            raise ConnectionError("gateway timeout")


async def test_messages_are_retried_with_backoff_then_delivered_once(api: Api) -> None:
    member = await enrol_member(api)
    await filed(api, memberCode=member["cardNumber"])
    sessions = create_session_factory(api.engine)
    adapter = FlakyAdapter(failures=2)

    async def deliver() -> tuple[int, int]:
        async with sessions() as s, s.begin():
            result = await outbox.deliver_due(s, adapter)
        return result.opened, result.cleared

    assert await deliver() == (0, 1)
    row = await sql(
        api,
        "SELECT attempts, delivered_at, last_error, "
        "next_attempt_at > now() + interval '20 seconds' FROM complaint_message",
    )
    assert row == [(1, None, "ConnectionError: gateway timeout", True)]
    assert await deliver() == (0, 0)  # not due yet: backing off
    await sql(api, "UPDATE complaint_message SET next_attempt_at = now()")
    assert await deliver() == (0, 1)
    assert await scalar(
        api, "SELECT next_attempt_at > now() + interval '50 seconds' FROM complaint_message"
    )
    await sql(api, "UPDATE complaint_message SET next_attempt_at = now()")
    assert await deliver() == (1, 0)
    assert await deliver() == (0, 0)
    assert await sql(
        api, "SELECT attempts, channel, last_error, delivered_at IS NOT NULL FROM complaint_message"
    ) == [(3, "SMS", None, True)]
    assert len(adapter.tried) == 3
    notes = await sql(api, "SELECT note FROM complaint_timeline WHERE kind = 'MESSAGE_DELIVERED'")
    assert len(notes) == 1 and "via SMS (attempt 3)" in notes[0][0]


async def test_the_worker_delivers_with_the_recording_adapter(api: Api) -> None:
    member = await enrol_member(api)
    await filed(api, memberCode=member["cardNumber"])
    await filed(api)  # no member: no message
    sessions = create_session_factory(api.engine)
    outcome = await run_job(sessions, MESSAGE_JOB, Settings())
    assert outcome.result is not None and outcome.result.opened == 1
    assert await sql(api, "SELECT channel, delivered_at IS NOT NULL FROM complaint_message") == [
        ("RECORDED", True)
    ]
    again = await run_job(sessions, MESSAGE_JOB, Settings())
    assert again.result is not None and again.result.opened == 0
