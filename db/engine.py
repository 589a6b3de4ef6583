"""The async SQLAlchemy engine (psycopg 3) and session factory."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    application_name: str = "chainstore",
    pre_ping: bool = False,
    connect_timeout: int | None = None,
) -> AsyncEngine:
    """`pre_ping` and `connect_timeout` for a server that may go away without taking the app
    with it (the read replica): a dead pooled connection is found at checkout, a server that
    does not answer within the timeout is an error, not a hang."""
    connect_args: dict[str, object] = {
        "prepare_threshold": 2,  # hot statements repeat: prepared server-side after two uses
        "application_name": application_name,
    }
    if connect_timeout is not None:
        connect_args["connect_timeout"] = connect_timeout
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=pre_ping,
        connect_args=connect_args,
    )


def create_session_factory(
    engine: AsyncEngine, sync_session_class: type[Session] = Session
) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, sync_session_class=sync_session_class
    )
