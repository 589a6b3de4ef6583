"""Password hashing with argon2id at RFC 9106's recommended low-memory parameters."""

from __future__ import annotations

import asyncio
import contextlib

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# RFC 9106 section 4, second recommended option: t=3, m=64 MiB, p=4 (above OWASP's floor).
HASHER = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

# Verified against when the username is unknown, so a miss costs as much as a hit.
_DUMMY_HASH = HASHER.hash("chainstore-timing-equaliser")


def hash_password(password: str, hasher: PasswordHasher = HASHER) -> str:
    return hasher.hash(password)


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Check a password off the event loop; return (ok, a new hash if parameters changed)."""
    return await asyncio.to_thread(_verify, stored_hash, password)


def _verify(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    if stored_hash is None:
        with contextlib.suppress(VerificationError):
            HASHER.verify(_DUMMY_HASH, password)
        return False, None
    try:
        HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if HASHER.check_needs_rehash(stored_hash):
        return True, HASHER.hash(password)
    return True, None
