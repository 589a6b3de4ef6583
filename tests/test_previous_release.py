"""The previous release still works on the new schema (docs/operations.md "Expand, then
contract"): during a rolling upgrade the old code serves on a database the new code has
already migrated, so its own tests must pass there.

The previous release's code and tests come from git (`git archive` of PREVIOUS_RELEASE, no
network); its `alembic/` is replaced with this checkout's, so its test fixtures migrate their
databases to the NEW head, and then a few of its test files run, in a process of their own,
for the tables both releases use (members, complaints, shift standards). Bump PREVIOUS_RELEASE
when a release is cut: the newest commit on main whose migration head is the one before the
new release's (`git log --first-parent -- alembic/versions`).

The one exception so far is 0019 (monthly partitions): a partitioned table's unique keys must
include its month, so the previous release's `INSERT INTO sale ... ON CONFLICT (store_id,
receipt_no)` has no key to conflict on any more, and every file of its tests that records a
sale fails. docs/operations.md says so: the upgrade across 0019 stops the old workers first.
Its sale-recording tests therefore stay out of this list until PREVIOUS_RELEASE is past 0019."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.migrations import head_revision
from tests.conftest import REPO, PgServer

PREVIOUS_RELEASE = "12eba5e780baf831e6fd2574f5d1843943f263b6"
PREVIOUS_HEAD = "0018"
CHECKOUT = ["api", "db", "tests", "operations", "board", "pyproject.toml", "alembic.ini"]
OLD_TESTS = [
    "tests/members/test_api.py",
    "tests/complaints/test_lifecycle.py",
    "tests/shifts/test_standards.py",
]
# Loaded into the old run: the code is the old release's (not this checkout's, which the
# editable install also offers), and its template database is at the new head.
HEAD_CHECK = """
import os
from pathlib import Path

import psycopg
import pytest

import api


@pytest.fixture(scope="session", autouse=True)
def _old_code_on_the_new_head(pg_server, empty_template):
    assert Path(api.__file__).is_relative_to(Path.cwd()), api.__file__
    with psycopg.connect(pg_server.url(empty_template).replace("+psycopg", "")) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert version == os.environ["NEW_HEAD"], version
"""


@pytest.fixture(scope="module")
def previous_release() -> Iterator[Path]:
    home = Path(tempfile.mkdtemp(prefix="chainstore-previous-"))
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", PREVIOUS_RELEASE, *CHECKOUT],
            capture_output=True,
            check=False,
            timeout=120,
        )
        assert archive.returncode == 0, (
            f"git archive {PREVIOUS_RELEASE}: {archive.stderr.decode()[-500:]}"
            " (CI needs the repository's history: no shallow clone)"
        )
        archive_path = home / "release.tar"
        archive_path.write_bytes(archive.stdout)
        with tarfile.open(archive_path) as tar:
            tar.extractall(home, filter="data")
        shutil.copytree(REPO / "alembic", home / "alembic", ignore=_no_caches)
        (home / "head_check.py").write_text(HEAD_CHECK)
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _no_caches(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__"]


def test_the_previous_release_was_one_migration_behind(previous_release: Path) -> None:
    old_versions = subprocess.run(
        ["git", "-C", str(REPO), "ls-tree", "--name-only", PREVIOUS_RELEASE, "alembic/versions/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert max(Path(p).name[:4] for p in old_versions.split()) == PREVIOUS_HEAD
    assert head_revision() > PREVIOUS_HEAD


def test_previous_release_tests_pass_on_the_new_head(
    previous_release: Path, pg_server: PgServer
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": pg_server.base_url,
        "NEW_HEAD": head_revision(),
        # The old code first on the path (the editable install points at this checkout).
        "PYTHONPATH": str(previous_release),
        "CHAINSTORE_DATA_DIR": str(previous_release / "var"),
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "head_check",
            "-x",
            *OLD_TESTS,
        ],
        cwd=previous_release,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = result.stdout[-3000:] + result.stderr[-2000:]
    assert result.returncode == 0, summary
    assert " passed" in result.stdout and " failed" not in result.stdout, summary
