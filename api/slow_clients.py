"""Time limits on reading a request: a client that trickles its request line and headers, or
its body, holds a connection (and, for a body, a request task) for as long as it likes unless
the server gives up. uvicorn has a keep-alive timeout but none for a request in progress, so
`serve` runs this subclass of its httptools protocol, which answers 408 and closes:

- the request head (line and headers) must arrive within `header_read_timeout_seconds` of the
  connection opening or of its first byte after a previous response;
- the body must keep coming, at most `body_read_idle_timeout_seconds` between chunks, and be
  whole within `body_read_timeout_seconds` of the head.

A WebSocket upgrade is timed until its head is read; the socket then has its own rules
(connection_init within a minute, api/graphql_socket.py). The limits come from the environment
(Settings) in each worker process, as the app does.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


@dataclass(frozen=True)
class ReadLimits:
    header_seconds: float
    body_idle_seconds: float
    body_total_seconds: float


@functools.cache
def limits_from_environment() -> ReadLimits:
    from api.config import Settings

    settings = Settings()
    return ReadLimits(
        header_seconds=settings.header_read_timeout_seconds,
        body_idle_seconds=settings.body_read_idle_timeout_seconds,
        body_total_seconds=settings.body_read_timeout_seconds,
    )


_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 34\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"The request did not arrive in time"
)


class SlowClientGuard(HttpToolsProtocol):
    """uvicorn's httptools protocol with the head and body read limits above."""

    limits: ReadLimits | None = None  # None: from the environment

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_limits = self.limits or limits_from_environment()
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_idle_timer: asyncio.TimerHandle | None = None
        self._body_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._cancel(self._head_timer)
        self._head_timer = None
        super().on_headers_complete()
        if self.cycle is not None and self.cycle.more_body and not self.transport.is_closing():
            limits = self._read_limits
            self._body_deadline = self.loop.call_later(limits.body_total_seconds, self._timed_out)
            self._arm_body_idle_timer()

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm_body_idle_timer()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._cancel_body_timers()

    def _arm_head_timer(self) -> None:
        self._cancel(self._head_timer)
        self._head_timer = self.loop.call_later(self._read_limits.header_seconds, self._timed_out)

    def _arm_body_idle_timer(self) -> None:
        if self._body_deadline is None:
            return
        self._cancel(self._body_idle_timer)
        self._body_idle_timer = self.loop.call_later(
            self._read_limits.body_idle_seconds, self._timed_out
        )

    def _timed_out(self) -> None:
        """Answer 408 unless a response has begun, then close; the request's task (if any)
        reads a disconnect."""
        self._cancel_timers()
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or not cycle.response_started:
            self.transport.write(_TIMED_OUT)
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        self.transport.close()

    def _cancel_body_timers(self) -> None:
        self._cancel(self._body_idle_timer)
        self._cancel(self._body_deadline)
        self._body_idle_timer = self._body_deadline = None

    def _cancel_timers(self) -> None:
        self._cancel(self._head_timer)
        self._head_timer = None
        self._cancel_body_timers()

    @staticmethod
    def _cancel(timer: asyncio.TimerHandle | None) -> None:
        if timer is not None:
            timer.cancel()
