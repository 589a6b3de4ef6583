"""The PII key ring: AES-GCM encryption with key ids (so keys rotate), an HMAC blind index for
look-ups, and the derived keys that sign member QR codes.

`CHAINSTORE_PII_KEYS` lists keys as comma-separated `<id>:<base64 of 32 bytes>` entries:

- the entry named `index` keys the blind index (HMAC-SHA256 over the E.164 number). It never
  encrypts and must not change while phone numbers are stored (changing it means re-indexing);
- of the other entries, the first encrypts new values and every one decrypts. Rotate by putting
  a new key first, re-encrypting (`members.pii.reencrypt_phones`), then removing the old one.
- member QR codes are signed with keys derived (HKDF) from the encryption keys: the first signs,
  all verify, so a rotation invalidates no code younger than a minute.

Unset, a development ring is generated once in `<data dir>/pii-keys.dev` (mode 0600) and a loud
warning is logged: fine for the demo and tests, never for real customers' numbers.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger("chainstore.pii")

ENV_VAR = "CHAINSTORE_PII_KEYS"
DEV_KEY_FILE = "pii-keys.dev"
INDEX_KEY_ID = "index"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


class KeyRingError(ValueError):
    """The key configuration is unusable (the message never contains key material)."""


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


@dataclass(frozen=True)
class Ciphertext:
    key_id: str
    blob: bytes  # nonce || AES-GCM ciphertext and tag


@dataclass(frozen=True, repr=False)
class KeyRing:
    """Keys by id; `active_id` encrypts. repr() shows ids only, never key material."""

    active_id: str
    keys: Mapping[str, bytes]
    index_key: bytes

    def __repr__(self) -> str:
        return f"KeyRing(active={self.active_id!r}, ids={sorted(self.keys)!r})"

    def encrypt(self, plaintext: str, *, associated_data: bytes) -> Ciphertext:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active_id]).encrypt(
            nonce, plaintext.encode(), associated_data
        )
        return Ciphertext(key_id=self.active_id, blob=nonce + sealed)

    def decrypt(self, ciphertext: Ciphertext, *, associated_data: bytes) -> str:
        key = self.keys.get(ciphertext.key_id)
        if key is None:
            raise KeyRingError(f"No PII key has id {ciphertext.key_id!r}: is a key missing?")
        nonce, sealed = ciphertext.blob[:NONCE_BYTES], ciphertext.blob[NONCE_BYTES:]
        try:
            return AESGCM(key).decrypt(nonce, sealed, associated_data).decode()
        except InvalidTag as exc:
            raise KeyRingError("A PII value failed authentication (tampered or moved).") from exc

    def blind_index(self, value: str) -> bytes:
        """A keyed, deterministic digest: equal values match, the value cannot be recovered."""
        return hmac.new(self.index_key, value.encode(), hashlib.sha256).digest()

    def signing_keys(self) -> list[bytes]:
        """Keys for signed member codes, oldest first (itsdangerous signs with the last)."""
        ordered = [k for k in self.keys if k != self.active_id] + [self.active_id]
        return [_derive(self.keys[k], b"chainstore member-code v1") for k in ordered]


def parse_key_ring(spec: str) -> KeyRing:
    entries: dict[str, bytes] = {}
    order: list[str] = []
    for position, raw in enumerate(part.strip() for part in spec.split(",")):
        if not raw:
            continue
        key_id, sep, encoded = raw.partition(":")
        if not sep or not key_id or not set(key_id) <= _KEY_ID_CHARS or len(key_id) > 32:
            raise KeyRingError(f"{ENV_VAR} entry {position + 1}: expected <id>:<base64 key>.")
        try:
            key = base64.b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4), b"-_")
        except (binascii.Error, ValueError) as exc:
            raise KeyRingError(f"{ENV_VAR} key {key_id!r}: not base64.") from exc
        if len(key) != KEY_BYTES:
            raise KeyRingError(f"{ENV_VAR} key {key_id!r}: must be {KEY_BYTES} bytes.")
        if key_id in entries:
            raise KeyRingError(f"{ENV_VAR} key id {key_id!r} is listed twice.")
        entries[key_id] = key
        order.append(key_id)
    index_key = entries.pop(INDEX_KEY_ID, None)
    order = [k for k in order if k != INDEX_KEY_ID]
    if index_key is None:
        raise KeyRingError(f"{ENV_VAR} needs an entry named {INDEX_KEY_ID!r} (the blind index).")
    if not order:
        raise KeyRingError(f"{ENV_VAR} needs at least one encryption key besides {INDEX_KEY_ID!r}.")
    return KeyRing(
        active_id=order[0],
        keys={k: entries[k] for k in order},
        index_key=_derive(index_key, b"chainstore phone blind-index v1"),
    )


def new_key_spec(encryption_key_id: str = "k1") -> str:
    """A fresh `CHAINSTORE_PII_KEYS` value (for operators: `python -m db.pii`)."""

    def encode(key: bytes) -> str:
        return base64.urlsafe_b64encode(key).decode().rstrip("=")

    index = encode(secrets.token_bytes(KEY_BYTES))
    active = encode(secrets.token_bytes(KEY_BYTES))
    return f"{INDEX_KEY_ID}:{index},{encryption_key_id}:{active}"


def _development_spec(data_dir: Path) -> str:
    """The data dir's development ring, created atomically on first use (workers may race)."""
    path = data_dir / DEV_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        temporary = data_dir / f".{DEV_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(new_key_spec("dev1") + "\n")
        with contextlib.suppress(FileExistsError):  # another process won: use its keys
            os.link(temporary, path)
        temporary.unlink()
    return path.read_text().strip()


@functools.cache
def load_key_ring(spec: str | None, data_dir: Path) -> KeyRing:
    """The ring from `spec` (CHAINSTORE_PII_KEYS), else the data dir's development ring."""
    if spec:
        return parse_key_ring(spec)
    ring = parse_key_ring(_development_spec(data_dir.resolve()))
    log.warning(
        "\n%s\n!! %s is unset: member phone numbers are encrypted with a DEVELOPMENT key\n"
        "!! kept in %s. Never use it for real customers' data: set %s.\n%s",
        "!" * 78,
        ENV_VAR,
        data_dir.resolve() / DEV_KEY_FILE,
        ENV_VAR,
        "!" * 78,
    )
    return ring


def key_ring_from_environment() -> KeyRing:
    """The ring a process is configured with (CHAINSTORE_PII_KEYS / CHAINSTORE_DATA_DIR), for
    the demo seed and tests. The app builds its own once from its settings (api/config.py)
    and hands it down; domain rules never call this (tests/test_layers.py)."""
    data_dir = Path(os.environ.get("CHAINSTORE_DATA_DIR", "./var"))
    return load_key_ring(os.environ.get(ENV_VAR) or None, data_dir)


if __name__ == "__main__":  # pragma: no cover - an operator's helper
    print(new_key_spec())
