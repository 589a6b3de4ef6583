"""Analytics tests run the app with its data dir in a temporary directory (shifts, members)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import Api, running_api


@pytest.fixture
async def api(org_db: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(org_db, data_dir=tmp_path) as a:
        yield a
