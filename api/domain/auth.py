"""Sign-in, bearer tokens and the failed sign-in throttle.

Tokens are 256-bit random strings; only their sha256 is stored, so a database leak yields no
usable token. A token is checked on every request together with its staff member's status, so
freezing someone refuses their very next request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.domain.access import Actor, Permission
from api.domain.error_reasons import ErrorReason
from api.domain.errors import RateLimited, Unauthenticated
from api.domain.passwords import MAX_PASSWORD_LENGTH, verify_password
from db.models import AuthToken, Staff, StaffStatus, TokenKind

SESSION_TOKEN_PREFIX = "cs_"  # noqa: S105 (a prefix, not a secret)
API_TOKEN_PREFIX = "csi_"  # noqa: S105


class MalformedAuthorization(Unauthenticated):
    """The value is not `Bearer <token>` (the caller's code to fix, not their sign-in)."""


class AccountFrozen(Unauthenticated):
    """A good token whose owner is frozen (signing in again will not help)."""


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures_per_user: int = 5
    max_failures_per_address: int = 30
    window: timedelta = timedelta(minutes=15)
    block: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    token_id: int
    expires_at: datetime


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)  # 32 bytes = 256 bits of entropy


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def issue_token(
    session: AsyncSession,
    *,
    staff_id: int,
    kind: TokenKind,
    lifetime: timedelta,
    name: str | None = None,
    grants: frozenset[Permission] = frozenset(),
    created_by_id: int | None = None,
    trusted_documents_only: bool = False,
) -> IssuedToken:
    token = new_token(SESSION_TOKEN_PREFIX if kind is TokenKind.SESSION else API_TOKEN_PREFIX)
    row = AuthToken(
        token_hash=token_digest(token),
        staff_id=staff_id,
        kind=kind,
        name=name,
        grants=sorted(grants),
        trusted_documents_only=trusted_documents_only,
        created_by_id=created_by_id,
        expires_at=func.now() + lifetime,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row, ["expires_at"])
    return IssuedToken(token=token, token_id=row.id, expires_at=row.expires_at)


# One statement per request: the token, its owner, and every reason to refuse it.
_AUTHENTICATE_SQL = text(
    """
    SELECT t.id AS token_id, t.kind, t.grants, t.trusted_documents_only, t.last_write_lsn,
           t.expires_at <= now() AS expired,
           t.revoked_at IS NOT NULL AS revoked,
           s.id AS staff_id, s.username, s.role, s.store_id, s.region_id, s.status,
           EXISTS (SELECT 1 FROM compliance_grant g
                    WHERE g.staff_id = s.id AND g.confirmed_at IS NULL) AS role_pending
      FROM auth_token t JOIN staff s ON s.id = t.staff_id
     WHERE t.token_hash = :digest
    """
)


# The same statement for the compiled path, which runs it on the raw driver (api/compiled/).
AUTHENTICATE_SQL_PSYCOPG = _AUTHENTICATE_SQL.text.replace(":digest", "%(digest)s")


