"""Customer progress messages: queued with each change, delivered at least once by the worker.

A message row is written in the same transaction as the change it reports (an outbox), so a
change is never committed without its message nor a message sent for a change rolled back.
The worker claims due rows with FOR UPDATE SKIP LOCKED and hands each to a delivery adapter;
an adapter raising leaves the row for a retry with exponential backoff. Delivery is at least
once: a crash between the adapter's send and the commit sends again, so adapters that talk to
an SMS or WeChat gateway pass the message id as the gateway's de-duplication key.

The outbox holds no phone number: an adapter that needs one resolves it at delivery time
through the members domain (api/domain/members/pii.py), under its own audit rules.
"""

# Customer texts are Chinese, with full-width punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.scans import ScanResult
from db.models import ComplaintTimelineEntry, TimelineKind

BASE_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 3600
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    complaint_id: int
    member_id: int
    body: str
    attempt: int  # 1 for the first try


class DeliveryAdapter(Protocol):
    """Sends one message to the customer; raises on failure (the worker retries)."""

    channel: str

    async def deliver(self, message: OutgoingMessage) -> None: ...


@dataclass
class RecordingAdapter:
    """The default: the message counts as delivered where it is recorded (the row, the
    timeline); no gateway is called. `sent` keeps what this process delivered."""

    channel: str = "RECORDED"
    sent: list[OutgoingMessage] = field(default_factory=list)

    async def deliver(self, message: OutgoingMessage) -> None:
        self.sent.append(message)


def backoff(attempts: int) -> timedelta:
    """The wait after `attempts` failed tries: 30 s, 60 s, 120 s, ... at most an hour."""
    return timedelta(
        seconds=min(BASE_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    )


# --- What the customer reads (all texts in one place) ---------------------------------------


def _when(moment: datetime | None, time_zone: str) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M")


def progress_text(
    kind: TimelineKind,
    *,
    complaint_id: int,
    handler: str | None,
    due_by: datetime | None,
    time_zone: str,
    resolution: str | None = None,
) -> str:
    """The message for a change, in Chinese, with times in the store's time zone."""
    ref = f"您的投诉（编号 {complaint_id}）"
    when = _when(due_by, time_zone)
    if kind is TimelineKind.ASSIGNED and handler:
        return f"{ref}正由 {handler} 处理，预计 {when} 前给您答复。"
    if kind is TimelineKind.STARTED:
        return f"{handler or '专人'} 已开始处理{ref}，预计 {when} 前解决。"
    if kind is TimelineKind.RESOLVED:
        outcome = f"：{resolution}" if resolution else ""
        return f"{ref}已处理完毕{outcome}。如不满意，可在 {when} 前到任一门店要求重新处理。"
    if kind is TimelineKind.CLOSED:
        return f"{ref}已结案，感谢您的反馈。"
    if kind is TimelineKind.REOPENED:
        return f"{ref}已重新受理，由 {handler or '专人'} 处理，预计 {when} 前解决。"
    return f"{ref}已受理，我们正在安排专人处理，预计 {when} 前给您答复。"


# --- Queue and deliver -----------------------------------------------------------------------

_QUEUE = text(
    """
    INSERT INTO complaint_message
           (store_id, complaint_id, member_id, body, attempts, next_attempt_at)
    VALUES (:store_id, :complaint_id, :member_id, :body, 0, now())
    """
)

_CLAIM = text(
    """
    SELECT m.store_id, m.id, m.complaint_id, m.member_id, m.body, m.attempts, c.status,
           c.assignee_id
      FROM complaint_message m
      JOIN complaint c ON c.store_id = m.store_id AND c.id = m.complaint_id
     WHERE m.delivered_at IS NULL AND m.next_attempt_at <= now()
     ORDER BY m.next_attempt_at, m.id
     LIMIT :limit
       FOR UPDATE OF m SKIP LOCKED
    """
)

_DELIVERED = text(
    """
    UPDATE complaint_message
       SET attempts = attempts + 1, delivered_at = now(), channel = :channel, last_error = NULL
     WHERE store_id = :store_id AND id = :id
    """
)

_FAILED = text(
    """
    UPDATE complaint_message
       SET attempts = attempts + 1, last_error = :error,
           next_attempt_at = now() + make_interval(secs => :wait)
     WHERE store_id = :store_id AND id = :id
    """
)


async def queue_message(
    session: AsyncSession, *, store_id: int, complaint_id: int, member_id: int, body: str
) -> None:
    await session.execute(
        _QUEUE,
        {"store_id": store_id, "complaint_id": complaint_id, "member_id": member_id, "body": body},
    )


async def deliver_due(
    session: AsyncSession, adapter: DeliveryAdapter, *, limit: int = 200
) -> ScanResult:
    """Deliver due messages in the caller's transaction: `opened` counts deliveries, `cleared`
    failures left for a retry. Each delivery is recorded on the complaint's timeline."""
    delivered = failed = 0
    for row in (await session.execute(_CLAIM, {"limit": limit})).all():
        message = OutgoingMessage(
            id=row.id,
            complaint_id=row.complaint_id,
            member_id=row.member_id,
            body=row.body,
            attempt=row.attempts + 1,
        )
        try:
            await adapter.deliver(message)
        except Exception as exc:  # any adapter failure is retried; the error is kept
            failed += 1
            wait = backoff(message.attempt).total_seconds()
            error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
            await session.execute(
                _FAILED, {"store_id": row.store_id, "id": row.id, "error": error, "wait": wait}
            )
            continue
        delivered += 1
        await session.execute(
            _DELIVERED, {"store_id": row.store_id, "id": row.id, "channel": adapter.channel}
        )
        session.add(
            ComplaintTimelineEntry(
                store_id=row.store_id,
                complaint_id=row.complaint_id,
                kind=TimelineKind.MESSAGE_DELIVERED,
                actor_id=None,
                status=row.status,
                assignee_id=row.assignee_id,
                note=f"Message {row.id} delivered via {adapter.channel} "
                f"(attempt {message.attempt}): {row.body}",
            )
        )
    await session.flush()
    return ScanResult(opened=delivered, cleared=failed)


def default_adapter() -> DeliveryAdapter:
    """What `chainstore worker` delivers with. An SMS or WeChat adapter implements
    DeliveryAdapter (resolving the phone via the members domain when it sends) and is returned
    here instead."""
    return RecordingAdapter()
