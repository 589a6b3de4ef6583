"""`chainstore worker`'s job metrics: each run counted by job and outcome (ok, skipped while
another worker holds the job's lock, failed) and timed."""

from __future__ import annotations

import contextlib

from prometheus_client import REGISTRY
from sqlalchemy import text

from api.config import Settings
from api.domain import scans
from api.worker import JOBS, LOCK_NAMESPACE, Job, run_job
from db.engine import create_engine, create_session_factory


def runs(job: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "chainstore_worker_job_runs_total", {"job": job, "outcome": outcome}
    )
    return value or 0.0


def timed(job: str) -> float:
    value = REGISTRY.get_sample_value("chainstore_worker_job_duration_seconds_count", {"job": job})
    return value or 0.0


async def failing(session: object, settings: Settings) -> scans.ScanResult:
    raise RuntimeError("the scan broke")


async def test_runs_skips_and_failures_are_counted(org_db: str) -> None:
    engine = create_engine(org_db, pool_size=2, max_overflow=0)
    sessions = create_session_factory(engine)
    settings = Settings(database_url=org_db)
    job = JOBS[0]
    before = (runs(job.name, "ok"), runs(job.name, "skipped"), timed(job.name))
    try:
        await run_job(sessions, job, settings)
        await run_job(sessions, job, settings)
        async with sessions() as holder, holder.begin():  # another worker holds the lock
            await holder.execute(
                text("SELECT pg_advisory_xact_lock(:n, :k)"),
                {"n": LOCK_NAMESPACE, "k": job.lock_key},
            )
            assert not (await run_job(sessions, job, settings)).ran
        broken = Job("ops_test_broken", failing)
        for _ in range(2):
            with contextlib.suppress(RuntimeError):
                await run_job(sessions, broken, settings)
    finally:
        await engine.dispose()
    assert runs(job.name, "ok") - before[0] == 2
    assert runs(job.name, "skipped") - before[1] == 1
    assert timed(job.name) - before[2] == 3
    assert runs("ops_test_broken", "failed") == 2 and timed("ops_test_broken") == 2
