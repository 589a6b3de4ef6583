"""The `chainstore` command: serve, migrate, seed, staff administration, trusted documents."""

from __future__ import annotations

import asyncio
import logging.config
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.ext.asyncio import AsyncSession

from api import cli_backup
from api.cli_support import console, database, migrate_to_head, run_in_session
from api.config import Settings
from api.logging_config import log_config
from db.models import Role

if TYPE_CHECKING:
    pass

app = typer.Typer(help="Chainstore: one nervous system for a retail chain.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
analytics_app = typer.Typer(help="Analytics rollups.", no_args_is_help=True)
app.add_typer(analytics_app, name="analytics")
weather_app = typer.Typer(help="Recorded weather for demand forecasts.", no_args_is_help=True)
app.add_typer(weather_app, name="weather")


@app.command()
def migrate(
    check: Annotated[
        bool, typer.Option("--check", help="Only check: exit 1 unless the database is at head.")
    ] = False,
) -> None:
    """Migrate the database to the latest schema (`--check`: change nothing, for pipelines)."""
    with database(Settings()) as url:
        if check:
            from api.ops.migrate_check import check_at_head

            at_head, message = check_at_head(url)
            typer.echo(message)
            raise typer.Exit(0 if at_head else 1)
        migrate_to_head(url)


@app.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo chain.")] = False,
    history_days: Annotated[
        int,
        typer.Option(
            "--history-days",
            min=0,
            max=730,
            help="Also generate this many days of sales history (once) and build the rollups.",
        ),
    ] = 0,
    history_seed: Annotated[
        int, typer.Option("--history-seed", help="Seed of the history's generators.")
    ] = 20261202,
) -> None:
    """Load data. `--demo` loads the demo chain (safe to run again: nothing is duplicated) and
    prints what it holds, the sign-in accounts and member cards to scan. `--history-days N`
    adds N days of realistic sales up to yesterday (deterministic for a seed)."""
    if not demo:
        console.print("Nothing to seed: pass --demo for the demo chain.")
        raise typer.Exit(2)
    from api.demo.seed import seed_demo
    from api.demo.summary import DemoChain, SeedReport, describe_demo_chain, summary_lines

    settings = Settings()
    ring = settings.pii_key_ring()
    with database(settings) as url:
        migrate_to_head(url)
        with Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(label: str, done: int, total: int) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.update(tasks[label], completed=done, total=total)

            async def work(session: AsyncSession) -> tuple[SeedReport, DemoChain]:
                from api.demo.history import history_start

                stock_as_of = history_start(history_days) if history_days else None
                report = await seed_demo(
                    session, progress=progress, ring=ring, stock_as_of=stock_as_of
                )
                return report, await describe_demo_chain(session)

            report, chain = run_in_session(url, work)
            if history_days:
                from api.demo.history import generate_history

                history = run_in_session(
                    url,
                    lambda session: generate_history(
                        session,
                        days=history_days,
                        ring=ring,
                        seed=history_seed,
                        progress=progress,
                    ),
                )
    # The summary is the command's answer (stdout); progress and status went to stderr.
    typer.echo("\n".join(summary_lines(report, chain)))
    if history_days:
        typer.echo(
            "history: already present, nothing added"
            if history.already_present
            else f"history: {history.days} days, {history.sales} sales, {history.lines} sale "
            f"lines, {history.returns} returns, {history.members} members, "
            f"{history.shifts} shifts"
        )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    dev: Annotated[bool, typer.Option("--dev", help="GraphiQL on GET /graphql.")] = False,
    no_migrate: Annotated[bool, typer.Option("--no-migrate", help="Skip migrating.")] = False,
    log_format: Annotated[
        str | None, typer.Option("--log-format", help="json or console (CHAINSTORE_LOG_FORMAT).")
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option("--metrics-port", help="Prometheus port (CHAINSTORE_METRICS_PORT)."),
    ] = None,
) -> None:
    """Serve the API (migrating to head first unless --no-migrate)."""
    import uvicorn

    from api.observability.serving import metrics_for_serve

    settings = _ops_settings(log_format, metrics_port)
    logs = log_config(settings.log_level, settings.log_format)
    logging.config.dictConfig(logs)
    # uvicorn re-raises SIGTERM/SIGINT after its shutdown; exiting normally (not by the default
    # handler) runs the cleanup below, which stops the embedded server.
    signal.signal(signal.SIGTERM, _exit_normally)
    signal.signal(signal.SIGINT, _exit_normally)
    with database(settings) as url:
        if not no_migrate:
            migrate_to_head(url)
        # Worker processes inherit the resolved database (the embedded one started here).
        os.environ["DATABASE_URL"] = url
        if dev:
            os.environ["CHAINSTORE_DEV"] = "true"
        console.print(f"serving on http://{host}:{port}/graphql with {workers} worker(s)")
        try:
            with metrics_for_serve(settings, url, workers):
                uvicorn.run(
                    "api.app:app_from_environment",
                    factory=True,
                    host=host,
                    port=port,
                    workers=workers,
                    log_config=logs,
                    proxy_headers=False,  # the app believes only CHAINSTORE_TRUSTED_PROXIES
                    http="api.slow_clients:SlowClientGuard",  # read timeouts uvicorn lacks
                    timeout_graceful_shutdown=int(settings.graceful_timeout_seconds),
                    timeout_worker_healthcheck=settings.worker_start_timeout_seconds,
                    ws_per_message_deflate=settings.ws_per_message_deflate,
                )
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise


