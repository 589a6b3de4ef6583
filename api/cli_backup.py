"""`chainstore backup` and `chainstore restore` (api/ops/backup.py does the work)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from api.cli_support import console, database
from api.config import Settings

if TYPE_CHECKING:
    from api.ops.backup import Target


def _backup_target(settings: Settings, url: str) -> Target:
    from api.ops.backup import Target
    from db.embedded import to_libpq_uri

    return Target(
        conninfo=to_libpq_uri(url),
        photos=settings.data_dir / "photos",
        embedded=settings.database_url is None,
    )


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield progress


def backup(
    path: Annotated[Path, typer.Argument(help="A new (or empty) directory for the backup.")],
) -> None:
    """Back up the database (pg_dump custom format) and the photo store, with a manifest of
    sha256 checksums and row counts."""
    from api.ops.backup import BackupError
    from api.ops.backup import backup as make_backup

    settings = Settings()
    with database(settings) as url, _progress_bar() as progress:
        try:
            manifest = make_backup(_backup_target(settings, url), path, progress)
        except BackupError as exc:
            console.print(f"[red]backup failed:[/red] {exc}")
            raise typer.Exit(1) from exc
    rows = sum(manifest["tables"].values())
    typer.echo(
        f"backed up {len(manifest['tables'])} tables ({rows} rows) and "
        f"{len(manifest['files']) - 1} photo file(s) to {path}"
    )


def restore(
    path: Annotated[Path, typer.Argument(help="A directory written by `chainstore backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database or photo store that holds data.")
    ] = False,
) -> None:
    """Restore a backup (checksums verified first) into an empty database and photo store."""
    from api.ops.backup import BackupError
    from api.ops.backup import restore as do_restore

    settings = Settings()
    with database(settings) as url, _progress_bar() as progress:
        try:
            manifest = do_restore(
                _backup_target(settings, url), path, force=force, progress=progress
            )
        except BackupError as exc:
            console.print(f"[red]restore refused:[/red] {exc}")
            raise typer.Exit(1) from exc
    typer.echo(
        f"restored {len(manifest['tables'])} tables at revision {manifest['alembic_revision']} "
        f"and {len(manifest['files']) - 1} photo file(s) from {path}"
    )
