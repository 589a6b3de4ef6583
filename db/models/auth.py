"""Bearer tokens and sign-in throttles. Both live here so every worker process sees the same."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column
from db.models.organisation import text_enum


class TokenKind(enum.StrEnum):
    SESSION = "SESSION"  # from login; expires after a shift-length lifetime
    API = "API"  # an integrator token created by an ADMIN


class AuthToken(Base):
    __tablename__ = "auth_token"
    __table_args__ = (
        CheckConstraint(
            "kind = 'API' OR NOT trusted_documents_only", name="trusted_documents_only_api"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # sha256 of the bearer token; the token itself is never stored.
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[TokenKind] = mapped_column(text_enum(TokenKind, "token_kind"))
    name: Mapped[str | None] = mapped_column(Text)
    # Permissions granted beyond the role's (integrator tokens only).
    grants: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    # A till's integrator token: it may run the trusted documents only (README "Trusted
    # documents"), as store staff do.
    trusted_documents_only: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    # With a read replica: the primary's WAL position (bytes, `pg_lsn - '0/0'`) after this
    # token's last committed write; its lag-tolerant reads use the primary until the replica
    # has replayed past it, whichever worker process serves them (api/read_replica.py).
    last_write_lsn: Mapped[int | None] = mapped_column(BigInteger)


class LoginThrottle(Base):
    """Failed sign-ins per key ("user:<name>" or "addr:<ip>") in a fixed window."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column()
    blocked_until: Mapped[datetime | None] = mapped_column()


class LiveSocketClaim(Base):
    """One open live-feed socket of a token, in any worker process: the per-token socket cap
    counts these rows. The owning process refreshes `seen_at` with its token re-check and
    deletes the row when the socket closes; a row not seen for a while (its process died) no
    longer counts (api/realtime/connections.py)."""

    __tablename__ = "live_socket_claim"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("auth_token.id", ondelete="CASCADE"), index=True
    )
    opened_at: Mapped[datetime] = created_at_column()
    seen_at: Mapped[datetime] = created_at_column()
