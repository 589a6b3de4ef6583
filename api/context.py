"""Per-request context: the caller, the request's database session, loaders, hidden paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from api.config import Settings
from api.domain import organisation
from api.domain.access import Actor
from api.domain.errors import Unauthenticated

if TYPE_CHECKING:
    from db.models import Region, Store


@dataclass
class Services:
    """What the app builds once at start-up and every request shares."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


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


@dataclass
class Context:
    request: Request | WebSocket
    services: Services
    request_id: str
    client_address: str
    _actor: Actor | None = None
    _auth_error: Unauthenticated | None = None
    _session: AsyncSession | None = None
    hidden: list[dict[str, Any]] = field(default_factory=list)
    query_cost: int | None = None
    connection_params: Any = None  # graphql-transport-ws connection_init payload
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def session(self) -> AsyncSession:
        """The request's session; its transaction is committed or rolled back by the view."""
        if self._session is None:
            self._session = self.services.sessions()
        return self._session

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

    def hide(self, path: Any, reason: str) -> None:
        self.hidden.append({"path": list(path.as_list()), "reason": reason})
