"""The store's stock alerts and HQ's help answers, live, over the standard
`graphql-transport-ws` protocol.

Each subscription is a trusted document (`StockAlerts`, `HelpAnswers`), named by its id like
every request; one feed follows one of them.
Each event's `id` is its position in the server's stream: after a dropped connection the feed
subscribes again with the last id it saw (`lastEventId`), so the server first replays what was
missed, in order, then carries on live; each event reaches the app once. When the gap is too
long to replay (`BAD_USER_INPUT`), the feed says so (`on_reset`: reload the list with a query)
and subscribes without an id. A refused token ends the feed (the clerk must sign in again).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import websockets
from websockets.typing import Subprotocol

from clerk_app.core.api_client import Manifest

PROTOCOL = Subprotocol("graphql-transport-ws")
BACK_OFF_S = (0.5, 1.0, 2.0, 5.0, 15.0, 30.0)
UNAUTHORISED = 4403


@dataclass(frozen=True)
class Subscription:
    document: str  # the trusted document's name
    field: str  # the event's field in `data`


STOCK_ALERTS = Subscription("StockAlerts", "stockAlerts")
HELP_ANSWERS = Subscription("HelpAnswers", "helpAnswers")


class FeedEnded(Exception):
    """The server refused the sign-in: the feed stops until the clerk signs in again."""


def socket_url(server_url: str) -> str:
    scheme, _, rest = server_url.rstrip("/").partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/graphql"


class LiveFeed:
    def __init__(
        self,
        server_url: str,
        manifest: Manifest,
        token: str,
        store_code: str,
        on_event: Callable[[dict[str, Any]], None],
        on_reset: Callable[[], None] = lambda: None,
        last_event_id: str | None = None,
        subscription: Subscription = STOCK_ALERTS,
    ) -> None:
        self.url = socket_url(server_url)
        self.subscription = subscription
        self.document_id = manifest.document_id(subscription.document)
        self.token = token
        self.store_code = store_code
        self.on_event = on_event
        self.on_reset = on_reset
        self.last_event_id = last_event_id
        self.connected = asyncio.Event()  # set while subscribed (tests wait on it)

    async def run(self) -> None:
        """Follow the feed until cancelled or the sign-in is refused (FeedEnded)."""
        failures = 0
        while True:
            try:
                await self._once()
                failures = 0  # the server completed the feed: subscribe again at once
            except (TimeoutError, OSError, websockets.ConnectionClosed) as error:
                self.connected.clear()
                if isinstance(error, websockets.ConnectionClosed) and _code(error) == UNAUTHORISED:
                    raise FeedEnded(str(error)) from error
                await asyncio.sleep(BACK_OFF_S[min(failures, len(BACK_OFF_S) - 1)])
                failures += 1

    async def _once(self) -> None:
        async with websockets.connect(self.url, subprotocols=[PROTOCOL], open_timeout=15) as ws:
            auth = {"authorization": f"Bearer {self.token}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": auth}))
            ack = json.loads(await asyncio.wait_for(ws.recv(), 15))
            if ack.get("type") != "connection_ack":
                return
            variables: dict[str, Any] = {"storeCode": self.store_code}
            if self.last_event_id is not None:
                variables["lastEventId"] = self.last_event_id
            payload = {"documentId": self.document_id, "variables": variables}
            subscribe = {"id": self.subscription.field, "type": "subscribe", "payload": payload}
            await ws.send(json.dumps(subscribe))
            self.connected.set()
            async for raw in ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif kind == "next":
                    if not self._deliver(message.get("payload") or {}):
                        return
                elif kind in ("error", "complete"):
                    return

    def _deliver(self, payload: dict[str, Any]) -> bool:
        """Hand one event to the app; False when the feed must be subscribed again."""
        errors = payload.get("errors")
        if errors:
            code = (errors[0].get("extensions") or {}).get("code")
            if code == "BAD_USER_INPUT" and self.last_event_id is not None:
                self.last_event_id = None  # too far behind to replay: reload, then live
                self.on_reset()
            return False
        event = (payload.get("data") or {}).get(self.subscription.field)
        if event:
            self.last_event_id = str(event["id"])
            self.on_event(dict(event))
        return True


def _code(closed: websockets.ConnectionClosed) -> int | None:
    return closed.rcvd.code if closed.rcvd is not None else None


AlertFeed = LiveFeed  # the stock alerts' feed, by its first name
