"""One subscriber's events: what it missed since lastEventId, then live ones, each once.

`event_stream` is what every subscription resolver iterates. Order of work, and why it loses
nothing and repeats nothing:

1. attach a live feed to the process's hub (which has read up to some id H);
2. read the table for ids > lastEventId (only when given), in id order, at most
   MAX_CATCH_UP rows of the subscriber's kinds and scope: more means the client was away too
   long and must reload with queries, so the subscription fails with BAD_USER_INPUT instead
   of flooding it;
3. drain the feed, skipping ids already delivered. The feed holds every event after H; the
   read in 2 saw every event committed before it ran, which includes all up to H; event ids
   follow commit order, so "skip ids <= last delivered" drops exactly the overlap.

Every event is checked against the subscriber's scope (its Actor's store, region or all) when
delivered, then against the resolver's own `visible` rule.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING

from sqlalchemy import text

from api.domain.access import StoreScope
from api.domain.errors import InvalidInput
from api.domain.events import EventKind
from api.realtime.connections import CloseCode, SocketRegistry
from api.realtime.hub import EventHub, FeedOverflow, HubStopped
from api.realtime.records import EVENT_COLUMNS, SCOPE_SQL, EventRecord, in_scope
from api.realtime.shared_reads import SharedWork
from db.embedded import to_libpq_uri

if TYPE_CHECKING:
    from api.context import Context, Services

__all__ = ["MAX_CATCH_UP", "EventRecord", "LiveFeeds", "event_stream", "parse_last_event_id"]

MAX_CATCH_UP = 1000

_MISSED = text(
    f"""
    SELECT {EVENT_COLUMNS} FROM event
     WHERE id > :after AND kind = ANY(:kinds) AND {SCOPE_SQL}
     ORDER BY id LIMIT :limit
    """  # noqa: S608 (constants only; values are bound)
)
_NEWEST = text("SELECT coalesce(max(id), 0) FROM event")


class LiveFeeds:
    """The process's hub and socket registry, built by the app and started on first use."""

    def __init__(self, services: Services) -> None:
        url = services.engine.url.render_as_string(hide_password=False)
        self.hub = EventHub(to_libpq_uri(url))
        # Per event, one read and one rendering per process for all subscribers who would
        # get the same answer (api/realtime/shared_reads.py, api/schema/shared_renders.py).
        self.reads = SharedWork()
        self.renders = SharedWork()
        settings = services.settings
        self.sockets = SocketRegistry(
            services.sessions,
            settings.ws_auth_recheck_seconds,
            max_sockets_per_token=settings.ws_max_sockets_per_token,
        )

    async def stop(self) -> None:
        await self.sockets.stop()
        await self.hub.stop()


def live_feeds(services: Services) -> LiveFeeds:
    if services.live is None:
        services.live = LiveFeeds(services)
    return services.live


def parse_last_event_id(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or len(value) > 18:
        raise InvalidInput(
            "lastEventId must be the id of an event you received.", field="lastEventId"
        )
    return int(value)


async def event_stream(
    context: Context,
    *,
    kinds: frozenset[EventKind],
    last_event_id: int | None,
    visible: Callable[[EventRecord], bool],
) -> AsyncGenerator[EventRecord, None]:
    scope = context.require_actor().scope
    live = live_feeds(context.services)
    await live.hub.start()
    feed = live.hub.attach(kinds)
    try:
        delivered = feed.start_id
        if last_event_id is not None:
            missed = await _missed(context.services, kinds, scope, last_event_id)
            delivered = last_event_id
            for record in missed:
                delivered = record.id
                if visible(record):
                    yield record
        while True:
            try:
                record = await feed.next()
            except FeedOverflow:
                if context.live_socket is not None:
                    context.live_socket.close_soon(CloseCode.TOO_SLOW)
                return
            except HubStopped:
                return
            if record.id <= delivered:
                continue
            delivered = record.id
            if in_scope(scope, record) and visible(record):
                yield record
    finally:
        live.hub.detach(feed)


async def _missed(
    services: Services, kinds: frozenset[EventKind], scope: StoreScope, after: int
) -> list[EventRecord]:
    async with services.sessions() as session:
        newest = int(await session.scalar(_NEWEST) or 0)
        if after > newest:
            raise InvalidInput(
                f"lastEventId {after} is newer than any event: pass an id you received.",
                field="lastEventId",
            )
        rows = (
            await session.execute(
                _MISSED,
                {
                    "after": after,
                    "kinds": sorted(kind.value for kind in kinds),
                    "limit": MAX_CATCH_UP + 1,
                    **scope.sql_params(),
                },
            )
        ).all()
    if len(rows) > MAX_CATCH_UP:
        raise InvalidInput(
            f"More than {MAX_CATCH_UP} events were missed since lastEventId {after}: reload "
            "with queries, then subscribe without lastEventId.",
            field="lastEventId",
        )
    return [EventRecord.from_row(row) for row in rows]
