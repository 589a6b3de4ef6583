"""The app with its data dir in a temporary directory, so stored photos can be inspected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import Api, running_api


@pytest.fixture
async def photo_api(org_db: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(org_db, data_dir=tmp_path) as api:
        yield api


async def upload(
    api: Api,
    data: bytes,
    *,
    token: str | None,
    key: str | None = None,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
) -> httpx.Response:
    headers: dict[str, str] = {}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    if key is not None:
        headers["idempotency-key"] = key
    return await api.client.post(
        "/photos", files={"file": (filename, data, content_type)}, headers=headers
    )


def stored_files(data_dir: Path) -> list[Path]:
    root = data_dir / "photos"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def blob_path(data_dir: Path, sha256: str) -> Path:
    return data_dir / "photos" / sha256[:2] / sha256[2:4] / sha256


async def photo_rows(api: Api) -> list[dict[str, Any]]:
    async with api.engine.connect() as conn:
        result = await conn.execute(text("SELECT * FROM photo ORDER BY created_at, id"))
        return [dict(row) for row in result.mappings()]