def _ops_settings(log_format: str | None, metrics_port: int | None) -> Settings:
    """Settings with the command line's word over the environment's."""
    overrides: dict[str, object] = {}
    if log_format is not None:
        overrides["log_format"] = log_format
        os.environ["CHAINSTORE_LOG_FORMAT"] = log_format  # worker processes read it too
    if metrics_port is not None:
        overrides["metrics_port"] = metrics_port
    return Settings(**overrides)  # type: ignore[arg-type]


def _exit_normally(signum: int, frame: object) -> None:
    raise SystemExit(0)


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run each scheduled job once, then exit.")
    ] = False,
    interval: Annotated[
        int | None,
        typer.Option(min=1, help="Seconds between runs (CHAINSTORE_WORKER_INTERVAL_SECONDS)."),
    ] = None,
) -> None:
    """Run the scheduled scans (slow movers, near expiry); several workers may run at once."""
    from api.worker import run_worker

    settings = Settings() if interval is None else Settings(worker_interval_seconds=interval)
    logging.config.dictConfig(log_config(settings.log_level, settings.log_format))
    if settings.worker_metrics_port is not None and not once:
        from api.observability.metrics import serve_metrics

        serve_metrics(settings.metrics_host, settings.worker_metrics_port, None)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)  # finish the current job, then exit
        for outcome in await run_worker(url, settings, once=once, stop=stop):
            console.print(outcome.describe())

    with database(settings) as url:
        asyncio.run(main())


@app.command("schema")
def print_schema() -> None:
    """Print the GraphQL SDL (committed as schema.graphql)."""
    from api.schema.root import schema

    sys.stdout.write(schema.as_str() + "\n")


@app.command("operations")
def write_operations(
    check: Annotated[
        bool, typer.Option("--check", help="Only check: exit 1 if the manifest is stale.")
    ] = False,
) -> None:
    """Validate operations/<client>/*.graphql against the schema and write
    operations/manifest.json (document id -> client, name, type)."""
    from api.schema.root import schema
    from api.trusted_documents import (
        CLIENTS,
        MANIFEST_NAME,
        OperationFileError,
        TrustedDocuments,
        manifest_text,
    )

    settings = Settings()
    try:
        with console.status("Validating the trusted documents against the schema..."):
            store = TrustedDocuments.load(schema._schema, settings.operations_dir)
    except OperationFileError as exc:
        console.print(f"[red]invalid:[/red] {exc}")
        raise typer.Exit(2) from exc
    documents = list(store)
    for client in CLIENTS:
        names = sorted(d.name for d in documents if d.client == client)
        console.print(f"{client:<6} {len(names):>3} operation(s) {', '.join(names)}")
    path = settings.operations_dir / MANIFEST_NAME
    text = manifest_text(documents)
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if current == text:
        console.print(f"[green]{path} is current[/green] ({len(documents)} documents)")
    elif check:
        console.print(f"[red]{path} is stale:[/red] run `chainstore operations`")
        raise typer.Exit(1)
    else:
        path.write_text(text, encoding="utf-8")
        console.print(f"[green]wrote {path}[/green] ({len(documents)} documents)")


