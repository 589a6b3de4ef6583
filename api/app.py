"""The ASGI application: /, /graphql, /healthz, /readyz, /photos, /board; request ids, body cap."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

from graphql import DocumentNode
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.board import board_routes
from api.body_limit import BodyLimitMiddleware
from api.compiled.executor import Executor
from api.compiled.http import CompiledOperations
from api.compiled.sale import SaleSettings
from api.config import Settings
from api.context import Services
from api.domain.members.limits import policy_from as lookup_policy_from
from api.domain.telephony import load_adapter
from api.front_page import front_page
from api.graphql_view import ChainstoreGraphQL
from api.limits import ShapeLimits
from api.log_redaction import install_log_redaction
from api.observability import lifecycle
from api.photos.routes import photo_routes
from api.photos.storage import FilesystemPhotoStorage
from api.query_shape import ShapeMeter
from api.read_replica import ReadReplica, WriteTrackingSession
from api.request_id import RequestIdMiddleware
from api.schema.root import shared_schema
from api.trusted_documents import TrustedDocuments
from db.embedded import EmbeddedPostgres, to_libpq_uri
from db.engine import create_engine, create_session_factory
from db.migrations import head_revision

log = logging.getLogger("chainstore.app")


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    install_log_redaction()
    schema = shared_schema(settings)
    expected_head = head_revision()
    # Once per process, before serving: a bad CHAINSTORE_PII_KEYS stops start-up, not a request.
    key_ring = settings.pii_key_ring()
    telephony = load_adapter(settings.telephony_adapter)
    drain = lifecycle.Drain()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        embedded: EmbeddedPostgres | None = None
        url = settings.database_url
        if url is None:
            embedded = EmbeddedPostgres(settings.data_dir)
            url = await asyncio.to_thread(embedded.start)
        engine = create_engine(
            url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        )
        read_engine, replica = None, None
        if settings.database_read_url is not None:
            read_engine = create_engine(
                settings.database_read_url,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                application_name="chainstore-read",
                pre_ping=True,  # a replica restarted under us: found at checkout, not mid-query
                connect_timeout=2,
            )
            replica = ReadReplica(
                primary_url=url,
                replica_url=settings.database_read_url,
                engine=read_engine,
                max_lag_seconds=settings.replica_max_lag_seconds,
                check_seconds=settings.replica_check_seconds,
            )
        services = Services(
            settings=settings,
            engine=engine,
            # With a replica, the primary's sessions say when they wrote (read-your-writes).
            sessions=create_session_factory(
                engine, WriteTrackingSession if replica is not None else Session
            ),
            replica=replica,
            photos=FilesystemPhotoStorage(settings.data_dir / "photos"),
            key_ring=key_ring,
            telephony=telephony,
        )
        if replica is not None:
            await replica.start()  # a replica that is down is bypassed, not fatal
        # Built here, not at import: the database may be the embedded one, started above.
        app.state.services = services
        graphql_app.services = services
        if compiled is not None:
            compiled.executor = Executor(
                to_libpq_uri(engine.url.render_as_string(hide_password=False)),
                # Measured: at 4, requests queued for connections (member card app CPU x
                # plain 2.24 against 1.86 at 16); the hot reads hold it for one statement.
                max_size=settings.db_compiled_pool_size,
                max_cost=settings.max_query_cost,
                # With a replica, a write must note its WAL position (api/read_replica.py):
                # the interpreter's, so recordSale stays there.
                sales=SaleSettings(key_ring, settings.member_code_ttl_seconds)
                if replica is None
                else None,
            )
            await compiled.executor.open()
        events_lag = lifecycle.started(services, drain)
        # Everything built so far (schema, plans, modules) lives as long as the process: out
        # of the collector's generations, collections stop re-scanning it (PERFORMANCE.md 6).
        if settings.gc_freeze:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            await events_lag.stop()
            lifecycle.stopping(services)
            if settings.gc_freeze:
                gc.unfreeze()  # a process that starts apps again lets the old ones go
            if services.live is not None:  # live feeds start with the first subscription
                await services.live.stop()
            if compiled is not None and compiled.executor is not None:
                await compiled.executor.close()
                compiled.executor = None
            if replica is not None:
                await replica.stop()
            await engine.dispose()
            if read_engine is not None:
                await read_engine.dispose()
            if embedded is not None:
                embedded.stop()

    # Read, parsed and validated here, once: a broken document stops the server starting.
    trusted_documents = TrustedDocuments.load(
        schema._schema, settings.operations_dir, shape_problems(settings)
    )
    schema.trusted_documents = trusted_documents  # their requests skip parse and validation
    compiled = (
        CompiledOperations(
            schema._schema,
            trusted_documents,
            lookup_policy_from(
                settings.member_lookup_ceilings,
                alert_threshold=settings.member_view_alert_threshold,
                alert_window_minutes=settings.member_view_alert_window_minutes,
            ),
        )
        if settings.compiled_operations
        else None
    )
    graphql_app = ChainstoreGraphQL(
        schema,
        dev=settings.dev,
        trusted_documents=trusted_documents,
        trusted_only_roles=settings.trusted_only_roles,
        socket_init_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
        compiled=compiled,
    )

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, Any] = {"database": False, "migrations": False}
        services: Services | None = getattr(request.app.state, "services", None)
        if services is not None:
            try:
                async with services.sessions() as session:
                    version = await session.scalar(text("SELECT version_num FROM alembic_version"))
                checks["database"] = True
                checks["migrations"] = version == expected_head or newer_revision(
                    version, expected_head
                )
                if version != expected_head:
                    checks["migrationsDetail"] = f"at {version}, code expects {expected_head}"
            except Exception:  # readiness must answer, whatever the database does
                log.warning("readiness check failed", exc_info=True)
        checks["draining"] = drain.draining
        ready = checks["database"] and checks["migrations"] and not drain.draining
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    app = Starlette(
        routes=[
            Route("/", front_page(dev=settings.dev), methods=["GET"]),
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_app),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *photo_routes(),
            *board_routes(trusted_documents),
        ],
        middleware=[
            *_proxy_headers(settings),
            Middleware(RequestIdMiddleware),
            *lifecycle.middleware(drain),
            # POST /photos reads its body itself, within the larger photo cap.
            Middleware(
                BodyLimitMiddleware,
                max_bytes=settings.max_body_bytes,
                exempt_paths=frozenset({"/photos"}),
            ),
        ],
        lifespan=lifespan,
    )
    app.state.compiled = compiled
    lifecycle.traced(app, schema, settings)
    return app


def newer_revision(version: object, head: str) -> bool:
    """A later release's migration (ids are `00NN`, in order): this release still serves on
    it, since migrations only expand until the release after (docs/operations.md "Expand,
    then contract"), so a rolling upgrade's old instances stay in the load balancer. An older
    or unknown revision is not ready."""
    return (
        isinstance(version, str)
        and version.isdigit()
        and head.isdigit()
        and len(version) == len(head)
        and version > head
    )


def _proxy_headers(settings: Settings) -> list[Middleware]:
    """Forwarded headers are believed only from the configured proxies (none by default):
    uvicorn's own `proxy_headers` trusts 127.0.0.1, so any local client could pick the address
    the throttle counts."""
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    if not proxies:
        return []
    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)]


def shape_problems(settings: Settings) -> Callable[[DocumentNode], list[str]]:
    """What the endpoint's shape limits (api/limits.py) say of a document."""
    limits = ShapeLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_fields=settings.max_query_fields,
    )
    return lambda document: limits.problems(ShapeMeter(document).document_shape())


def app_from_environment() -> Starlette:
    """Factory for `uvicorn --factory` and the CLI's worker processes."""
    return create_app(Settings())