def authorization_digest(authorization: str) -> bytes:
    """The token digest an `Authorization: Bearer` value names; MalformedAuthorization else."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 100:
        raise MalformedAuthorization("Malformed Authorization header: expected 'Bearer <token>'.")
    return token_digest(token)


def actor_from_row(row: Any) -> Actor:
    """The caller of a token row of `_AUTHENTICATE_SQL` (None: no such token), or why not.
    One rule for the ORM path and the compiled one (api/compiled/), so both are as strict."""
    if row is None:
        raise Unauthenticated("Unknown token: sign in again.")
    if row.revoked:
        raise Unauthenticated("This token was revoked: sign in again.")
    if row.expired:
        raise Unauthenticated("This token has expired: sign in again.")
    if row.status != StaffStatus.FROZEN.value:
        return Actor(
            staff_id=row.staff_id,
            username=row.username,
            role=row.role,
            store_id=row.store_id,
            region_id=row.region_id,
            token_id=row.token_id,
            token_kind=TokenKind(row.kind),
            grants=frozenset(Permission(g) for g in row.grants),
            trusted_documents_only=row.trusted_documents_only,
            role_pending=row.role_pending,
            last_write_lsn=row.last_write_lsn,
        )
    raise AccountFrozen("This account is frozen.")


async def authenticate(session: AsyncSession, authorization: str | None) -> Actor | None:
    """The caller named by an `Authorization: Bearer` value; None without one.

    Raises Unauthenticated for a malformed, unknown, expired or revoked token, or a frozen owner.
    """
    if authorization is None or authorization == "":
        return None
    digest = authorization_digest(authorization)
    row = (await session.execute(_AUTHENTICATE_SQL, {"digest": digest})).one_or_none()
    return actor_from_row(row)


async def login(
    session: AsyncSession,
    throttle_sessions: async_sessionmaker[AsyncSession],
    *,
    username: str,
    password: str,
    client_address: str,
    session_lifetime: timedelta,
    policy: ThrottlePolicy,
) -> tuple[Staff, IssuedToken]:
    """Check a password and issue a session token, throttling repeated failures.

    Each attempt is counted, atomically and in its own committed transaction (so every worker
    sees it and the request's rollback cannot undo it), before the password is checked: of 24
    simultaneous attempts on one account only the first `max_failures_per_user` are checked.
    A success takes its attempt back (the address's count) or clears it (the username's).
    """
    username = username.strip().lower()
    user_key, address_key = f"user:{username[:64]}", f"addr:{client_address}"
    limits = {user_key: policy.max_failures_per_user, address_key: policy.max_failures_per_address}
    async with throttle_sessions() as throttle, throttle.begin():
        wait = await _count_attempt(throttle, limits, policy)
    if wait is not None:
        raise RateLimited(
            f"Too many failed sign-ins: try again in {wait} seconds.",
            reason=ErrorReason.SIGN_IN_THROTTLED,
            retry_after_seconds=max(wait, 1),
        )
    staff = await session.scalar(select(Staff).where(Staff.username == username))
    ok, new_hash = await verify_password(
        staff.password_hash if staff is not None else None, password[:MAX_PASSWORD_LENGTH]
    )
    if not ok or staff is None or staff.status is StaffStatus.FROZEN:
        async with throttle_sessions() as throttle, throttle.begin():
            await _block_reached(throttle, limits, policy)
        # One message for every failure, so the response does not reveal which usernames exist.
        raise Unauthenticated("Wrong username or password, or the account is frozen.")
    if new_hash is not None:
        staff.password_hash = new_hash  # parameters changed since this hash was made
    async with throttle_sessions() as throttle, throttle.begin():
        await throttle.execute(text("DELETE FROM login_throttle WHERE key = :k"), {"k": user_key})
        await throttle.execute(
            text("UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key = :k"),
            {"k": address_key},
        )
    issued = await issue_token(
        session, staff_id=staff.id, kind=TokenKind.SESSION, lifetime=session_lifetime
    )
    return staff, issued


# One row per key: attempts in a fixed window (reset when it has passed), and a block.
# An attempt while blocked is not counted; one past the limit blocks the key and is refused.
_COUNT_ATTEMPT = text(
    """
    INSERT INTO login_throttle AS t (key, failures, window_started_at)
    VALUES (:key, 1, now())
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN t.blocked_until > now() THEN t.failures
                      WHEN t.window_started_at < now() - :window THEN 1
                      ELSE t.failures + 1 END,
      window_started_at = CASE WHEN t.blocked_until > now() THEN t.window_started_at
                               WHEN t.window_started_at < now() - :window THEN now()
                               ELSE t.window_started_at END,
      blocked_until = CASE WHEN t.blocked_until > now() THEN t.blocked_until
                           WHEN t.window_started_at >= now() - :window
                                AND t.failures + 1 > :limit THEN now() + :block
                           ELSE t.blocked_until END
    RETURNING ceil(extract(epoch FROM t.blocked_until - now()))::int AS wait
    """
)


async def _count_attempt(
    session: AsyncSession, limits: dict[str, int], policy: ThrottlePolicy
) -> int | None:
    """Counts one attempt on every key; the seconds to wait if any key refuses it."""
    waits = []
    for key, limit in limits.items():
        wait = await session.scalar(
            _COUNT_ATTEMPT,
            {"key": key, "window": policy.window, "limit": limit, "block": policy.block},
        )
        if wait is not None and wait > 0:
            waits.append(wait)
    return max(waits) if waits else None


async def _block_reached(
    session: AsyncSession, limits: dict[str, int], policy: ThrottlePolicy
) -> None:
    """After a failed check: a key whose counted attempts reached its limit is blocked."""
    for key, limit in limits.items():
        await session.execute(
            text(
                "UPDATE login_throttle SET blocked_until = now() + :block"
                " WHERE key = :key AND failures >= :limit"
                " AND (blocked_until IS NULL OR blocked_until <= now())"
            ),
            {"key": key, "block": policy.block, "limit": limit},
        )


async def revoke_token(session: AsyncSession, token_id: int) -> bool:
    result = await session.execute(
        update(AuthToken)
        .where(AuthToken.id == token_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
