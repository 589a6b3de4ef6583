"""Shared fixtures: a real PostgreSQL (embedded, or DATABASE_URL's server), migrated template
databases cloned per test, the ASGI app with an HTTP client, and a SQL statement counter."""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from graphql import GraphQLObjectType
from psycopg import sql
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.app import create_app
from api.config import Settings
from api.domain import auth, global_ids
from api.domain.error_reasons import ErrorCode, ErrorReason
from api.schema.root import schema
from db.embedded import EmbeddedPostgres, to_libpq_uri, to_sqlalchemy_url
from db.engine import create_engine, create_session_factory
from db.migrations import upgrade
from db.models import TokenKind
from tests.org_fixture import PASSWORD, build_org

REPO = Path(__file__).resolve().parent.parent
_counter = itertools.count()


class _Dropper:
    """Drops finished tests' databases on a thread of its own: a drop waits on the server's
    disk (it flushes and unlinks the database's files) and the next test need not wait for it.
    `drain()` waits until every database handed over is gone."""

    def __init__(self, server: PgServer) -> None:
        self._server = server
        self._names: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="drop-databases", daemon=True)
        self._thread.start()

    def put(self, name: str) -> None:
        self._names.put(name)

    def drain(self) -> None:
        self._names.join()

    def _run(self) -> None:
        while True:
            name = self._names.get()
            try:
                self._server.drop(name)
            except Exception as exc:  # a database left behind is named, never fatal
                print(f"could not drop test database {name}: {exc}")
            finally:
                self._names.task_done()


