"""One access line and one set of samples per request (api/observability/metrics.py).

The middleware wraps the app (inside the request id's): the GraphQL view says which operation
ran (`chainstore.operation` in the scope) and its outcome code (`chainstore.outcome`), the
context who called (`chainstore.context`), and the engine's statement events count into this
request's counter (a context variable: SQLAlchemy runs its greenlets in the caller's context).
The line holds server-made values only: the request id, the caller's staff id (never a name or a
number), the trusted operation's name, the code, the status and the duration. `/healthz`,
`/readyz` and the front page are neither logged nor counted.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.log_redaction import LogSafe
from api.observability import metrics
from api.request_id import current_request_id

log = logging.getLogger("chainstore.access")
_statements: ContextVar[list[int] | None] = ContextVar("chainstore_statements", default=None)
QUIET_PATHS = frozenset({"/", "/healthz", "/readyz", "/favicon.ico"})


def count_statement() -> None:
    counter = _statements.get()
    if counter is not None:
        counter[0] += 1


def _caller_id(scope: Scope) -> str:
    context: Any = scope.get("chainstore.context")
    if context is None:
        return "-"
    try:
        actor = context.actor
    except Exception:  # an unauthenticated caller: Context.actor raises
        return "-"
    return str(actor.staff_id) if actor is not None else "-"


def _operation(scope: Scope) -> str:
    operation = scope.get("chainstore.operation")
    if operation:
        return str(operation)
    path = str(scope.get("path", ""))
    if path.startswith("/photos"):
        return f"photos.{scope.get('method', 'GET').lower()}"
    return metrics.NO_DOCUMENT if path == "/graphql" else metrics.OTHER_PATH


class RequestMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in QUIET_PATHS:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        counter = [0]
        token = _statements.set(counter)
        status = 500

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            _statements.reset(token)
            self._record(scope, status, counter[0], time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, statements: int, seconds: float) -> None:
        operation = _operation(scope)
        code = scope.get("chainstore.outcome") or ("OK" if status < 400 else f"HTTP_{status}")
        metrics.REQUESTS.labels(operation, code).inc()
        metrics.REQUEST_SECONDS.labels(operation).observe(seconds)
        metrics.SQL_STATEMENTS.labels(operation).observe(statements)
        fields = {
            "request_id": current_request_id(),
            "caller": _caller_id(scope),
            "operation": operation,
            "code": code,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "sql_statements": statements,
        }
        log.info(
            "%s %s %s %s %s caller %s %s ms %s sql",
            LogSafe(scope.get("method", "-")),
            LogSafe("/" + str(scope.get("path", "/")).lstrip("/").split("/")[0]),
            LogSafe(operation),
            LogSafe(code),
            status,
            LogSafe(fields["caller"]),
            LogSafe(f"{fields['duration_ms']:.1f}"),
            statements,
            extra={"chainstore": fields},
        )
