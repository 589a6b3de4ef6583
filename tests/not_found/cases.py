"""The look-up cases of tests/test_not_found_rule.py: what each one is, and how to make ids
that nothing has."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from api.domain import global_ids

World = dict[str, str]  # one real thing of each kind, by name: its id as the API gave it
NOPE = "NOPE"


def unknown_like(real_id: str) -> str:
    """A well-formed global id of the same type as `real_id` that nothing has."""
    decoded = global_ids.decode(real_id, argument="id")
    assert decoded.key.isdigit(), f"cannot make an unknown id like {real_id!r}"
    return global_ids.encode(decoded.type_name, 987654321)


def card_number_of_nobody() -> str:
    """16 digits, 88 + 13 + a Luhn check digit: well formed, so the look-up runs."""
    body = "88" + "1234567890123"
    total = 0
    for i, digit in enumerate(reversed(body)):
        d = int(digit) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class Case:
    field: str
    argument: str
    document: str
    user: str
    variables: Callable[[World], dict[str, Any]] = dataclass_field(default=lambda w: {})

    @property
    def name(self) -> str:
        return f"{self.field}.{self.argument}"


def q(field: str, argument: str, document: str, user: str = "admin", **kw: Any) -> Case:
    return Case(field, argument, document, user, **kw)
