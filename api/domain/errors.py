"""Domain errors. One place (api/errors.py) maps each to a GraphQL `extensions.code`.

An error may carry a `reason` (an ErrorReason, never a free string: clients switch on it, and
the SDL lists every value) and details, the extension keys documented by the SDL's
`ErrorExtensions`. Structured data for a client to act on (`problems`, `missingItems`) always
comes with a reason.
"""

from __future__ import annotations

from typing import Any, ClassVar

from api.domain.error_reasons import ErrorCode, ErrorReason

# Details that are data to act on, so their error must say which refusal it is.
_DATA_NEEDING_A_REASON = frozenset({"problems", "missingItems"})


__all__ = [
    "Conflict",
    "DomainError",
    "ErrorCode",
    "ErrorReason",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "RateLimited",
    "Unauthenticated",
]


class DomainError(Exception):
    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL

    def __init__(self, message: str, *, reason: ErrorReason | None = None, **details: Any) -> None:
        if reason is not None and not isinstance(reason, ErrorReason):
            raise TypeError(f"reason must be an ErrorReason, not {reason!r}")
        if reason is None and _DATA_NEEDING_A_REASON & details.keys():
            raise TypeError(f"an error with {sorted(details)} needs an ErrorReason")
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.details = details

    @property
    def extensions(self) -> dict[str, Any]:
        """What the client gets beside the message: code, reason (if any) and details."""
        reason = {} if self.reason is None else {"reason": self.reason.value}
        return {"code": self.code.value, **reason, **self.details}


class InvalidInput(DomainError):
    """The caller sent something we cannot accept; `details` names the fields."""

    code = ErrorCode.BAD_USER_INPUT

    @classmethod
    def listing(cls, problems: list[str]) -> InvalidInput:
        """Every problem of an input at once, each `field: what is wrong`."""
        return cls("; ".join(problems), reason=ErrorReason.INPUT_PROBLEMS, problems=problems)


class NotFound(DomainError):
    """Nothing the caller may see has this key (a code, SKU, id, receipt number).

    `argument` names the argument, or the input field, that carried the key. The answer must
    be the same whether the thing does not exist or lies outside the caller's scope, so that
    it tells nobody what exists where they cannot look (README, "The API").
    """

    code = ErrorCode.NOT_FOUND

    def __init__(
        self, message: str, *, argument: str, reason: ErrorReason | None = None, **details: Any
    ) -> None:
        super().__init__(message, reason=reason, argument=argument, **details)
        self.argument = argument


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class Unauthenticated(DomainError):
    code = ErrorCode.UNAUTHENTICATED


class RateLimited(DomainError):
    code = ErrorCode.RATE_LIMITED

    def __init__(
        self,
        message: str,
        *,
        reason: ErrorReason,
        retry_after_seconds: int | None = None,
        **details: Any,
    ) -> None:
        """`retry_after_seconds` when waiting helps; a cap reached by what the caller holds
        (open subscriptions) names the `limit` instead."""
        if retry_after_seconds is not None:
            details["retryAfterSeconds"] = retry_after_seconds
        super().__init__(message, reason=reason, **details)
        self.retry_after_seconds = retry_after_seconds