@dataclass
class PgServer:
    """A PostgreSQL server the tests may create and drop databases on."""

    base_url: str  # SQLAlchemy URL of the maintenance database
    _dropper: _Dropper | None = None

    def drop_soon(self, name: str) -> None:
        """Drop `name` in the background (see _Dropper)."""
        if self._dropper is None:
            self._dropper = _Dropper(self)
        self._dropper.put(name)

    def drain(self) -> None:
        if self._dropper is not None:
            self._dropper.drain()

    def url(self, database: str) -> str:
        return make_url(self.base_url).set(database=database).render_as_string(hide_password=False)

    def admin(self) -> psycopg.Connection[Any]:
        # Bounded: a drop stuck behind a lock fails with a message instead of hanging the suite.
        return psycopg.connect(
            to_libpq_uri(self.base_url),
            autocommit=True,
            connect_timeout=10,
            options="-c statement_timeout=120s",
        )

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            if template:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(template)
                    )
                )
            else:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        server = PgServer(to_sqlalchemy_url(configured))
        yield server
        server.drain()
        return
    data_dir = Path(os.environ.get("CHAINSTORE_TEST_DATA_DIR", REPO / "var" / "test"))
    embedded = EmbeddedPostgres(data_dir)
    url = embedded.start()
    server = PgServer(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    try:
        yield server
    finally:
        server.drain()
        embedded.stop()


@pytest.fixture(scope="session")
def empty_template(pg_server: PgServer) -> Iterator[str]:
    """A database migrated to head and nothing else; cloned for each test that asks."""
    name = f"cs_tpl_empty_{os.getpid()}"
    upgrade(pg_server.create(name))
    yield name
    pg_server.drop(name)


@pytest.fixture(scope="session")
async def org_template(pg_server: PgServer, empty_template: str) -> AsyncIterator[str]:
    """The empty template plus a small chain (tests/org_fixture.py)."""
    name = f"cs_tpl_org_{os.getpid()}"
    url = pg_server.create(name, template=empty_template)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with create_session_factory(engine)() as session, session.begin():
        await build_org(session)
    await engine.dispose()
    yield name
    pg_server.drop(name)


def _clone(pg_server: PgServer, template: str) -> Iterator[str]:
    name = f"cs_test_{os.getpid()}_{next(_counter)}"
    url = pg_server.create(name, template=template)
    try:
        yield url
    finally:
        pg_server.drop_soon(name)


@pytest.fixture
def empty_db(pg_server: PgServer, empty_template: str) -> Iterator[str]:
    yield from _clone(pg_server, empty_template)


@pytest.fixture
def org_db(pg_server: PgServer, org_template: str) -> Iterator[str]:
    yield from _clone(pg_server, org_template)


@pytest.fixture
async def session(empty_db: str) -> AsyncIterator[AsyncSession]:
    """A session on a fresh, migrated, empty database."""
    engine = create_engine(empty_db, pool_size=2, max_overflow=0)
    async with create_session_factory(engine)() as s:
        yield s
    await engine.dispose()


@pytest.fixture
async def org_session(org_db: str) -> AsyncIterator[AsyncSession]:
    """A session on a fresh copy of the small chain."""
    engine = create_engine(org_db, pool_size=2, max_overflow=0)
    async with create_session_factory(engine)() as s:
        yield s
    await engine.dispose()


_ERROR_EXTENSIONS = schema._schema.get_type("ErrorExtensions")
assert isinstance(_ERROR_EXTENSIONS, GraphQLObjectType)
_EXTENSION_KEYS = frozenset(_ERROR_EXTENSIONS.fields)


def check_error_vocabulary(response: httpx.Response) -> None:
    """Every error code, reason and extension key, and every hidden field's reason, in a
    response is one the SDL documents (`ErrorCode`, `ErrorReason`, `ErrorExtensions`): run on
    every response the suite receives, so a free-form reason fails the test that caused it."""
    if "json" not in response.headers.get("content-type", ""):
        return
    body = response.json()
    if not isinstance(body, dict):
        return
    for error in body.get("errors") or []:
        extensions = error.get("extensions", {})
        assert extensions.get("code") in ErrorCode.__members__, error
        reason = extensions.get("reason")
        assert reason is None or reason in ErrorReason.__members__, error
        assert extensions.keys() <= _EXTENSION_KEYS, error
    for hidden in (body.get("extensions") or {}).get("hiddenFields", []):
        assert hidden["reason"] in ErrorReason.__members__, hidden


class Api:
    """The real ASGI app over HTTP (httpx), on its own database."""

    def __init__(self, client: httpx.AsyncClient, engine: AsyncEngine, url: str) -> None:
        self.client = client
        self.engine = engine
        self.url = url

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["authorization"] = f"Bearer {token}"
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        response = await self.client.post("/graphql", json=body, headers=all_headers)
        check_error_vocabulary(response)
        return response

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await self.post(query, variables, token=token, headers=headers)
        assert response.headers["content-type"].startswith(
            ("application/graphql-response+json", "application/json")
        ), response.text
        result: dict[str, Any] = response.json()
        return result

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The `data` of a response that must have no errors."""
        result = await self.gql(query, variables, token=token)
        assert "errors" not in result, result["errors"]
        data: dict[str, Any] = result["data"]
        return data

    async def login(self, username: str, password: str = PASSWORD) -> str:
        data = await self.data(
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            {"u": username, "p": password},
        )
        token: str = data["login"]["token"]
        return token

    async def token_for(self, username: str) -> str:
        """A session token issued directly (no argon2 round): for tests not about sign-in."""
        from sqlalchemy import select

        from db.models import Staff

        async with create_session_factory(self.engine)() as s, s.begin():
            staff_id = await s.scalar(select(Staff.id).where(Staff.username == username))
            assert staff_id is not None, username
            from datetime import timedelta

            issued = await auth.issue_token(
                s, staff_id=staff_id, kind=TokenKind.SESSION, lifetime=timedelta(hours=1)
            )
        return issued.token

    @contextlib.contextmanager
    def count_sql(self) -> Iterator[list[str]]:
        """Collect the SQL statements the app runs inside the block."""
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        target = self.engine.sync_engine
        event.listen(target, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(target, "before_cursor_execute", record)


# Servers the tests start as processes (`chainstore serve`) inherit the environment: the
# trusted-documents rule is lifted there too, unless a test says otherwise (tests/trusted/,
# tests/test_quick_start.py run under the real default).
os.environ.setdefault("CHAINSTORE_TRUSTED_ONLY_ROLES", "none")


def test_settings(url: str, **overrides: Any) -> Settings:
    """Settings for a test's app. The trusted-documents rule is lifted (the inner layers' tests
    send their own documents as store staff); tests/trusted/ runs under the real default."""
    overrides.setdefault("trusted_only_roles", "none")
    overrides.setdefault("gc_freeze", False)  # a full collection per test's app, for nothing
    return Settings(database_url=url, db_pool_size=4, db_max_overflow=4, **overrides)


@contextlib.asynccontextmanager
async def running_api(
    url: str, *, client_address: str = "127.0.0.1", **overrides: Any
) -> AsyncIterator[Api]:
    app = create_app(test_settings(url, **overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(client_address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, app.state.services.engine, url)


@pytest.fixture
async def api(org_db: str) -> AsyncIterator[Api]:
    """The app on a fresh copy of the small chain."""
    async with running_api(org_db) as a:
        yield a


def row_id(global_id: str) -> int:
    """The table row behind a global id the API answered (for tests that read rows back)."""
    return int(global_ids.decode(global_id, argument="id").key)
