"""A request by documentId runs the document parsed and validated at start-up: neither the
parser nor the validation cache is consulted for it, so no stream of unique free-form texts
can evict the clerk app's operations into being parsed again."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from tests.conftest import Api
from tests.trusted.conftest import persisted

CACHE_SIZE = 512  # api/schema/root.py


def lookups() -> tuple[int, int]:
    """Lookups (hits and misses) of the shared parser and validation LRU caches."""
    counts = []
    for cache in (_get_parse_cache(CACHE_SIZE), _get_validate_cache(CACHE_SIZE)):
        info: Any = cache.cache_info()  # type: ignore[attr-defined]  # an lru_cache wrapper
        counts.append(info.hits + info.misses)
    return counts[0], counts[1]


async def test_a_stored_document_is_neither_parsed_nor_validated_per_request(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    before = lookups()
    for _ in range(3):
        answer = (await persisted(api, "Me", token=token)).json()
        assert answer["data"]["me"]["username"] == "clerk.e1"
    assert lookups() == before
    # A free-form document (an HQ caller may send one) still goes through both caches.
    hq = await api.token_for("ops")
    assert "errors" not in await api.gql("{ me { username } }", token=hq)
    after = lookups()
    assert after[0] > before[0] and after[1] > before[1]
