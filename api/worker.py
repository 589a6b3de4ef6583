"""`chainstore worker`: runs the scheduled scans every N seconds; several workers may run at once.

Each job run is one transaction that first takes that job's transaction-level advisory lock
(`pg_try_advisory_xact_lock`). A worker that does not get it skips the run, since another
worker is doing it right now; the lock goes with the commit or rollback, so a crashed worker
never leaves a job claimed. The scans are idempotent as well, so runs back to back, or a retry
after a failure, leave the same alerts.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.domain import scans
from api.domain.complaints import outbox as complaint_outbox
from api.domain.complaints import sla as complaint_sla
from api.domain.forecasting.job import run_forecasts
from api.domain.forecasting.series import ForecastConfig
from api.domain.forecasting.weather import load_adapter as load_weather_adapter
from api.domain.members.points import expire_all_due_points
from api.observability import metrics
from api.ops import partitions
from db.engine import create_engine, create_session_factory

log = logging.getLogger("chainstore.worker")

# The first half of every job's advisory lock key: keeps our locks apart from anyone else's.
LOCK_NAMESPACE = 0x43535731  # "CSW1"


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[AsyncSession, Settings], Awaitable[scans.ScanResult]]
    # How a run's result reads in the log.
    report: Callable[[scans.ScanResult], str] = lambda r: f"opened {r.opened}, cleared {r.cleared}"

    @property
    def lock_key(self) -> int:
        return zlib.crc32(self.name.encode()) & 0x7FFFFFFF


async def _expire_points(session: AsyncSession, settings: Settings) -> scans.ScanResult:
    # Members who never come back still lose points on time (a card opened expires them too).
    return scans.ScanResult(opened=await expire_all_due_points(session), cleared=0)


def forecast_config(settings: Settings) -> ForecastConfig:
    return ForecastConfig(
        horizon_days=settings.forecast_horizon_days,
        history_days=settings.forecast_history_days,
        lead_time_days=settings.forecast_lead_time_days,
        safety_days=settings.forecast_safety_days,
        order_cycle_days=settings.forecast_order_cycle_days,
        hot_from_c=settings.forecast_hot_from_c,
        weather_categories=frozenset(
            c.strip().upper() for c in settings.forecast_weather_categories.split(",") if c.strip()
        ),
        promotion_uplift=settings.forecast_promotion_uplift,
    )


async def _forecast(session: AsyncSession, settings: Settings) -> scans.ScanResult:
    # Bounded per run (series and seconds); the next run resumes after the last series.
    run = await run_forecasts(
        session,
        forecast_config(settings),
        load_weather_adapter(settings.weather_adapter),
        today=datetime.now(UTC).date(),
        max_series=settings.forecast_max_series_per_run,
        max_seconds=settings.forecast_max_seconds_per_run,
    )
    return scans.ScanResult(opened=run.series, cleared=run.warnings)


async def _partitions(session: AsyncSession, settings: Settings) -> scans.ScanResult:
    # Months ahead always; archiving (pg_dump, then DETACH) only past the retention.
    from db.embedded import to_libpq_uri

    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    dump = (
        partitions.pg_dump_archiver(to_libpq_uri(url), embedded=settings.database_url is None)
        if settings.partition_retention_months > 0
        else None
    )
    report = await partitions.maintain(
        session,
        months_ahead=settings.partition_months_ahead,
        retention_months=settings.partition_retention_months,
        dump=dump,
        archive_dir=settings.data_dir / "archive",
    )
    return scans.ScanResult(opened=len(report.created), cleared=len(report.detached))


JOBS = (
    Job("slow_movers", lambda s, cfg: scans.scan_slow_movers(s, days=cfg.slow_mover_days)),
    Job("near_expiry", lambda s, cfg: scans.scan_near_expiry(s, days=cfg.near_expiry_days)),
    Job("points_expiry", _expire_points, lambda r: f"expired points of {r.opened} member(s)"),
    Job(
        "complaint_sla",
        lambda s, cfg: complaint_sla.flag_breaches(s),
        lambda r: f"flagged and escalated {r.opened} SLA breach(es)",
    ),
    Job(
        "complaint_messages",
        lambda s, cfg: complaint_outbox.deliver_due(s, complaint_outbox.default_adapter()),
        lambda r: f"delivered {r.opened} customer message(s), {r.cleared} left for a retry",
    ),
    Job(
        "partitions",
        _partitions,
        lambda r: f"created {r.opened} monthly partition(s), archived and detached {r.cleared}",
    ),
    Job(
        "demand_forecast",
        _forecast,
        lambda r: f"forecast {r.opened} store x SKU series, {r.cleared} days-of-cover warning(s)",
    ),
)


@dataclass(frozen=True)
class JobOutcome:
    job: str
    ran: bool  # False: another worker held the job's lock
    result: scans.ScanResult | None = None
    summary: str = ""

    def describe(self) -> str:
        if self.result is None:
            return f"{self.job}: skipped (another worker is running it)"
        return f"{self.job}: {self.summary}"


async def run_job(
    sessions: async_sessionmaker[AsyncSession], job: Job, settings: Settings
) -> JobOutcome:
    """One run, counted in `chainstore_worker_job_runs_total` (ok, skipped or failed) and
    timed in `chainstore_worker_job_duration_seconds`."""
    started = time.perf_counter()
    try:
        outcome = await _run_job(sessions, job, settings)
    except Exception:
        metrics.JOB_RUNS.labels(job.name, "failed").inc()
        raise
    finally:
        metrics.JOB_SECONDS.labels(job.name).observe(time.perf_counter() - started)
    metrics.JOB_RUNS.labels(job.name, "ok" if outcome.ran else "skipped").inc()
    return outcome


async def _run_job(
    sessions: async_sessionmaker[AsyncSession], job: Job, settings: Settings
) -> JobOutcome:
    async with sessions() as session, session.begin():
        claimed = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:namespace, :key)"),
            {"namespace": LOCK_NAMESPACE, "key": job.lock_key},
        )
        if not claimed:
            return JobOutcome(job.name, ran=False)
        result = await job.run(session, settings)
    return JobOutcome(job.name, ran=True, result=result, summary=job.report(result))


async def run_jobs(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, jobs: tuple[Job, ...] = JOBS
) -> list[JobOutcome]:
    return [await run_job(sessions, job, settings) for job in jobs]


async def run_worker(
    url: str, settings: Settings, *, once: bool, stop: asyncio.Event | None = None
) -> list[JobOutcome]:
    """Run every job now and then every `worker_interval_seconds` until `stop` is set; with
    `once`, run each job once and return the outcomes (a failure is raised)."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    sessions = create_session_factory(engine)
    stop = stop or asyncio.Event()
    try:
        while True:
            if once:
                return await run_jobs(sessions, settings)
            for job in JOBS:
                try:
                    log.info("%s", (await run_job(sessions, job, settings)).describe())
                except Exception:  # a failed run must not stop the schedule; it retries next
                    log.exception("job %s failed", job.name)
            try:
                await asyncio.wait_for(stop.wait(), timeout=settings.worker_interval_seconds)
                return []
            except TimeoutError:
                continue
    finally:
        await engine.dispose()
