"""Per-request context: the caller, the request's database session, loaders, hidden paths."""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from api.config import Settings
from api.domain import organisation
from api.domain.access import Actor
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Unauthenticated
from api.domain.telephony import RecordingTelephony, TelephonyAdapter
from api.observability import metrics
from api.photos.storage import PhotoStorage
from api.read_replica import note_write
from db.pii import KeyRing

if TYPE_CHECKING:
    from api.read_replica import ReadReplica
    from api.realtime.connections import LiveSocket
    from api.realtime.stream import LiveFeeds
    from db.models import Region, Store

log = logging.getLogger("chainstore.replica")


@dataclass
class Services:
    """What the app builds once at start-up and every request shares."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    photos: PhotoStorage  # content-addressed image blobs (api/photos/storage.py)
    key_ring: KeyRing  # the PII keys (db/pii.py), from the settings at start-up
    live: LiveFeeds | None = None  # the process's event hub and sockets, made on first use
    # The masked-number bridge (api/domain/telephony.py), chosen by the settings.
    telephony: TelephonyAdapter = field(default_factory=RecordingTelephony)
    # Reads that tolerate lag (api/read_replica.py): DATABASE_READ_URL's server when set.
    replica: ReadReplica | None = None


class Loaders:
    """DataLoaders for this request only: batched by id, never shared between callers."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self.region: DataLoader[int, Region] = DataLoader(self._regions)
        self.store: DataLoader[int, Store] = DataLoader(self._stores)

    async def _regions(self, ids: list[int]) -> list[Region]:
        found = await organisation.regions_by_id(self._context.session, ids)
        return [found[i] for i in ids]

    async def _stores(self, ids: list[int]) -> list[Store]:
        found = await organisation.stores_by_id(self._context.session, ids)
        return [found[i] for i in ids]


class SocketWork:
    """One unit of work on a socket: a subscription event (or a query over the socket).

    A socket's operations run concurrently, each in its own task, and a subscription lives for
    hours: its resolvers must not share one session (not safe across tasks) nor keep one open
    between events, nor serve stale loader caches. So on WebSockets the session and loaders
    live here, per operation task, and the socket handler calls `finish()` after each message
    (api/graphql_view.py LiveSocketHandler)."""

    def __init__(self) -> None:
        self.session: AsyncSession | None = None
        self.loaders: Loaders | None = None
        self.hidden: list[dict[str, Any]] = []

    async def finish(self, *, commit: bool) -> bool:
        """End the unit: commit it (a mutation over the socket that succeeded) or roll back.
        True when it committed a write (read-your-writes: Context.note_committed_write)."""
        session, self.session, self.loaders = self.session, None, None
        self.hidden = []
        if session is None:
            return False
        try:
            if commit:
                await session.commit()
        finally:
            await session.close()
        return bool(session.info.pop("committed_write", False))


# Set by the socket handler at the start of each operation task; copied into its sub-tasks.
socket_work: ContextVar[SocketWork | None] = ContextVar("chainstore_socket_work", default=None)


