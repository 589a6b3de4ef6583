"""The app's only way to the server: trusted operations by `documentId`, photos by `POST
/photos`, each retried request carrying its idempotency key.

The operations are the repository's `operations/clerk/*.graphql`, named in
`operations/manifest.json` (`"sha256:<hex>" -> {client, name, type}`); the app sends only their
ids, so a clerk's token can do nothing the app does not do. Answers are classified for the
outbox (clerk_app/core/sync.py): what is worth retrying, what is refused for good, and when the
clerk must sign in again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from clerk_app.core.outbox import Entry, EntryKind
from clerk_app.core.sync import Delivered, Outcome, Refused, SignInNeeded, Transient

CLIENT = "clerk"
# Codes after which sending the same request again can only fail the same way.
PERMANENT_CODES = frozenset(
    {"BAD_USER_INPUT", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "PERSISTED_QUERY_NOT_FOUND"}
)
RETRY_CODES = frozenset({"RATE_LIMITED", "INTERNAL"})


class ApiError(Exception):
    """A GraphQL error answered to a request the clerk is waiting for (not an outbox entry)."""

    def __init__(self, code: str, message: str, extensions: dict[str, Any]) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extensions = extensions


@dataclass(frozen=True)
class Manifest:
    """Operation name -> document id, for one client."""

    ids: dict[str, str]

    @classmethod
    def load(cls, path: Path, client: str = CLIENT) -> Manifest:
        entries: dict[str, dict[str, str]] = json.loads(path.read_text())
        return cls({v["name"]: k for k, v in entries.items() if v["client"] == client})

    def document_id(self, name: str) -> str:
        try:
            return self.ids[name]
        except KeyError:
            raise KeyError(f"{name} is not a trusted operation of the clerk app") from None


def default_manifest_path() -> Path:
    return Path(__file__).resolve().parents[2] / "operations" / "manifest.json"


class ApiClient:
    def __init__(
        self,
        server_url: str,
        manifest: Manifest,
        *,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.manifest = manifest
        self.token: str | None = None
        self._http = httpx.AsyncClient(
            base_url=self.server_url, timeout=timeout, transport=transport
        )

    async def close(self) -> None:
        await self._http.aclose()

    def _headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {"accept": "application/graphql-response+json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if idempotency_key:
            headers["idempotency-key"] = idempotency_key
        return headers

    async def run(self, operation: str, variables: dict[str, Any] | None = None) -> Any:
        """Run a trusted operation now (a look-up the clerk waits for); raises ApiError."""
        response = await self._http.post(
            "/graphql",
            json={"documentId": self.manifest.document_id(operation), "variables": variables or {}},
            headers=self._headers(),
        )
        body = _json(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            first = errors[0]
            extensions = first.get("extensions") or {}
            raise ApiError(
                str(extensions.get("code", "INTERNAL")), first.get("message", ""), extensions
            )
        if response.status_code >= 400 or not isinstance(body, dict):
            raise ApiError("INTERNAL", f"HTTP {response.status_code}", {})
        return body.get("data")

    async def send(self, entry: Entry, variables: dict[str, Any]) -> Outcome:
        """Send one outbox entry with its idempotency key; never raises for the network."""
        try:
            if entry.kind is EntryKind.PHOTO:
                return await self._upload(entry)
            return await self._operation(entry, variables)
        except httpx.TransportError as exc:  # no network, a timeout, a dropped connection
            return Transient(f"network: {type(exc).__name__}")

    async def _upload(self, entry: Entry) -> Outcome:
        assert entry.file is not None
        with entry.file.open("rb") as image:
            response = await self._http.post(
                "/photos",
                files={"file": (entry.file.name, image, "application/octet-stream")},
                headers=self._headers(entry.idempotency_key),
            )
        if response.status_code in (200, 201):
            return Delivered(_json(response))
        error = (_json(response) or {}).get("error", {}) if _is_json(response) else {}
        reason = f"{error.get('code', response.status_code)}: {error.get('message', '')}".strip()
        if response.status_code == 401:
            return SignInNeeded(reason)
        if response.status_code == 429 or response.status_code >= 500:
            return Transient(reason)
        return Refused(reason)

    async def _operation(self, entry: Entry, variables: dict[str, Any]) -> Outcome:
        assert entry.operation is not None
        sent = _with_key(variables, entry.idempotency_key)
        response = await self._http.post(
            "/graphql",
            json={"documentId": self.manifest.document_id(entry.operation), "variables": sent},
            headers=self._headers(),
        )
        if response.status_code >= 500 and not _is_json(response):
            return Transient(f"HTTP {response.status_code}")
        body = _json(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        if not errors:
            if not isinstance(body, dict) or response.status_code >= 400:
                return Transient(f"HTTP {response.status_code}")
            return Delivered(body.get("data"))
        extensions = errors[0].get("extensions") or {}
        code = str(extensions.get("code", "INTERNAL"))
        reason = f"{code}: {errors[0].get('message', '')}"
        if code == "UNAUTHENTICATED":
            return SignInNeeded(reason)
        if code in PERMANENT_CODES:
            return Refused(reason)
        return Transient(reason)


def _with_key(variables: dict[str, Any], key: str) -> dict[str, Any]:
    """Every retried mutation takes `input.idempotencyKey` (README, "Retries")."""
    if isinstance(variables.get("input"), dict):
        return {**variables, "input": {**variables["input"], "idempotencyKey": key}}
    return variables


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
