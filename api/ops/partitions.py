"""Monthly partitions kept ahead of time and retired past retention (`chainstore worker`).

`ensure_months` creates, for every partitioned table (db/partitions.py), each month from this
one to `months_ahead` ahead that is missing, so no row lands in the DEFAULT partition in the
normal course; the append-only ledgers get their TRUNCATE guard on the new partition too
(statement triggers are not inherited). A month whose rows the DEFAULT partition already
holds cannot be created that way (PostgreSQL refuses while the default holds them): it is
logged and left there; `docs/scale.md` says how to move them.

`retire_months` takes the months that ended more than `retention_months` ago: each is dumped
with pg_dump's custom format to `<data dir>/archive/<partition>.dump` (while still attached,
so a failed dump detaches nothing; old months no longer change; all dumps come before any
DDL of the transaction, whose locks pg_dump would wait for), then detached in the
caller's transaction, sale lines before sales (their foreign key points at the sale's month),
and the detached table is kept, not dropped, unless `drop` is asked for. Restore a month with
`pg_restore --dbname=... <file>` into any database (it recreates the table and its rows).

Both run in the worker job's transaction under its advisory lock, so two workers never race.
CREATE ... PARTITION OF and DETACH take an ACCESS EXCLUSIVE lock on the parent: with
LOCK_TIMEOUT, a run that would queue behind a long query (and make every till queue behind
it) gives up instead, and the next run, months ahead of need, tries again.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from db.partitions import PARTITIONED, add_months, partition_month, partition_name

log = logging.getLogger("chainstore.partitions")

APPEND_ONLY = ("stock_movement", "points_ledger")
LOCK_TIMEOUT = "5s"

Dumper = Callable[[str, Path], None]  # (partition, file): writes the archive or raises


@dataclass
class PartitionReport:
    created: list[str] = field(default_factory=list)
    left_in_default: list[str] = field(default_factory=list)
    archived: list[Path] = field(default_factory=list)
    detached: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def _bound(month: date) -> str:
    return f"{month:%Y-%m-%d} 00:00:00+00"


async def _exists(session: AsyncSession, name: str) -> bool:
    return bool(await session.scalar(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}))


async def attached_months(session: AsyncSession, table: str) -> list[tuple[str, date]]:
    rows = await session.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = CAST(:t AS regclass)"
        ),
        {"t": table},
    )
    named = [(name, partition_month(name)) for (name,) in rows]
    return sorted((n, m) for n, m in named if m is not None)


async def ensure_months(
    session: AsyncSession, *, first: date, last: date, report: PartitionReport | None = None
) -> PartitionReport:
    """Create each missing month [first, last] (first days of months) of every table."""
    report = report or PartitionReport()
    for table, key in PARTITIONED.items():
        month = date(first.year, first.month, 1)
        while month <= last:
            name = partition_name(table, month)
            start, end = _bound(month), _bound(add_months(month, 1))
            if not await _exists(session, name):
                held = await session.scalar(
                    text(
                        f"SELECT EXISTS (SELECT 1 FROM {table}_default"  # noqa: S608 - constants
                        f" WHERE {key} >= CAST(:s AS timestamptz)"
                        f" AND {key} < CAST(:e AS timestamptz))"
                    ),
                    {"s": start, "e": end},
                )
                if held:
                    log.warning("%s: rows of %s are in %s_default; not created", name, month, table)
                    report.left_in_default.append(name)
                else:
                    await session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                    await session.execute(
                        text(
                            f"CREATE TABLE {name} PARTITION OF {table}"
                            f" FOR VALUES FROM ('{start}') TO ('{end}')"
                        )
                    )
                    if table in APPEND_ONLY:
                        await session.execute(
                            text(
                                f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name}"
                                " FOR EACH STATEMENT EXECUTE FUNCTION append_only()"
                            )
                        )
                    log.info("created partition %s [%s, %s)", name, start, end)
                    report.created.append(name)
            month = add_months(month, 1)
    return report


async def retire_months(
    session: AsyncSession,
    *,
    before: date,
    dump: Dumper,
    archive_dir: Path,
    drop: bool = False,
    report: PartitionReport | None = None,
) -> PartitionReport:
    """Archive and detach every monthly partition whose month starts before `before`."""
    report = report or PartitionReport()
    await asyncio.to_thread(archive_dir.mkdir, parents=True, exist_ok=True)
    due = [
        (table, name, month)
        for table in reversed(list(PARTITIONED))  # children first: sale_line before sale
        for name, month in await attached_months(session, table)
        if month < before
    ]
    # Every dump before any DDL: pg_dump's own connection would wait for the locks that
    # CREATE or DETACH take in this transaction, and this transaction for pg_dump.
    for _, name, _ in due:
        target = archive_dir / f"{name}.dump"
        log.info("archiving %s to %s", name, target)
        await asyncio.to_thread(dump, name, target)  # pg_dump runs minutes, not the loop
        report.archived.append(target)
    if due:
        await session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    for table, name, month in due:
        await session.execute(text(f"ALTER TABLE {table} DETACH PARTITION {name}"))
        # The detached month keeps copies of the partitioned table's foreign keys; one to
        # the sales would stop that month of sales from being detached in turn.
        for (constraint,) in await session.execute(
            text(
                "SELECT conname FROM pg_constraint WHERE conrelid = CAST(:n AS regclass)"
                " AND contype = 'f' AND confrelid::regclass::text = ANY(:parents)"
            ),
            {"n": name, "parents": list(PARTITIONED)},
        ):
            await session.execute(text(f'ALTER TABLE {name} DROP CONSTRAINT "{constraint}"'))
        report.detached.append(name)
        log.info("detached %s (month %s, archived)", name, month)
        if drop:
            await session.execute(text(f"DROP TABLE {name}"))
            report.dropped.append(name)
            log.info("dropped %s as asked", name)
    return report


def pg_dump_archiver(conninfo: str, *, embedded: bool) -> Dumper:
    """A Dumper running pg_dump (custom format) of one table: the backup's own tool choice,
    looked up at the first dump (a run with nothing to archive needs no pg_dump)."""
    from api.ops.backup import server_major, tool_for_major

    found: list[str] = []

    def dump(partition: str, target: Path) -> None:
        if not found:
            found.append(tool_for_major("pg_dump", server_major(conninfo), embedded=embedded))
        binary = found[0]
        partial = target.with_suffix(".partial")
        subprocess.run(  # noqa: S603 - our binary, our arguments
            [binary, "--format=custom", "--no-owner", f"--table=public.{partition}",
             f"--file={partial}", f"--dbname={conninfo}"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        partial.replace(target)  # a dump file that exists is a whole one

    return dump


async def maintain(
    session: AsyncSession,
    *,
    months_ahead: int,
    retention_months: int,
    dump: Dumper | None,
    archive_dir: Path,
    today: date | None = None,
) -> PartitionReport:
    """The worker's run: months ahead created; past retention (0: keep all) archived."""
    today = today or datetime.now(UTC).date()
    this_month = date(today.year, today.month, 1)
    report = PartitionReport()
    if retention_months > 0 and dump is not None:  # first: its dumps precede any DDL here
        await retire_months(
            session,
            before=add_months(this_month, -retention_months),
            dump=dump,
            archive_dir=archive_dir,
            report=report,
        )
    return await ensure_months(
        session, first=this_month, last=add_months(this_month, months_ahead), report=report
    )
