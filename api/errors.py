"""The one place errors become responses and log lines: domain errors get their code, the rest
is masked.

An unexpected exception reaches the client as `INTERNAL` with the request id and nothing
else (no message, stack or SQL); the server log carries the same id with the traceback. An
expected client error (a code other than INTERNAL) is one INFO line: code, path, operation
name and request id, and never its message, the variables or the query, which echo input.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

import psycopg
from graphql import GraphQLError
from sqlalchemy import exc as sa_exc

from api.domain.errors import DomainError, ErrorCode
from api.request_id import current_request_id

log = logging.getLogger("chainstore.errors")

PARSE_FAILED = ErrorCode.GRAPHQL_PARSE_FAILED.value
VALIDATION_FAILED = ErrorCode.GRAPHQL_VALIDATION_FAILED.value
INTERNAL = ErrorCode.INTERNAL.value
BAD_USER_INPUT = ErrorCode.BAD_USER_INPUT.value
UNAVAILABLE = ErrorCode.UNAVAILABLE.value
# How soon a client should try again when the database was away: a restart takes seconds.
UNAVAILABLE_RETRY_SECONDS = 1


def database_unavailable(error: BaseException | None) -> bool:
    """True when `error` says the database could not be reached or cut the connection (a
    restart, a failover, a full pool), as opposed to a bug or a refused statement."""
    while error is not None:
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, sa_exc.TimeoutError):  # no pooled connection within the timeout
            return True
        if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
            return True  # connection failure, admin shutdown, server closed the connection
        if isinstance(error, sa_exc.DBAPIError):
            error = error.orig
        elif isinstance(error, GraphQLError):
            error = error.original_error
        else:
            return False
    return False


def unavailable_error(request_id: str) -> dict[str, Any]:
    """The error answered while the database is away (retryable, unlike INTERNAL)."""
    return {
        "message": "The database is unavailable; retry shortly with the same idempotency key.",
        "extensions": {
            "code": UNAVAILABLE,
            "requestId": request_id,
            "retryAfterSeconds": UNAVAILABLE_RETRY_SECONDS,
        },
    }


def _domain_error(error: GraphQLError) -> DomainError | None:
    original = error.original_error
    # graphql-core may wrap the original once more (located errors).
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original if isinstance(original, DomainError) else None


# Six or more digits with at most four non-letters between each: a number typed any way, or
# echoed by graphql-core as a list (`['139', '7531', '8642']`) or an object. Matched on the
# text normalised first (`_normalised`), so invisible characters do not count as separators.
_PHONE_LIKE = re.compile(r"\+?\d(?:[\W_]{0,4}\d){5,}")


def _normalised(text: str) -> tuple[str, list[int]]:
    """The text with format characters (zero-width spaces and joiners, U+FEFF, soft hyphens)
    dropped, every decimal digit (full-width, Arabic-Indic, ...) as its ASCII digit and every
    space (non-breaking ones too) as ' '; and each kept character's index in `text`."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        if category == "Nd":
            char = str(unicodedata.decimal(char))
        elif category == "Zs":
            char = " "
        chars.append(char)
        origin.append(index)
    return "".join(chars), origin


def redact_numbers(message: str) -> str:
    """Replace runs of six or more digits (up to four separators between each, invisible
    characters not counted) by '***'."""
    if message.isascii():
        return _PHONE_LIKE.sub("***", message)
    normalised, origin = _normalised(message)
    parts: list[str] = []
    done = 0
    for match in _PHONE_LIKE.finditer(normalised):
        start, end = origin[match.start()], origin[match.end() - 1] + 1
        parts += [message[done:start], "***"]
        done = end
    parts.append(message[done:])
    return "".join(parts)


def _is_graphql_own(error: GraphQLError) -> bool:
    """graphql-core's own errors: syntax, validation, and variables that do not coerce."""
    return error.original_error is None or isinstance(error.original_error, GraphQLError)


def error_code(error: GraphQLError) -> str:
    """The `extensions.code` the error answers with; INTERNAL for anything unexpected."""
    domain = _domain_error(error)
    if domain is not None:
        return domain.code.value
    if not _is_graphql_own(error):
        return UNAVAILABLE if database_unavailable(error.original_error) else INTERNAL
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if error.original_error is not None:
        return BAD_USER_INPUT
    return PARSE_FAILED if error.message.startswith("Syntax Error") else VALIDATION_FAILED


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    domain = _domain_error(error)
    if domain is not None:
        formatted["message"] = domain.message
        formatted["extensions"] = domain.extensions
        return formatted
    if _is_graphql_own(error):
        # Their messages echo input values (a whole input object when a field is missing),
        # which may hold a phone number: digit runs that could be one are redacted.
        formatted["message"] = redact_numbers(error.message)
        formatted["extensions"] = {**(error.extensions or {}), "code": error_code(error)}
        return formatted
    if database_unavailable(error.original_error):
        log.warning(
            "database unavailable at %s (request %s): %s",
            error.path,
            request_id,
            type(error.original_error).__name__,
        )
        unavailable = unavailable_error(request_id)
        if error.path:
            unavailable["path"] = error.path
        return unavailable
    log.error(
        "unexpected error at %s (request %s)",
        error.path,
        request_id,
        exc_info=error.original_error,
    )
    masked: dict[str, Any] = {
        "message": f"Internal error. Quote request id {request_id} when reporting it.",
        "extensions": {"code": INTERNAL, "requestId": request_id},
    }
    if error.path:
        masked["path"] = error.path
    if error.locations:
        masked["locations"] = formatted.get("locations")
    return masked


_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


def _loggable_name(name: str | int) -> str:
    """A GraphQL name or list index as it may appear in a log line (aliases and operation
    names are the client's words: anything but a short plain name, and any digit run that
    could be a phone number, is left out)."""
    if isinstance(name, int):
        return str(name)
    return redact_numbers(name) if _NAME.fullmatch(name) else "?"


def log_client_errors(errors: list[GraphQLError], operation_name: str | None) -> None:
    """One INFO line per expected client error, with its code, path, operation name and
    request id. INTERNAL ones are skipped here: `format_error` logs them at ERROR with the
    traceback when it masks them, so each error is logged exactly once."""
    for error in errors:
        code = error_code(error)
        if code == INTERNAL:
            continue
        path = ".".join(_loggable_name(part) for part in error.path or ()) or "-"
        operation = _loggable_name(operation_name) if operation_name else "-"
        log.info(
            "client error %s at %s in operation %s (request %s)",
            code,
            path,
            operation,
            current_request_id(),
        )


def has_only_pre_execution_errors(errors: list[dict[str, Any]]) -> bool:
    return bool(errors) and all(
        e.get("extensions", {}).get("code") in (PARSE_FAILED, VALIDATION_FAILED, BAD_USER_INPUT)
        and "path" not in e
        for e in errors
    )
