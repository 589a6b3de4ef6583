"""Keyset pagination behind every Relay connection: opaque cursors, a hard page cap.

A cursor encodes the sort key of the row it points at, so pages stay stable while rows are
inserted and a deep page costs no more than the first (no OFFSET).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.errors import InvalidInput

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[tuple[str, T]]  # (cursor, item)
    has_next_page: bool
    has_previous_page: bool


def encode_cursor(kind: str, key: Sequence[Any]) -> str:
    raw = json.dumps([kind, *key], separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("`after` is not a cursor this API issued.", argument="after") from exc
    if (
        not isinstance(decoded, list)
        or len(decoded) != arity + 1
        or decoded[0] != kind
        or not all(isinstance(v, str | int) for v in decoded[1:])
    ):
        raise InvalidInput("`after` is a cursor from another list.", argument="after")
    return decoded[1:]


_BIGINT = 2**63 - 1


def _fits(column: Any, value: Any) -> bool:
    """Whether a cursor's value has the type of the column it is compared with; a hand-made
    cursor with a string where an id goes would otherwise fail in PostgreSQL (INTERNAL)."""
    try:
        expected = column.type.python_type
    except (AttributeError, NotImplementedError):
        return isinstance(value, str | int)  # an expression of no declared type
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _BIGINT
    if expected is str:
        return isinstance(value, str)
    if not isinstance(value, str):
        return False
    try:  # datetimes, dates, UUIDs and decimals travel as their text
        if hasattr(expected, "fromisoformat"):
            expected.fromisoformat(value)
        else:
            expected(value)
    except (TypeError, ValueError, ArithmeticError):
        return False
    return True


def checked_key(key: list[Any], key_columns: Sequence[Any]) -> list[Any]:
    if not all(_fits(column, value) for column, value in zip(key_columns, key, strict=True)):
        raise InvalidInput("`after` is not a cursor this API issued.", argument="after")
    return key


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise InvalidInput(
            f"`first` must be between 0 and {MAX_PAGE_SIZE}; page through larger lists.",
            argument="first",
        )
    return first


async def keyset_page(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    kind: str,
    key_columns: Sequence[Any],
    key_of: Callable[[Any], Sequence[Any]],
    first: int | None,
    after: str | None,
    scalars: bool = True,
) -> Page[Any]:
    """Run `stmt` ordered by `key_columns` (ascending, unique together) from `after`."""
    size = page_size(first)
    if after is not None:
        key = checked_key(decode_cursor(kind, after, len(key_columns)), key_columns)
        stmt = stmt.where(tuple_(*key_columns) > tuple_(*key))
    stmt = stmt.order_by(*key_columns).limit(size + 1)
    result = await session.execute(stmt)
    rows: list[Any] = list(result.scalars() if scalars else result.all())
    has_next = len(rows) > size
    rows = rows[:size]
    return Page(
        items=[(encode_cursor(kind, key_of(row)), row) for row in rows],
        has_next_page=has_next,
        has_previous_page=after is not None,
    )
