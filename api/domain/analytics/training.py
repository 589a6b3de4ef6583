"""Training alerts and the managers' plan tasks, from the clerks' months.

A clerk is at the bottom of their store type in a month when, of every clerk who sold at a
store of that type that month, their takings there were the lowest (ties: the lower staff id
is the one flagged, so one clerk per type and month; a clerk alone in their type that month
is nobody's bottom). At the bottom three store-local months
running (the month reviewed and the two before) raises a TRAINING_ALERT_RAISED event and an
OPEN plan task for the store's manager; reviewing again raises nothing new (one task per clerk
and month). The manager marks the task done with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.analytics.kpis import add_months
from api.domain.errors import Conflict, InvalidInput, NotFound
from api.domain.events import TrainingAlertRaised, emit
from api.domain.pagination import Page, keyset_page
from db.models import Staff, Store, TrainingTask

RUN_MONTHS = 3
MAX_NOTE = 1000

_BOTTOM = text(
    """
    SELECT type, month, store_id, staff_id, revenue_cents
      FROM (SELECT s.type, c.month, c.store_id, c.staff_id, c.revenue_cents,
                   row_number() OVER (PARTITION BY s.type, c.month
                                      ORDER BY c.revenue_cents, c.staff_id) AS place,
                   count(*) OVER (PARTITION BY s.type, c.month) AS clerks
              FROM clerk_monthly c JOIN store s ON s.id = c.store_id
             WHERE c.month BETWEEN :first AND :last AND c.transactions > 0) ranked
     WHERE place = 1 AND clerks >= 2
    """
)


@dataclass(frozen=True)
class RaisedTask:
    task: TrainingTask
    store_type: str


async def review_training(
    session: AsyncSession, actor: Actor | None, *, month: date
) -> list[TrainingTask]:
    """Raise the month's training alerts (HQ); the tasks raised now, none on a second run."""
    actor = require(actor, Permission.MANAGE_STANDARDS)
    return await raise_training_alerts(session, month=month)


async def raise_training_alerts(session: AsyncSession, *, month: date) -> list[TrainingTask]:
    last = month.replace(day=1)
    first = add_months(last, -(RUN_MONTHS - 1))
    rows = (await session.execute(_BOTTOM, {"first": first, "last": last})).all()
    bottom: dict[str, dict[date, tuple[int, int, int]]] = {}
    for r in rows:
        bottom.setdefault(r.type, {})[r.month] = (r.store_id, r.staff_id, int(r.revenue_cents))
    raised = []
    for store_type, months in sorted(bottom.items()):
        run = [months.get(add_months(first, i)) for i in range(RUN_MONTHS)]
        if any(m is None for m in run) or len({(m[0], m[1]) for m in run if m}) != 1:
            continue
        store_id, staff_id, _ = run[-1]  # type: ignore[misc]
        takings = ", ".join(f"{m[2] / 100:.2f}" for m in run if m)  # yuan, oldest first
        reason = (
            f"Lowest takings of every {store_type} clerk {RUN_MONTHS} months running "
            f"({first:%Y-%m} to {last:%Y-%m}: {takings} yuan)"
        )
        task_id = await session.scalar(
            text(
                "INSERT INTO training_task (store_id, staff_id, month, reason)"
                " VALUES (:store, :staff, :month, :reason)"
                " ON CONFLICT (staff_id, month) DO NOTHING RETURNING id"
            ),
            {"store": store_id, "staff": staff_id, "month": last, "reason": reason},
        )
        if task_id is None:
            continue
        task = await session.get(TrainingTask, task_id)
        assert task is not None
        store = await session.get(Store, store_id)
        clerk = await session.get(Staff, staff_id)
        assert store is not None and clerk is not None
        await emit(
            session,
            TrainingAlertRaised(
                training_task_id=task.id, clerk=clerk.username, month=f"{last:%Y-%m}"
            ),
            store_id=store_id,
            region_id=store.region_id,
        )
        raised.append(task)
    return raised


async def training_tasks(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str | None = None,
    open_only: bool = False,
    first: int | None = None,
    after: str | None = None,
) -> Page[TrainingTask]:
    """Plan tasks at stores in scope (or one store), newest first."""
    actor = require(actor, Permission.VIEW_STAFF)
    stmt = select(TrainingTask).where(actor.scope.where(TrainingTask.store_id))
    if store_code is not None:
        store = await authorize_store(session, actor, store_code, Permission.VIEW_STAFF)
        stmt = stmt.where(TrainingTask.store_id == store.id)
    if open_only:
        stmt = stmt.where(TrainingTask.status == "OPEN")
    rank = (-TrainingTask.id).label("rank")
    return await keyset_page(
        session,
        stmt,
        kind="trainingTasks",
        key_columns=[rank],
        key_of=lambda t: [-t.id],
        first=first,
        after=after,
    )


async def complete_training_task(
    session: AsyncSession, actor: Actor | None, task_id: int, note: str | None, now: datetime
) -> int:
    """The store's manager marks a plan task done (CONFLICT when it already is)."""
    actor = require(actor, Permission.MANAGE_STAFF)
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"note: at most {MAX_NOTE} characters", argument="note")
    task = await session.get(TrainingTask, task_id, with_for_update=True)
    store = await session.get(Store, task.store_id) if task is not None else None
    if task is None or store is None or not actor.scope.allows(store.id, store.region_id):
        raise NotFound("No training task you may see has this id.", argument="taskId")
    if task.status == "DONE":
        raise Conflict("This training task is already done.")
    task.status, task.done_at, task.done_by_id = "DONE", now, actor.staff_id
    task.note = (note or "").strip() or None
    await session.flush()
    return task.id


async def training_tasks_by_id(
    session: AsyncSession, actor: Actor | None, ids: list[int]
) -> dict[int, TrainingTask]:
    """The tasks among `ids` at stores in the caller's scope."""
    actor = require(actor, Permission.VIEW_STAFF)
    rows = await session.scalars(
        select(TrainingTask).where(
            TrainingTask.id.in_(ids), actor.scope.where(TrainingTask.store_id)
        )
    )
    return {row.id: row for row in rows}
