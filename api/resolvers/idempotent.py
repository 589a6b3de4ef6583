"""The resolvers' side of idempotency keys, declared once: a retried mutation's key is bound to
its whole input object.

Every mutation a device may retry takes `input.idempotencyKey` and goes through `once` (a
replay gets the first call's id) or `once_with_result` (a replay gets its stored JSON result).
Both bind the key to every field of the input as sent, nested inputs and lists included, so a
replay with any field changed is CONFLICT and changes nothing. A field that must not be stored
as sent (a phone number, a password) is named in `sealed` with the function that stores its
keyed blind index instead: the request hash of a phone number alone could be reversed by
enumerating numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from strawberry import UNSET

from api.context import Context
from api.domain.idempotency import run_once, run_once_for_id
from db.pii import KeyRing

Sealed = Mapping[str, Callable[[Any], str]]

KEY_FIELD = "idempotency_key"


def blind(ring: KeyRing, purpose: str) -> Callable[[Any], str]:
    """A seal: the field's keyed blind index, separated by purpose from every other use of
    the index key (a password's index never equals a phone number's)."""

    def seal(value: Any) -> str:
        return ring.blind_index(f"idempotency {purpose}\x00{value}").hex()

    return seal


def bound_arguments(input: object, sealed: Sealed | None = None) -> dict[str, Any]:
    """The input object as its key binds it: every field but the key, as JSON-able values
    (fields left out are absent, unlike an explicit null), sealed fields replaced."""
    plain = _plain(input)
    if not isinstance(plain, dict):
        raise TypeError("an idempotent mutation's input must be an input object")
    plain.pop(KEY_FIELD, None)
    for name, seal in (sealed or {}).items():
        if plain.get(name) is not None:
            plain[name] = seal(plain[name])
    return plain


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _plain(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if getattr(value, field.name) is not UNSET
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # ids and other scalars travel as their text


def _key(input: object) -> str | None:
    key = getattr(input, KEY_FIELD)
    return None if key is UNSET else key


async def once(
    context: Context,
    operation: str,
    input: object,
    perform: Callable[[], Awaitable[int]],
    *,
    sealed: Sealed | None = None,
) -> int:
    """Run a mutation once per idempotency key; a replay returns the first call's id."""
    return await run_once_for_id(
        context.session,
        context.require_actor(),
        operation=operation,
        key=_key(input),
        arguments=bound_arguments(input, sealed),
        perform=perform,
    )


async def once_with_result(
    context: Context,
    operation: str,
    input: object,
    perform: Callable[[], Awaitable[dict[str, Any]]],
    *,
    sealed: Sealed | None = None,
) -> dict[str, Any]:
    """`once` for a mutation whose replay needs more than an id (its JSON result is stored)."""
    return await run_once(
        context.session,
        context.require_actor(),
        operation=operation,
        key=_key(input),
        arguments=bound_arguments(input, sealed),
        perform=perform,
    )
