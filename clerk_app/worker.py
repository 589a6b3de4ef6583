"""Runs ClerkCore off the UI thread: one background thread with its own asyncio loop owns the
core (its SQLite outbox and HTTP client live there), and answers come back to Kivy's thread
through the Clock. Screens never block on the network.

Tests use `InlineWorker`: the same interface, run to completion on the calling thread, so a
test clicks a button and reads the screen on the next line.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

from kivy.clock import Clock

from clerk_app.core import ClerkCore

Job = Callable[[ClerkCore], Any]  # returns a value or an awaitable
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class Worker(Protocol):
    def submit(self, job: Job, done: Done | None = None, failed: Failed | None = None) -> None: ...

    def spawn(self, name: str, job: Job, failed: Failed | None = None) -> None:
        """Keep `job(core)` running in the background (the live feed), replacing any earlier
        one of that name; `failed(error)` if it ends with an error."""

    def stop(self) -> None: ...


async def _run(core: ClerkCore, job: Job) -> Any:
    result = job(core)
    if inspect.isawaitable(result):
        result = await result
    return result


class ThreadWorker:
    """The app's worker: the core is built on the background thread and only used there."""

    def __init__(self, make_core: Callable[[], ClerkCore]) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready: Future[ClerkCore] = Future()
        self._thread = threading.Thread(target=self._main, args=(make_core,), daemon=True)
        self._thread.start()
        self._core = self._ready.result(timeout=30)
        self._spawned: dict[str, Any] = {}

    def _main(self, make_core: Callable[[], ClerkCore]) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._ready.set_result(make_core())
        except BaseException as exc:  # the app shows it; the thread has nothing else to do
            self._ready.set_exception(exc)
            return
        self._loop.run_forever()

    def submit(self, job: Job, done: Done | None = None, failed: Failed | None = None) -> None:
        future = asyncio.run_coroutine_threadsafe(_run(self._core, job), self._loop)

        def finished(f: Any) -> None:
            error = f.exception()
            if error is not None:
                if failed is not None:
                    Clock.schedule_once(lambda _dt: failed(error))
            elif done is not None:
                value = f.result()
                Clock.schedule_once(lambda _dt: done(value))

        future.add_done_callback(finished)

    def spawn(self, name: str, job: Job, failed: Failed | None = None) -> None:
        earlier = self._spawned.pop(name, None)
        if earlier is not None:
            earlier.cancel()
        future = asyncio.run_coroutine_threadsafe(_run(self._core, job), self._loop)
        self._spawned[name] = future

        def finished(f: Any) -> None:
            if f.cancelled():
                return
            error = f.exception()
            if error is not None and failed is not None:
                Clock.schedule_once(lambda _dt: failed(error))

        future.add_done_callback(finished)

    def stop(self) -> None:
        for future in self._spawned.values():
            future.cancel()
        asyncio.run_coroutine_threadsafe(self._core.close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


class InlineWorker:
    """For tests and the screenshot command: each job runs to its end before `submit` returns."""

    def __init__(self, core: Any) -> None:
        self.core = core
        self._loop = asyncio.new_event_loop()
        self.spawned: dict[str, Job] = {}  # kept, not run: a test's clock has no background

    def spawn(self, name: str, job: Job, failed: Failed | None = None) -> None:
        self.spawned[name] = job

    def submit(self, job: Job, done: Done | None = None, failed: Failed | None = None) -> None:
        try:
            value = self._loop.run_until_complete(_run(self.core, job))
        except Exception as exc:
            if failed is None:
                raise
            failed(exc)
            return
        if done is not None:
            done(value)

    def stop(self) -> None:
        close = getattr(self.core, "close", None)
        if close is not None:
            self._loop.run_until_complete(_run(self.core, lambda c: c.close()))
        self._loop.close()
