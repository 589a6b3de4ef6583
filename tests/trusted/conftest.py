"""The app under the real default rule (store roles run trusted documents only), and requests
that name a stored document by id, as the clerk app and tills send them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.domain.access import TRUSTED_ONLY_ROLES
from api.trusted_documents import read_operations
from tests.conftest import Api, running_api

DOCUMENT_IDS = {stored.name: stored.id for stored, _ in read_operations()}
DOCUMENT_TEXTS = {stored.name: stored.path.read_text() for stored, _ in read_operations()}
DEFAULT_RULE = ",".join(sorted(TRUSTED_ONLY_ROLES))


@pytest.fixture
async def api(org_db: str) -> AsyncIterator[Api]:
    """The small chain's app with CHAINSTORE_TRUSTED_ONLY_ROLES at its default."""
    async with running_api(org_db, trusted_only_roles=DEFAULT_RULE) as a:
        yield a


async def persisted(
    api: Api,
    name_or_id: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    **extra: Any,
) -> httpx.Response:
    """POST /graphql with `{"documentId": ..., "variables": ...}` (and any `extra` members)."""
    body: dict[str, Any] = {"documentId": DOCUMENT_IDS.get(name_or_id, name_or_id), **extra}
    if variables is not None:
        body["variables"] = variables
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await api.client.post("/graphql", json=body, headers=headers)


def only_error(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("data") is None, result
    [error] = result["errors"]
    return dict(error)


ISSUE_TOKEN = """mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id trustedDocumentsOnly } }
}"""


async def integrator_token(api: Api, name: str, *, trusted_documents_only: bool) -> str:
    """An E1 till's token granted RECORD_SALES, issued by ADMIN."""
    data = await api.data(
        ISSUE_TOKEN,
        {
            "input": {
                "name": name,
                "expiresInDays": 30,
                "storeCode": "E1",
                "grants": ["RECORD_SALES"],
                "trustedDocumentsOnly": trusted_documents_only,
            }
        },
        token=await api.token_for("admin"),
    )
    issued = data["createApiToken"]
    assert issued["apiToken"]["trustedDocumentsOnly"] is trusted_documents_only
    return str(issued["token"])
