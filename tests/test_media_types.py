"""Which media type answers which Accept header (api/media_types.py)."""

from __future__ import annotations

import pytest

from api.media_types import APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, negotiate


@pytest.mark.parametrize(
    ("accept", "answer"),
    [
        (None, APPLICATION_JSON),  # no Accept: a legacy client
        ("", APPLICATION_JSON),
        ("*/*", APPLICATION_JSON),
        ("application/*", APPLICATION_JSON),
        ("application/json", APPLICATION_JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("Application/GraphQL-Response+JSON; charset=utf-8", GRAPHQL_RESPONSE_JSON),
        # What Apollo Client and graphql-http's client send:
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, */*", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json;q=0.5, application/json", APPLICATION_JSON),
        ("application/json;q=0.9, */*;q=0.1", APPLICATION_JSON),
        ("application/graphql-response+json;q=0, */*", APPLICATION_JSON),
        ("text/html, */*;q=0.8", APPLICATION_JSON),
        ("application/json;q=nonsense, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("text/plain", None),
        ("application/json;q=0", None),
        ("text/html, application/xml", None),
    ],
)
def test_negotiate(accept: str | None, answer: str | None) -> None:
    assert negotiate(accept) == answer