@staff_app.command("create")
def staff_create(
    username: Annotated[str, typer.Option(help="Lower-case login name.")],
    role: Annotated[Role, typer.Option(case_sensitive=False, help="The staff member's role.")],
    store: Annotated[str | None, typer.Option(help="Home store code.")] = None,
    region: Annotated[str | None, typer.Option(help="Home region code.")] = None,
    display_name: Annotated[str | None, typer.Option(help="Name shown to colleagues.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff account."""
    from api.domain.staff import NewStaff, create_staff_as_operator

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if role is not Role.INTEGRATOR and password is None:
        console.print("Pass --password-stdin and the password on standard input.")
        raise typer.Exit(2)
    new = NewStaff(
        username=username.strip().lower(),
        display_name=display_name or username,
        role=role,
        password=password,
        store_code=store,
        region_code=region,
    )
    with database(Settings()) as url:
        staff = run_in_session(url, lambda s: create_staff_as_operator(s, new))
    console.print(f"[green]created[/green] {staff.username} ({staff.role})")


@staff_app.command("freeze")
def staff_freeze(username: Annotated[str, typer.Argument(help="The account to freeze.")]) -> None:
    """Freeze an account: its tokens are refused from the next request on."""
    from api.domain.staff import freeze_staff_by_username

    with database(Settings()) as url:
        staff = run_in_session(url, lambda s: freeze_staff_by_username(s, username.lower()))
    console.print(f"[yellow]frozen[/yellow] {staff.username}")


@staff_app.command("confirm-grant")
def staff_confirm_grant(
    grant_id: Annotated[
        str, typer.Argument(help="The grant: its number or ComplianceGrant global id.")
    ],
) -> None:
    """Confirm a pending HQ_COMPLIANCE grant as its second person, on the server (logged in the
    PII access log, and announced to HQ compliance)."""
    from api.domain import global_ids
    from api.domain.compliance_grants import confirm_grant_on_server

    async def work(session: AsyncSession) -> int:
        if grant_id.isascii() and grant_id.isdigit():
            key = int(grant_id) if len(grant_id) <= 9 else 0  # no grant has a longer number
        else:
            key = global_ids.expect(grant_id, "ComplianceGrant", argument="id")
        return (await confirm_grant_on_server(session, key)).id

    with database(Settings()) as url:
        key = run_in_session(url, work)
    console.print(f"[green]confirmed[/green] compliance grant {key}")


@analytics_app.command("rebuild")
def analytics_rebuild() -> None:
    """Recompute every analytics rollup from the ledgers (after a bulk load, or to repair)."""
    from api.domain.analytics.rebuild import rebuild_rollups

    with database(Settings()) as url:
        migrate_to_head(url)
        with console.status("Rebuilding the analytics rollups from the ledgers..."):
            report = run_in_session(url, rebuild_rollups)
    for table, rows in report.rows.items():
        typer.echo(f"{table}: {rows} rows")


@weather_app.command("load")
def weather_load(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A .csv (with a header) or .json.")
    ],
) -> None:
    """Load recorded weather forecasts (store_code or region_code, date, temp_max_c,
    precipitation_mm) for the forecaster's recorded adapter; a bad row refuses the file."""
    from api.domain.forecasting.weather_load import load_weather

    content = path.read_text(encoding="utf-8")
    json_format = path.suffix.lower() == ".json"
    with database(Settings()) as url:
        migrate_to_head(url)
        report = run_in_session(url, lambda s: load_weather(s, content, json_format=json_format))
    typer.echo(
        f"loaded {report.rows} day(s) of weather for {report.stores} store(s) and "
        f"{report.regions} region(s), {report.first_day} to {report.last_day}"
    )


app.command()(cli_backup.backup)
app.command()(cli_backup.restore)


def main() -> None:
    app()
