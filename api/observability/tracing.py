"""OpenTelemetry traces (the optional `otel` extra), on when CHAINSTORE_TRACING is true.

Spans come from Starlette (each HTTP request and socket), SQLAlchemy (each statement) and
Strawberry (operation, parse, validation, resolvers). The exporter is the standard `OTEL_*`
configuration's (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`, ...): a process with no
tracer provider yet gets an SDK provider exporting over OTLP/HTTP in batches. PII stays out:
no span carries a query document (Strawberry's `query` attribute is not set), resolver
arguments are kept only when their name is in SAFE_ARGUMENTS, and a URL keeps its query
parameters' names only (a GET carries its document and variables there).
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from typing import Any

from graphql import GraphQLResolveInfo
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from strawberry import Schema

from api.log_redaction import without_query_values

log = logging.getLogger("chainstore.tracing")

# Arguments that never hold personal data: paging, ids, codes of stores and products.
SAFE_ARGUMENTS = frozenset(
    {"first", "after", "last", "before", "id", "ids", "storeCode", "regionCode", "sku", "kind",
     "status", "lastEventId", "days", "month", "year"}
)  # fmt: skip
_URL_ATTRIBUTES = ("http.target", "http.url", "url.query", "url.full")


def safe_arguments(args: dict[str, Any], info: GraphQLResolveInfo[Any]) -> dict[str, Any]:
    return {name: value for name, value in args.items() if name in SAFE_ARGUMENTS}


def _strip_urls(span: Any, scope: dict[str, Any]) -> None:
    """Starlette's server span: URL attributes without query values."""
    if span is None or not span.is_recording():
        return
    for name in _URL_ATTRIBUTES:
        value = getattr(span, "attributes", {}).get(name)
        if isinstance(value, str):
            span.set_attribute(name, without_query_values(value) if "?" in value else "")
    query = scope.get("query_string", b"")
    if query:
        span.set_attribute("url.query", without_query_values("?" + query.decode("latin-1"))[1:])


def _ensure_provider() -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return  # configured already (by the operator's code, or a test's in-memory exporter)
    provider = TracerProvider()  # resource from OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found,unused-ignore]
            OTLPSpanExporter,
        )
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    except ImportError:
        log.warning("tracing on, but no OTLP exporter installed: pip install 'chainstore[otel]'")
    trace.set_tracer_provider(provider)


def enable_for_app(app: Starlette, schema: Schema) -> None:
    from opentelemetry.instrumentation.starlette import StarletteInstrumentor
    from strawberry.extensions import LifecycleStep
    from strawberry.extensions.tracing import OpenTelemetryExtension

    class PrivateOpenTelemetryExtension(OpenTelemetryExtension):
        """Strawberry's, without the document on the operation span."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, arg_filter=safe_arguments, **kwargs)

        def on_operation(self) -> Generator[None, None, None]:
            query = self.execution_context.query
            self.execution_context.query = None  # the span reads it; the executor reads later
            operation = super().on_operation()
            next(operation)
            self.execution_context.query = query
            # The name a client gave its operation is its own text: not in the span's name.
            self._span_holder[LifecycleStep.OPERATION].update_name("GraphQL operation")
            self._operation_name = "-"  # and no renaming at the end
            yield
            yield from _finish(operation)

    _ensure_provider()
    schema.extensions = (*schema.extensions, PrivateOpenTelemetryExtension)
    StarletteInstrumentor.instrument_app(app, server_request_hook=_strip_urls)


def _finish(generator: Generator[None, None, None]) -> Iterator[None]:
    try:
        next(generator)
    except StopIteration:
        return
    yield


def enable_for_engine(engine: AsyncEngine) -> None:
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # Its package declares SQLAlchemy < 2.1; the engine events it uses are unchanged in 2.1
    # (tests/ops/test_tracing.py sees the statement spans), so the version check is skipped.
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, skip_dep_check=True)
