"""What the `chainstore` commands share: the database they work on (DATABASE_URL or the
embedded server), migrating it, running one domain function in a session, the console."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.domain.errors import DomainError
from db.embedded import EmbeddedPostgres
from db.engine import create_engine, create_session_factory
from db.migrations import upgrade

console = Console(stderr=True)
T = TypeVar("T")


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The database URL: DATABASE_URL, or the embedded server started here and stopped after."""
    if settings.database_url is not None:
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.data_dir)
    console.print(f"[dim]embedded PostgreSQL in {embedded.pgdata}[/dim]")
    url = embedded.start()
    try:
        yield url
    finally:
        embedded.stop()


def migrate_to_head(url: str) -> None:
    with console.status("Migrating the database to head..."):
        upgrade(url)
    console.print("[green]database at the latest migration[/green]")


def run_in_session(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def main() -> T:
        engine = create_engine(url, pool_size=1, max_overflow=0)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        console.print(f"[red]{exc.code}:[/red] {exc.message}")
        raise typer.Exit(2) from exc
