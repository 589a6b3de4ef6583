"""Helpers for the operations tests that run `chainstore serve` as a real process."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import REPO

MANIFEST = json.loads((REPO / "operations" / "manifest.json").read_text())


def document_id(client: str, name: str) -> str:
    for key, entry in MANIFEST.items():
        if entry["client"] == client and entry["name"] == name:
            return str(key)
    raise KeyError(f"{client}/{name}")


def post(port: int, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json=body, headers=headers, timeout=30)
    result: dict[str, Any] = answer.json()
    return result


def by_document(
    port: int, client: str, name: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    return post(port, {"documentId": document_id(client, name), "variables": variables}, token)


def scrape(port: int) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample on the metrics port: name -> sorted labels -> value."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(dict)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[sample.name][tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def total(
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]], name: str, **labels: str
) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    return sum(
        value
        for key, value in samples.get(name, {}).items()
        if all((k, v) in key for k, v in labels.items())
    )


def json_lines(log: str) -> list[dict[str, Any]]:
    """The log's JSON lines (the CLI's own console lines, on stderr, are not JSON)."""
    lines = []
    for line in log.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def read(path: str | Path) -> str:
    return Path(path).read_text()
