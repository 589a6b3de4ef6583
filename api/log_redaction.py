"""Log filters that keep what clients send (a phone number above all) out of log lines.

- GraphQL errors: graphql-core's messages echo the values that failed to coerce (`String
  cannot represent a non string value: 13975318642`). Our schema logs client errors without
  their message (api/schema/root.py replaces Strawberry's error logger), but an INTERNAL
  traceback (`chainstore.errors`) or anything Strawberry still writes (`strawberry.execution`)
  may quote one, so digit runs that could be a phone number become `***` there, in the
  message and in the traceback text, as they do in the response (api/errors.py).
- `uvicorn.access` logs each request line: a GET carries its query and variables in the URL,
  so only the names of query parameters are kept (`/graphql?query=…&variables=…`).

Filters sit on those loggers, not on a handler, so every handler (and pytest's caplog) gets the
redacted record. `install_log_redaction()` runs when the app is built; it is idempotent.
"""

from __future__ import annotations

import logging

from api.errors import redact_numbers

_formatter = logging.Formatter()


class RedactTracebacks(logging.Filter):
    """Digit runs that could be a phone number become `***` in the traceback text. The message
    is kept: ours carry request ids, which must stay quotable."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            # Rendered here, once, so that no handler renders the unredacted original.
            record.exc_text = redact_numbers(_formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_numbers(record.stack_info)
        return True


class RedactNumbers(RedactTracebacks):
    """Digit runs that could be a phone number become `***` in the message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact_numbers(record.getMessage()), ()
        return super().filter(record)


def without_query_values(target: str) -> str:
    """`/graphql?query=…&variables=…`: the path and parameter names, no values."""
    path, sep, query = target.partition("?")
    if not sep:
        return target
    names = [part.split("=", 1)[0] for part in query.split("&") if part]
    return path + "?" + "&".join(f"{name}=…" for name in names)


class DropQueryValues(logging.Filter):
    """uvicorn's access line is `%s - "%s %s HTTP/%s" %d` with the target third."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], without_query_values(args[2]), *args[3:])
        return True


_FILTERS: dict[str, type[logging.Filter]] = {
    "strawberry.execution": RedactNumbers,
    "chainstore.errors": RedactTracebacks,
    "uvicorn.access": DropQueryValues,
}


def install_log_redaction() -> None:
    for name, kind in _FILTERS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
