"""The streaming pair each replica test module shares (tests/replica/standby.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.replica.apps import prepare_primary
from tests.replica.standby import Standby, streaming_pair


@pytest.fixture(scope="module")
def pair() -> Iterator[Standby]:
    with streaming_pair(prepare_primary) as standby:
        yield standby
