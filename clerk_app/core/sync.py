"""Sending the outbox: oldest first, each entry once its dependencies are delivered, with
back-off while the network or the server is away.

The transport classifies each answer (`Outcome`): delivered; transient (no network, a lost
response, 5xx, RATE_LIMITED: tried again later with the same idempotency key, so the server
replays rather than repeats); refused for good (the server's reason is kept for the clerk and
the entry is never retried blindly); or the sign-in expired (sending stops, the outbox stays,
the clerk is asked to sign in again).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from clerk_app.core.outbox import Entry, Outbox


@dataclass(frozen=True)
class Delivered:
    result: Any


@dataclass(frozen=True)
class Transient:
    reason: str


@dataclass(frozen=True)
class Refused:
    reason: str


@dataclass(frozen=True)
class SignInNeeded:
    reason: str


Outcome = Delivered | Transient | Refused | SignInNeeded


class Transport(Protocol):
    async def send(self, entry: Entry, variables: dict[str, Any]) -> Outcome: ...


def backoff_seconds(attempts: int, rng: random.Random, cap: float = 300.0) -> float:
    """1, 2, 4 … seconds up to `cap`, with ±20 % jitter so a store's phones do not all retry
    in the same instant when the network returns."""
    base = min(cap, 2.0 ** max(attempts, 0))
    return float(base * rng.uniform(0.8, 1.2))


class Sync:
    def __init__(
        self,
        outbox: Outbox,
        transport: Transport,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.outbox = outbox
        self.transport = transport
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self.sign_in_needed: str | None = None

    async def run_once(self) -> int:
        """Send every entry that is ready, in order, until one has to wait; returns how many
        entries the server does not have yet."""
        self.sign_in_needed = None
        while (entry := self.outbox.next_ready(self.clock())) is not None:
            outcome = await self.transport.send(entry, self.outbox.resolved_variables(entry))
            if isinstance(outcome, Delivered):
                self.outbox.delivered(entry.id, outcome.result)
            elif isinstance(outcome, Refused):
                self.outbox.refused(entry.id, outcome.reason)
            elif isinstance(outcome, SignInNeeded):
                self.sign_in_needed = outcome.reason
                break
            else:
                delay = backoff_seconds(entry.attempts, self.rng)
                self.outbox.retry_later(entry.id, outcome.reason, self.clock() + delay)
                break  # the network is likely down for the next one too: keep the order
        return self.outbox.pending()
