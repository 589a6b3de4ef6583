"""Queries and mutations for complaints (being built)."""

from __future__ import annotations

import strawberry


@strawberry.type
class ComplaintsQuery:
    pass


@strawberry.type
class ComplaintsMutation:
    pass
