"""The one place errors become responses: domain errors get their code, the rest is masked.

An unexpected exception reaches the client as `INTERNAL` with the request id and nothing
else (no message, stack or SQL); the server log carries the same id with the traceback.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError

from api.domain.errors import DomainError

log = logging.getLogger("chainstore.errors")

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


def _domain_error(error: GraphQLError) -> DomainError | None:
    original = error.original_error
    # graphql-core may wrap the original once more (located errors).
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original if isinstance(original, DomainError) else None


# Six or more digits with at most four non-letters between each: a number typed any way, or
# echoed by graphql-core as a list (`['139', '7531', '8642']`) or an object.
_PHONE_LIKE = re.compile(r"\+?\d(?:[\W_]{0,4}\d){5,}")


def redact_numbers(message: str) -> str:
    """Replace runs of six or more digits (up to four non-letters between each) by '***'."""
    return _PHONE_LIKE.sub("***", message)


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    domain = _domain_error(error)
    if domain is not None:
        formatted["message"] = domain.message
        formatted["extensions"] = {"code": domain.code, **domain.details}
        return formatted
    if error.original_error is None or isinstance(error.original_error, GraphQLError):
        # graphql-core's own: syntax, validation, and variables that do not coerce. Their
        # messages echo input values (a whole input object when a field is missing), which
        # may hold a phone number: digit runs that could be one are redacted.
        formatted["message"] = redact_numbers(error.message)
        extensions = dict(error.extensions or {})
        if "code" not in extensions:
            if error.original_error is not None:
                extensions["code"] = "BAD_USER_INPUT"
            elif error.message.startswith("Syntax Error"):
                extensions["code"] = PARSE_FAILED
            else:
                extensions["code"] = VALIDATION_FAILED
        formatted["extensions"] = extensions
        return formatted
    log.error(
        "unexpected error at %s (request %s)",
        error.path,
        request_id,
        exc_info=(
            type(error.original_error),
            error.original_error,
            error.original_error.__traceback__,
        ),
    )
    masked: dict[str, Any] = {
        "message": f"Internal error. Quote request id {request_id} when reporting it.",
        "extensions": {"code": "INTERNAL", "requestId": request_id},
    }
    if error.path:
        masked["path"] = error.path
    if error.locations:
        masked["locations"] = formatted.get("locations")
    return masked


def has_only_pre_execution_errors(errors: list[dict[str, Any]]) -> bool:
    return bool(errors) and all(
        e.get("extensions", {}).get("code") in (PARSE_FAILED, VALIDATION_FAILED, "BAD_USER_INPUT")
        and "path" not in e
        for e in errors
    )
