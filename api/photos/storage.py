"""Content-addressed blob storage for photos: the key of a blob is the sha256 of its bytes.

`PhotoStorage` is the whole interface the routes use, so an object store (S3, OSS, MinIO) can
replace `FilesystemPhotoStorage` without touching them. Blobs are immutable: writing the same
bytes twice is a no-op, and nothing is ever overwritten with different content.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class BlobMissing(LookupError):
    """A row names a blob the storage does not hold (lost data, or a foreign key)."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_key(sha256: str) -> str:
    """The key itself, if it is a lowercase sha256 hex digest; never a path fragment."""
    if not _SHA256_HEX.match(sha256):
        raise ValueError(f"Not a sha256 hex digest: {sha256[:80]!r}.")
    return sha256


class PhotoStorage(Protocol):
    async def put(self, data: bytes) -> str:
        """Store `data` (idempotently) and return its sha256 hex digest, the key."""
        ...

    async def get(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`; BlobMissing when there are none."""
        ...

    async def exists(self, sha256: str) -> bool: ...


class FilesystemPhotoStorage:
    """Blobs under `root/ab/cd/<sha256>`: two fan-out levels keep directories small."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        key = check_key(sha256)
        return self.root / key[:2] / key[2:4] / key

    async def put(self, data: bytes) -> str:
        return await asyncio.to_thread(self._put, data)

    async def get(self, sha256: str) -> bytes:
        path = self.path_of(sha256)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise BlobMissing(sha256) from exc

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path_of(sha256).is_file)

    def _put(self, data: bytes) -> str:
        key = sha256_hex(data)
        target = self.path_of(key)
        if target.is_file():
            return key  # same key, same bytes: already stored
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed into place, so a reader (or a crash) never
        # sees a half-written blob; concurrent writers of one key rename identical bytes.
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{key[:8]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        _fsync_directory(target.parent)
        return key


def _fsync_directory(path: Path) -> None:
    # Makes the rename itself durable; not every platform lets a directory be opened.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
