"""Relay global ids: the one place an object's public id is encoded and a client's decoded.

An id is base64("<GraphQL type name>:<key>"), the key being the row's number (a photo's
UUID), or the natural key of the reference data (a region's or store's code, a product's SKU,
a staff member's username), which stays a field and the argument of their own look-ups.
It is strawberry.relay's GlobalID format (which `Member` ids always had): types that
implement `Node` (strawberry.relay.Node with a NodeID) are encoded by strawberry itself, and
everything else naming an object to a client (fields and arguments carrying another object's
id, error messages and details) goes through `encode` and `expect` here, so there is one
format. It lives with the domain, free of GraphQL, because domain errors name objects too.
Decoding is strict (the standard alphabet only; missing padding is forgiven): anything else
is BAD_USER_INPUT naming the argument, as is an id of another type.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from api.domain.error_reasons import ErrorReason
from api.domain.errors import InvalidInput

_MAX_ROW_KEY_DIGITS = 18  # a bigint


@dataclass(frozen=True)
class Decoded:
    type_name: str
    key: str


def encode(type_name: str, key: int | str | uuid.UUID) -> str:
    """The global id of the `type_name` object with this key (as `Node.id` answers it)."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def _not_ours(argument: str, value: str) -> InvalidInput:
    return InvalidInput(
        f"{argument}: {value[:64]!r} is not an id this API issued.",
        reason=ErrorReason.MALFORMED_ID,
        argument=argument,
    )


def decode(value: str, *, argument: str) -> Decoded:
    """The type name and key inside a global id; BAD_USER_INPUT when it is not one."""
    text = str(value)
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    type_name, colon, key = raw.partition(":")
    if not colon or not type_name.isidentifier() or not key:
        raise _not_ours(argument, text)
    return Decoded(type_name, key)


def row_key(decoded: Decoded, *, argument: str, value: str) -> int:
    """The row number inside a decoded id (a positive bigint), else BAD_USER_INPUT."""
    key = decoded.key
    # isascii: `"²".isdigit()` is True, and int("²") raises.
    if not (key.isascii() and key.isdigit()) or len(key) > _MAX_ROW_KEY_DIGITS or int(key) == 0:
        raise _not_ours(argument, value)
    return int(key)


def uuid_key(decoded: Decoded, *, argument: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(decoded.key)
    except ValueError:
        raise _not_ours(argument, value) from None


def _of_type(value: str, type_name: str, argument: str) -> Decoded:
    decoded = decode(value, argument=argument)
    if decoded.type_name != type_name:
        raise InvalidInput(
            f"{argument}: expected the id of a {type_name}, got the id of a {decoded.type_name}.",
            argument=argument,
            reason=ErrorReason.WRONG_ID_TYPE,
            expectedType=type_name,
        )
    return decoded


def expect(value: str, type_name: str, *, argument: str) -> int:
    """The row id inside the global id of a `type_name`; BAD_USER_INPUT naming `argument` for
    a malformed id or the id of another type."""
    return row_key(_of_type(value, type_name, argument), argument=argument, value=str(value))


def expect_photos(values: Iterable[str], *, argument: str = "photoIds") -> list[uuid.UUID]:
    """Photo ids (as POST /photos answers them), duplicates dropped; BAD_USER_INPUT listing
    every one that is not a photo's."""
    ids: list[uuid.UUID] = []
    bad: list[str] = []
    for value in values:
        try:
            decoded = _of_type(value, "Photo", argument)
            ids.append(uuid_key(decoded, argument=argument, value=str(value)))
        except InvalidInput:
            bad.append(str(value)[:64])
    if bad:
        raise InvalidInput(
            f"{argument}: not photo ids: {', '.join(bad)}.",
            reason=ErrorReason.MALFORMED_ID,
            argument=argument,
            invalid=bad,
        )
    return list(dict.fromkeys(ids))
