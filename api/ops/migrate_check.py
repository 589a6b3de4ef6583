"""`chainstore migrate --check`: is the database at the code's Alembic head? Changes nothing."""

from __future__ import annotations

import psycopg

from db.embedded import to_libpq_uri
from db.migrations import head_revision


def current_revision(url: str) -> str | None:
    with psycopg.connect(to_libpq_uri(url), autocommit=True) as conn:
        table = conn.execute("SELECT to_regclass('public.alembic_version')").fetchone()
        if table is None or table[0] is None:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def check_at_head(url: str) -> tuple[bool, str]:
    """(at head, a line saying where the database is)."""
    head = head_revision()
    current = current_revision(url)
    if current == head:
        return True, f"database at head ({head})"
    shown = current or "no revision (never migrated)"
    return False, f"database at {shown}, code expects {head}: run `chainstore migrate`"
