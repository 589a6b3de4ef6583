"""Date and DateTime as Strawberry has them (ISO 8601), bounded to the years a retail chain
deals in: `9999-12-31` or year 1 passed coercion and overflowed the first date arithmetic a
rule did (INTERNAL). Out of range is a coercion error, BAD_USER_INPUT, before any rule runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from graphql import GraphQLError

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)
# Years, not whole dates, in messages: a date's eight digits read as a phone number to the
# redaction of error messages (api/errors.py).
_RANGE = f"in the years {EARLIEST.year} to {LATEST.year}"


def _in_range(day: dt.date) -> None:
    if not EARLIEST <= day <= LATEST:
        # A GraphQLError, so graphql-core reports it as a coercion error (not INTERNAL).
        raise GraphQLError(f"The date is outside those this API accepts ({_RANGE}).")


def _iso(parse: Any, value: str, kind: str) -> Any:
    try:
        return parse(value)
    except ValueError:
        raise GraphQLError(f"A {kind} is an ISO 8601 string, {_RANGE}.") from None


def _parse_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise GraphQLError(f"A Date is an ISO 8601 string (YYYY-MM-DD), {_RANGE}.")
    day: dt.date = _iso(dt.date.fromisoformat, value, "Date")
    _in_range(day)
    return day


def _parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise GraphQLError(f"A DateTime is an ISO 8601 string, {_RANGE}.")
    moment: dt.datetime = _iso(dt.datetime.fromisoformat, value, "DateTime")
    _in_range(moment.date())
    return moment


Date = strawberry.scalar(
    name="Date",
    description=f"A calendar date in ISO 8601 (YYYY-MM-DD), {_RANGE}.",
    serialize=dt.date.isoformat,
    parse_value=_parse_date,
)

DateTime = strawberry.scalar(
    name="DateTime",
    description=(
        f"A moment in ISO 8601 with its offset (2026-12-02T09:30:00+08:00); its date {_RANGE}."
    ),
    serialize=dt.datetime.isoformat,
    parse_value=_parse_datetime,
)

SCALAR_MAP: dict[object, Any] = {dt.date: Date, dt.datetime: DateTime}
