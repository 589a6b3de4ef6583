"""Newest-first keyset pages (the shared helper pages ascending): opaque cursors, hard cap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.errors import InvalidInput
from api.domain.pagination import Page, checked_key, decode_cursor, encode_cursor, page_size


async def newest_first_page(
    session: AsyncSession,
    stmt: Select[*tuple[Any, ...]],
    *,
    kind: str,
    key_columns: Sequence[Any],
    key_of: Callable[[Any], Sequence[Any]],
    first: int | None,
    after: str | None,
    scalars: bool = True,
    parse_key: Callable[[list[Any]], Sequence[Any]] = list,
) -> Page[Any]:
    """Run `stmt` ordered by `key_columns` descending (unique together) from `after`."""
    size = page_size(first)
    if after is not None:
        try:
            raw = checked_key(decode_cursor(kind, after, len(key_columns)), key_columns)
            key = parse_key(raw)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                "`after` is not a cursor this API issued.", argument="after"
            ) from exc
        stmt = stmt.where(tuple_(*key_columns) < tuple_(*key))
    stmt = stmt.order_by(*[c.desc() for c in key_columns]).limit(size + 1)
    result = await session.execute(stmt)
    rows: list[Any] = list(result.scalars() if scalars else result.all())
    has_next = len(rows) > size
    rows = rows[:size]
    return Page(
        items=[(encode_cursor(kind, key_of(row)), row) for row in rows],
        has_next_page=has_next,
        has_previous_page=after is not None,
    )
