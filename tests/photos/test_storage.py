"""The filesystem blob store: content-addressed paths, idempotent atomic writes, safe keys."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from api.photos.storage import BlobMissing, FilesystemPhotoStorage, PhotoStorage


async def test_put_get_exists_under_a_fanned_out_path(tmp_path: Path) -> None:
    storage: PhotoStorage = FilesystemPhotoStorage(tmp_path / "photos")
    data = b"\xff\xd8 not really a jpeg, storage does not care"
    digest = hashlib.sha256(data).hexdigest()

    assert not await storage.exists(digest)
    assert await storage.put(data) == digest
    assert await storage.put(data) == digest  # writing the same bytes again is a no-op
    assert await storage.exists(digest)
    assert await storage.get(digest) == data
    path = tmp_path / "photos" / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == data
    # No temporary file is left beside it.
    assert [p.name for p in path.parent.iterdir()] == [digest]


async def test_a_missing_blob_is_reported_as_such(tmp_path: Path) -> None:
    storage = FilesystemPhotoStorage(tmp_path)
    with pytest.raises(BlobMissing):
        await storage.get("0" * 64)


@pytest.mark.parametrize("key", ["../../etc/passwd", "ABCDEF" + "0" * 58, "0" * 63, ""])
async def test_keys_that_are_not_digests_never_become_paths(tmp_path: Path, key: str) -> None:
    storage = FilesystemPhotoStorage(tmp_path)
    with pytest.raises(ValueError, match="sha256"):
        await storage.get(key)
    with pytest.raises(ValueError, match="sha256"):
        await storage.exists(key)
