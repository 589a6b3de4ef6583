"""SIGTERM drains a worker before uvicorn stops it.

On SIGTERM (or SIGINT) a worker at once answers `/readyz` with 503 (`draining`), closes every
live socket with 1001 (clients reconnect elsewhere with `lastEventId`) and refuses new sockets
the same way, keeps serving HTTP for CHAINSTORE_DRAIN_SECONDS (so a load balancer sees the 503
and sends new requests elsewhere), then hands the signal to uvicorn, which stops accepting,
lets the requests in flight finish (up to its graceful timeout) and runs the lifespan shutdown.

uvicorn installs its own handlers with `signal.signal` while it serves; the lifespan startup
runs inside that, so `install` wraps uvicorn's handler and uvicorn restores its original after.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("chainstore.drain")
GOING_AWAY = 1001


class Drain:
    def __init__(self) -> None:
        self.draining = False
        self._task: asyncio.Task[None] | None = None

    def install(self, seconds: float, close_sockets: Callable[[], Awaitable[None]]) -> None:
        """Wrap the current SIGTERM/SIGINT handlers (uvicorn's) from the main thread only."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(signum)
            owner = type(getattr(previous, "__self__", None)).__module__
            if not callable(previous) or not owner.startswith("uvicorn"):
                continue  # not served by uvicorn (tests, another server): nothing to wrap

            def handler(
                sig: int,
                frame: FrameType | None,
                previous: Callable[[int, FrameType | None], Any] = previous,
            ) -> None:
                if self.draining:  # a second signal: no more waiting
                    previous(sig, frame)
                    return
                self.draining = True
                log.info("draining: readyz 503, sockets closed, stopping in %.0f s", seconds)
                self._task = loop.create_task(self._drain(seconds, close_sockets, previous, sig))

            signal.signal(signum, handler)

    async def _drain(
        self,
        seconds: float,
        close_sockets: Callable[[], Awaitable[None]],
        previous: Callable[[int, FrameType | None], Any],
        sig: int,
    ) -> None:
        try:
            await close_sockets()
        except Exception:  # the drain goes on: uvicorn closes what is left
            log.warning("closing live sockets failed", exc_info=True)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(seconds)
        previous(sig, None)


class DrainMiddleware:
    """New WebSockets during the drain are closed with 1001 (reconnect elsewhere)."""

    def __init__(self, app: ASGIApp, drain: Drain) -> None:
        self.app = app
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and self.drain.draining:
            # Accepted, then closed: a close before the accept is an HTTP 403 to the client,
            # which reads as "refused", not "go elsewhere".
            await receive()  # websocket.connect
            protocols = scope.get("subprotocols") or []
            accept: dict[str, Any] = {"type": "websocket.accept"}
            if protocols:
                accept["subprotocol"] = protocols[0]
            await send(accept)
            await send({"type": "websocket.close", "code": GOING_AWAY, "reason": "draining"})
            return
        await self.app(scope, receive, send)
