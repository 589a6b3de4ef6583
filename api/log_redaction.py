"""Keeping what clients send (a phone number above all) out of log lines, for every logger.

No argument value reaches a log line unless it is known to be safe. `install_log_redaction()`
(run when the app is built; idempotent) wraps the log record factory, so every record of
every logger (ours, Strawberry's, uvicorn's, asyncio's) is rewritten where it is made, before
any handler or filter sees it (pytest's caplog too):

- the message is formatted with its arguments, then every digit run that could be a phone
  number becomes `***` (api/errors.py `redact_numbers`, which normalises separators, zero-width
  and non-breaking spaces and full-width digits first). Known-safe values are kept whole: the
  request's id (minted, or a client's only when it holds no such run: api/request_id.py), a
  value wrapped in `LogSafe`, and uvicorn's client address;
- the traceback and stack text are rendered once, here, and redacted the same way;
- `uvicorn.access` logs each request line: a GET carries its document (a mutation too, which
  is refused with 405) and variables in the URL, so only the names of the query parameters
  are kept (`/graphql?query=…&variables=…`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from api.errors import redact_numbers
from api.request_id import current_request_id

_formatter = logging.Formatter()


class LogSafe(str):
    """A log argument the code vouches for (made by the server, never by a client)."""

    __slots__ = ()


def without_query_values(target: str) -> str:
    """`/graphql?query=…&variables=…`: the path and parameter names, no values."""
    path, sep, query = target.partition("?")
    if not sep:
        return target
    names = [part.split("=", 1)[0] for part in query.split("&") if part]
    return path + "?" + "&".join(f"{name}=…" for name in names)


def _access_arguments(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """uvicorn's access line is `%s - "%s %s HTTP/%s" %d`: the client address (the peer the
    server saw, or a trusted proxy's word) is kept, the target loses its query values."""
    if len(args) >= 3 and isinstance(args[0], str) and isinstance(args[2], str):
        return (LogSafe(args[0]), args[1], without_query_values(args[2]), *args[3:])
    return args


_ARGUMENTS: Mapping[str, Callable[[tuple[Any, ...]], tuple[Any, ...]]] = {
    "uvicorn.access": _access_arguments,
}


def redacted(text: str, safe: list[str]) -> str:
    """`redact_numbers(text)` with each of the `safe` strings kept whole."""
    keep = sorted({s for s in safe if s}, key=len, reverse=True)
    for index, value in enumerate(keep):
        text = text.replace(value, f"\x00{chr(65 + index % 26) * (index // 26 + 1)}\x00")
    text = redact_numbers(text)
    for index, value in enumerate(keep):
        text = text.replace(f"\x00{chr(65 + index % 26) * (index // 26 + 1)}\x00", value)
    return text


def redact_record(record: logging.LogRecord) -> None:
    """Rewrite `record` in place as described above (message formatted, args emptied, but
    for the fixed formats of `_ARGUMENTS`, whose arguments are redacted one by one)."""
    args = record.args
    if isinstance(args, tuple) and record.name in _ARGUMENTS:
        args = record.args = _ARGUMENTS[record.name](args)
    values = args.values() if isinstance(args, Mapping) else args or ()
    safe = [str(value) for value in values if isinstance(value, LogSafe)]
    request_id = current_request_id()
    if request_id != "-":
        safe.append(request_id)
    if record.name in _ARGUMENTS and isinstance(args, tuple):
        # A fixed format whose formatters read the arguments (uvicorn's AccessFormatter):
        # each text argument redacted, numbers (the status) as they are.
        record.args = tuple(redacted(a, safe) if isinstance(a, str) else a for a in args)
    else:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit: keep neither as they are
            message = f"{record.msg!s} {args!r}"
        record.msg, record.args = redacted(message, safe), ()
    if record.exc_info:
        record.exc_text = _formatter.formatException(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = redacted(record.exc_text, safe)
    if record.stack_info:
        record.stack_info = redacted(record.stack_info, safe)


class _RedactingFactory:
    """The record factory: the one before it, then `redact_record`."""

    def __init__(self, wrapped: Callable[..., logging.LogRecord]) -> None:
        self.wrapped = wrapped

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.wrapped(*args, **kwargs)
        redact_record(record)
        return record


def install_log_redaction() -> None:
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(current))
