"""Traces (the `otel` extra) with an in-memory exporter: a request makes a Starlette server
span, a GraphQL operation span with resolver spans and SQLAlchemy statement spans, all in one
trace; no span holds the document, a client-chosen operation name, a phone number or a
password, in any attribute, even when sent in a GET's URL."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.conftest import running_api
from tests.org_fixture import PASSWORD

EXPORTER = InMemorySpanExporter()
PHONE = "13555667788"


@pytest.fixture(scope="module", autouse=True)
def provider() -> None:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(tracer_provider)


async def test_spans_without_pii(org_db: str) -> None:
    EXPORTER.clear()
    async with running_api(org_db, tracing=True) as api:
        login = await api.client.post(
            "/graphql",
            json={
                "query": "mutation SignIn13555667788($u: String!, $p: String!) "
                "{ login(username: $u, password: $p) { token } }",
                "variables": {"u": "clerk.e1", "p": PASSWORD},
            },
        )
        token = login.json()["data"]["login"]["token"]
        await api.client.get(
            "/graphql",
            params={
                "query": "query($p: String!) { memberByPhone(phone: $p) { cardNumber } }",
                "variables": json.dumps({"p": PHONE}),
            },
            headers={"authorization": f"Bearer {token}"},
        )
        await api.client.post(
            "/graphql",
            json={"query": f'{{ memberByPhone(phone: "{PHONE}") {{ cardNumber }} }}'},
            headers={"authorization": f"Bearer {token}"},
        )
    spans = EXPORTER.get_finished_spans()
    names = [span.name for span in spans]
    assert "GraphQL operation" in names
    assert any(name.startswith("POST /graphql") for name in names), names
    sql = [span for span in spans if "db.statement" in (span.attributes or {})]
    assert sql, [(s.name, dict(s.attributes or {})) for s in spans][-12:]
    login_trace = {span.context.trace_id for span in spans if span.name == "GraphQL operation"}
    assert {span.context.trace_id for span in sql} & login_trace  # statements inside requests
    text = " ".join(
        f"{span.name} {dict(span.attributes or {})} {[e.attributes for e in span.events]}"
        for span in spans
    )
    assert PHONE not in text and PASSWORD not in text and token not in text
    assert "memberByPhone(" not in text and "mutation" not in text
