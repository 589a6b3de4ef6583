"""Configuration from the environment (a CLI flag wins, by constructing Settings with it)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from api.domain.access import TRUSTED_ONLY_ROLES, parse_trusted_only_roles
from api.trusted_documents import OPERATIONS_DIR
from db.models import Role
from db.pii import KeyRing, load_key_ring


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHAINSTORE_", extra="ignore")

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CHAINSTORE_DATABASE_URL")
    )
    data_dir: Path = Path("./var")
    # Per worker process. Connections beyond pool_size are closed on return (churn: a new
    # backend and no prepared statements), so size the pool for the steady concurrency.
    # The compiled operations (api/compiled/) have a pool of their own: four workers at
    # 12 + 4 + 8 stay under PostgreSQL's default of 100 connections.
    db_pool_size: int = Field(default=12, ge=1, le=200)
    db_max_overflow: int = Field(default=4, ge=0, le=200)
    db_compiled_pool_size: int = Field(default=8, ge=1, le=200)

    # Sessions and sign-in throttling.
    session_ttl_minutes: int = Field(default=12 * 60, ge=5)
    login_max_failures_per_user: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    login_block_seconds: int = Field(default=15 * 60, ge=1)

    # Addresses (or CIDR networks) of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto
    # are believed: comma-separated, empty by default, so no client chooses its own address
    # (the sign-in throttle counts per address).
    trusted_proxies: str = ""

    # The endpoint's limits (documented in the README).
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    max_query_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_query_fields: int = Field(default=5000, ge=10)  # once fragments are expanded
    max_tokens: int = Field(default=3000, ge=50)
    max_query_cost: int = Field(default=20000, ge=10)
    # "role" lets ADMIN and INTEGRATOR callers introspect; "all" and "none" do what they say.
    introspection: str = Field(default="role", pattern="^(role|all|none)$")

    # Members (README "Members"). PII keys: `<id>:<base64 32 bytes>,...` with an `index` entry;
    # unset, a development ring is generated in the data dir (with a loud warning).
    pii_keys: SecretStr | None = None
    member_code_ttl_seconds: int = Field(default=60, ge=10, le=600)
    # Distinct members one staff member may look up per hour, by role (overrides the defaults
    # in api/domain/members/limits.py, e.g. '{"CLERK": 100}').
    member_lookup_ceilings: dict[str, int] = Field(default_factory=dict)
    # A privacy alert when someone views more distinct profiles than this within the window.
    member_view_alert_threshold: int = Field(default=30, ge=1)
    member_view_alert_window_minutes: int = Field(default=60, ge=1, le=24 * 60)

    # Photos (README "Photos"): the upload's byte and decoded pixel caps, thumbnail edge.
    photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    photo_max_pixels: int = Field(default=40_000_000, ge=10_000)
    # Memory one decode may take (Pillow keeps RGB in four bytes a pixel): 64 MiB holds a
    # 16-megapixel photo; the clerk app sends smaller ones.
    photo_max_decoded_mib: int = Field(default=64, ge=1, le=1024)
    photo_thumbnail_px: int = Field(default=320, ge=32, le=2048)

    # Shifts (README "Shift handover"): a handover later than this after the shift's window
    # counts as late; none by then counts as missing.
    handover_grace_minutes: int = Field(default=30, ge=0, le=24 * 60)

    # Complaints (README "Complaints"): a resolved or closed complaint may be reopened for
    # this many days.
    complaint_reopen_days: int = Field(default=7, ge=0, le=365)

    # Slow clients (api/slow_clients.py): the request head must arrive within this of the
    # connection opening (or of its first byte), the body with no gap longer than the idle
    # limit and whole within the last (a 10 MiB photo at 64 kB/s takes 160 s).
    header_read_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    body_read_idle_timeout_seconds: float = Field(default=20.0, gt=0, le=600)
    body_read_timeout_seconds: float = Field(default=300.0, gt=0, le=3600)
    # Customer calls (api/domain/customer_calls.py): the masked-number bridge's adapter
    # (`recording`, or `module:factory` returning a TelephonyAdapter, api/domain/telephony.py)
    # and how many calls one staff member may place in a rolling hour.
    telephony_adapter: str = "recording"
    customer_calls_per_hour: int = Field(default=20, ge=1, le=1000)

    # Live feeds: how often each process re-checks the tokens behind its open sockets.
    ws_auth_recheck_seconds: float = Field(default=2.0, gt=0, le=60)
    # A socket must send connection_init within this; a token holds at most this many sockets
    # (in all worker processes together), each with at most this many operations running.
    ws_init_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    ws_max_sockets_per_token: int = Field(default=4, ge=1, le=100)
    ws_max_subscriptions_per_socket: int = Field(default=10, ge=1, le=100)
    # permessage-deflate costs CPU per frame on every socket; live events are small JSON.
    ws_per_message_deflate: bool = False
    dev: bool = False

    # Sales: how long after a sale its goods may be returned (at any store).
    return_window_days: int = Field(default=30, ge=0, le=3650)

    # Analytics (api/domain/analytics/kpis.py): the day the system went live; each KPI's
    # baseline is its value over the three store-local months before that day's month.
    analytics_go_live: date | None = None

    # `chainstore worker`: how often each scheduled scan runs, and what the scans look for.
    worker_interval_seconds: int = Field(default=300, ge=1)
    # Monthly partitions (api/ops/partitions.py, docs/scale.md): months created ahead, and
    # how many whole months back stay attached; older ones are archived to <data dir>/archive
    # (pg_dump custom format) and detached, kept as plain tables. 0 keeps every month.
    partition_months_ahead: int = Field(default=3, ge=1, le=24)
    partition_retention_months: int = Field(default=25, ge=0, le=1200)
    slow_mover_days: int = Field(default=3, ge=1, le=60)  # store-local days without a sale
    near_expiry_days: int = Field(default=3, ge=0, le=365)  # batches expiring within this

    # Trusted documents (README "Trusted documents"): the roles that may run only the stored
    # operations ("none" lifts the rule), and where those operations are read from.
    trusted_only_roles: Annotated[frozenset[Role], NoDecode] = TRUSTED_ONLY_ROLES
    operations_dir: Path = OPERATIONS_DIR
    # Trusted queries compiled to one SQL statement each (api/compiled/); 0 runs them all on
    # the interpreter, as free-form documents always are.
    compiled_operations: bool = True
    # gc.freeze() once the app has started (PERFORMANCE.md, recipe 6). Off only where apps are
    # started by the hundred in one process (the test suite), which pay a full collection each.
    gc_freeze: bool = True

    # Demand forecasts and days of cover (api/domain/forecasting/): the weather adapter
    # (`recorded`, or `module:factory` returning a WeatherAdapter), the horizon and history
    # read, how much one worker run may do (it resumes after the last series next run), the
    # cover a SKU needs (supplier lead time plus safety days, then an order cycle on top for
    # the draft's quantity), and which categories follow hot days (above hot_from_c).
    weather_adapter: str = "recorded"
    forecast_horizon_days: int = Field(default=14, ge=1, le=60)
    forecast_history_days: int = Field(default=400, ge=14, le=1100)
    forecast_max_series_per_run: int = Field(default=5000, ge=1)
    forecast_max_seconds_per_run: float = Field(default=60.0, gt=0, le=3600)
    forecast_lead_time_days: int = Field(default=2, ge=0, le=60)
    forecast_safety_days: int = Field(default=1, ge=0, le=60)
    forecast_order_cycle_days: int = Field(default=7, ge=0, le=60)
    forecast_hot_from_c: float = Field(default=25.0, ge=-30, le=50)
    forecast_weather_categories: str = "BEVERAGES,FROZEN"
    forecast_promotion_uplift: float = Field(default=1.3, ge=1.0, le=5.0)
    # Operations (docs/operations.md): logs as JSON lines or console text on stdout; the
    # Prometheus scrape on its own port (unset: none), never on the API's listener; on
    # SIGTERM, /readyz answers 503 and sockets close with 1001 this long before uvicorn stops
    # accepting; then requests in flight get up to the graceful timeout to finish.
    log_format: str = Field(default="json", pattern="^(json|console)$")
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    drain_seconds: float = Field(default=1.0, ge=0, le=300)
    # A worker that `serve` starts (at start, on SIGHUP's rolling restart, after a crash) must
    # answer within this, and a running one must answer uvicorn's pings within it; uvicorn's
    # 5 s is shorter than an app start on a busy machine, which aborted rolling restarts.
    worker_start_timeout_seconds: int = Field(default=60, ge=5, le=600)
    graceful_timeout_seconds: float = Field(default=10.0, gt=0, le=3600)
    # OpenTelemetry traces (the `otel` extra; exporter from the standard OTEL_* variables).
    tracing: bool = False

    @field_validator("trusted_only_roles", mode="before")
    @classmethod
    def _roles_from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse_trusted_only_roles(value)
        except ValueError as exc:
            raise ValueError(f"CHAINSTORE_TRUSTED_ONLY_ROLES: {exc}") from None

    # Reads that tolerate lag (analytics, the board's lists: api/read_replica.py) go to this
    # server when set, a streaming replica of DATABASE_URL; unset, they read the primary. The
    # replica is checked this often, and bypassed while it is further behind than the lag.
    database_read_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_READ_URL", "CHAINSTORE_DATABASE_READ_URL"),
    )
    replica_max_lag_seconds: float = Field(default=10.0, gt=0, le=3600)
    replica_check_seconds: float = Field(default=1.0, gt=0, le=60)

    def pii_key_ring(self) -> KeyRing:
        """The PII key ring these settings name (`pii_keys`, else the data dir's development
        ring). The app factory builds it once and hands it down; rules never read keys."""
        spec = self.pii_keys.get_secret_value() if self.pii_keys else None
        return load_key_ring(spec, self.data_dir)
