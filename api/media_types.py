"""GraphQL-over-HTTP content negotiation: which media type answers a request's `Accept`.

The spec's two types: `application/graphql-response+json` (request errors get 4xx and no
`data`) and the legacy `application/json` (every GraphQL result is 200). A client that names
neither, sends `*/*` or no `Accept` at all is a legacy client and gets `application/json`.
"""

from __future__ import annotations

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"

_EXACT, _SUBTYPE_WILDCARD, _WILDCARD, _NO_MATCH = 2, 1, 0, -1


def _ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q values (malformed q: range ignored)."""
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = part.split(";")
        quality = 1.0
        try:
            for param in params:
                name, _, value = param.partition("=")
                if name.strip().lower() == "q":
                    quality = float(value.strip())
        except ValueError:
            continue
        if media.strip():
            ranges.append((media.strip().lower(), quality))
    return ranges


def _quality(kind: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The q value the most specific range matching `kind` gives it, and that specificity."""
    best = (0.0, _NO_MATCH)
    for media, quality in ranges:
        if media == kind:
            specificity = _EXACT
        elif media == kind.split("/")[0] + "/*":
            specificity = _SUBTYPE_WILDCARD
        elif media == "*/*":
            specificity = _WILDCARD
        else:
            continue
        if specificity > best[1]:
            best = (quality, specificity)
    return best


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with; None when the client accepts neither (406)."""
    if accept is None or not accept.strip():
        return APPLICATION_JSON  # the spec's SHOULD: no Accept is a legacy client
    ranges = _ranges(accept)
    modern, modern_by = _quality(GRAPHQL_RESPONSE_JSON, ranges)
    legacy, _ = _quality(APPLICATION_JSON, ranges)
    if max(modern, legacy) <= 0:
        return None
    if modern != legacy:
        return GRAPHQL_RESPONSE_JSON if modern > legacy else APPLICATION_JSON
    # Equally acceptable: a client that names graphql-response+json knows it; one that only
    # matched it through a wildcard (`*/*`, `application/*`) may be a legacy client.
    return GRAPHQL_RESPONSE_JSON if modern_by == _EXACT else APPLICATION_JSON