@dataclass
class Context:
    request: Request | WebSocket
    services: Services
    request_id: str
    client_address: str
    _actor: Actor | None = None
    _auth_error: Unauthenticated | None = None
    _session: AsyncSession | None = None
    _hidden: list[dict[str, Any]] = field(default_factory=list)
    query_cost: int | None = None
    connection_params: Any = None  # graphql-transport-ws connection_init payload
    live_socket: LiveSocket | None = None  # set once a socket's connection_init is accepted
    # Response keys of memberByPhone fields: no phone field under them answers (api/schema/
    # members.py). On a socket the set outlives one operation, which only hides more.
    phone_lookup_roots: set[str] = field(default_factory=set)
    _read_session: AsyncSession | None = None
    _read_choice: asyncio.Lock = field(default_factory=asyncio.Lock)  # sibling fields wait
    # The request's channel (api/channel.py): APP for the clerk app's trusted documents, POS
    # for the tills', API for everything else.
    channel: str = "API"
    _loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self._loaders = Loaders(self)

    @property
    def loaders(self) -> Loaders:
        work = socket_work.get() if isinstance(self.request, WebSocket) else None
        if work is None:
            return self._loaders
        if work.loaders is None:
            work.loaders = Loaders(self)
        return work.loaders

    @property
    def hidden(self) -> list[dict[str, Any]]:
        """The paths hidden in this response; on a socket, in this operation's current
        message (each subscription event reports its own)."""
        work = socket_work.get() if isinstance(self.request, WebSocket) else None
        return self._hidden if work is None else work.hidden

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def session(self) -> AsyncSession:
        """The request's session; its transaction is committed or rolled back by the view.
        On a socket: the current operation's session, closed after each message it sends."""
        work = socket_work.get() if isinstance(self.request, WebSocket) else None
        if work is not None:
            if work.session is None:
                work.session = self.services.sessions()
            return work.session
        if self._session is None:
            self._session = self.services.sessions()
        return self._session

    async def read_session(self) -> AsyncSession:
        """A session for reads that tolerate a little lag (read-only work only): on the read
        replica when one is configured and fit for this caller (api/read_replica.py says
        when), else the request's primary session. A replica that fails to connect now is
        bypassed for this request and marked down, without an error to the caller."""
        replica = self.services.replica
        if replica is None or isinstance(self.request, WebSocket):
            return self.session
        async with self._read_choice:
            return self._read_session or await self._choose_read_session(replica)

    async def _choose_read_session(self, replica: ReadReplica) -> AsyncSession:
        primary = self._session
        if primary is not None and primary.info.get("wrote"):
            skip: str | None = "own_write"  # this request's write, not committed yet
        else:
            skip = replica.reason_to_skip(self._actor.last_write_lsn if self._actor else None)
        if skip is not None:
            metrics.REPLICA_FALLBACKS.labels(skip).inc()
            return self.session
        session = replica.sessions()
        try:
            await session.connection()  # checks a pooled connection out (pre-pinged)
        except (DBAPIError, OSError) as exc:
            await session.close()
            replica.failed(exc)
            metrics.REPLICA_FALLBACKS.labels("down").inc()
            return self.session
        metrics.REPLICA_READS.inc()
        self._read_session = session
        return session

    async def close_read_session(self) -> None:
        """At the end of the request (after its commit, before the response): close the
        replica session, and when the request's primary transaction wrote and committed, store
        the primary's WAL position on the caller's token (read-your-writes, api/read_replica.py)."""
        session, self._read_session = self._read_session, None
        if session is not None:
            await session.close()
        primary = self._session
        if primary is not None and primary.info.pop("committed_write", False):
            await self.note_committed_write()

    async def note_committed_write(self) -> None:
        """The caller's committed write: its token's position for reads in any process."""
        if self.services.replica is None or self._actor is None:
            return
        try:
            await note_write(self.services.engine, self._actor.token_id)
        except (DBAPIError, OSError):  # the primary went away after the commit
            log.warning("could not note the primary's WAL position after a write")

    @property
    def has_session(self) -> bool:
        return self._session is not None

    def authenticated(self, actor: Actor | None, error: Unauthenticated | None) -> None:
        self._actor, self._auth_error = actor, error

    @property
    def actor(self) -> Actor | None:
        """The caller, None when anonymous; a refused token raises UNAUTHENTICATED here."""
        if self._auth_error is not None:
            raise self._auth_error
        return self._actor

    def require_actor(self) -> Actor:
        actor = self.actor
        if actor is None:
            raise Unauthenticated("Sign in first: send 'Authorization: Bearer <token>'.")
        return actor

    def hide(
        self,
        path: Any,
        reason: ErrorReason,
        index: int | None = None,
        *,
        permission: str | None = None,
    ) -> None:
        """Report a field (or the `index`th entry of a list field) as hidden, why, and the
        permission it needs when that is why (the SDL's `HiddenField`)."""
        if not isinstance(reason, ErrorReason):
            raise TypeError(f"reason must be an ErrorReason, not {reason!r}")
        entry = [*path.as_list(), *([] if index is None else [index])]
        needs = {} if permission is None else {"permission": permission}
        self.hidden.append({"path": entry, "reason": reason.value, **needs})
