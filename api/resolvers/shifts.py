"""Queries and mutations for shifts (being built)."""

from __future__ import annotations

import strawberry


@strawberry.type
class ShiftsQuery:
    pass


@strawberry.type
class ShiftsMutation:
    pass
