"""UI tests of the clerk app: the real widgets in Kivy's offscreen window, one file per process.

Kivy has one window and one app per process, and its settings are read at import time, so each
test file here runs in its own `python -m pytest <file>` child; the parent reports the child's
outcome as one test per file (its output shown when it fails). In the child, the headless window
is configured before anything imports Kivy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHILD = "CLERK_UI_CHILD"
ROOT = Path(__file__).resolve().parents[2]

if os.environ.get(CHILD):
    from clerk_app.headless import configure

    configure()


class FileInChild(pytest.Item):
    def runtest(self) -> None:
        env = {**os.environ, CHILD: "1"}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(self.path),
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:xdist",
                "-o",
                "addopts=",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise ChildFailed(result.stdout + result.stderr)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, ChildFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.path.name} (own process)"


class ChildFailed(Exception):
    pass


class ModuleInChild(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        item = FileInChild.from_parent(self, name=self.path.stem)
        # The app talks to DemoCore or to no server at all: no database of any version.
        item.add_marker(pytest.mark.server_independent)
        yield item


def pytest_pycollect_makemodule(module_path: Path, parent: Any) -> Any:
    if os.environ.get(CHILD) or not module_path.name.startswith("test_"):
        return None
    return ModuleInChild.from_parent(parent, path=module_path)


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="clerk-ui-") as path:
        yield Path(path)
