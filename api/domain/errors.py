"""Domain errors. One place (api/errors.py) maps each to a GraphQL `extensions.code`."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    """The caller sent something we cannot accept; `details` names the fields."""

    code = "BAD_USER_INPUT"


class NotFound(DomainError):
    """Nothing the caller may see has this key (a code, SKU, id, receipt number).

    `argument` names the argument, or the input field, that carried the key. The answer must
    be the same whether the thing does not exist or lies outside the caller's scope, so that
    it tells nobody what exists where they cannot look (README, "The API").
    """

    code = "NOT_FOUND"

    def __init__(self, message: str, *, argument: str, **details: Any) -> None:
        super().__init__(message, argument=argument, **details)
        self.argument = argument


class Conflict(DomainError):
    code = "CONFLICT"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message, retryAfterSeconds=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds
