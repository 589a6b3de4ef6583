"""Configuration from the environment (a CLI flag wins, by constructing Settings with it)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHAINSTORE_", extra="ignore")

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CHAINSTORE_DATABASE_URL")
    )
    data_dir: Path = Path("./var")
    # Per worker process. Connections beyond pool_size are closed on return (churn: a new
    # backend and no prepared statements), so size the pool for the steady concurrency.
    # Four workers at 16 + 4 stay under PostgreSQL's default of 100 connections.
    db_pool_size: int = Field(default=16, ge=1, le=200)
    db_max_overflow: int = Field(default=4, ge=0, le=200)

    # Sessions and sign-in throttling.
    session_ttl_minutes: int = Field(default=12 * 60, ge=5)
    login_max_failures_per_user: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    login_block_seconds: int = Field(default=15 * 60, ge=1)

    # The endpoint's limits (documented in the README).
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    max_query_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=3000, ge=50)
    max_query_cost: int = Field(default=20000, ge=10)
    # "role" lets ADMIN and INTEGRATOR callers introspect; "all" and "none" do what they say.
    introspection: str = Field(default="role", pattern="^(role|all|none)$")
    dev: bool = False
