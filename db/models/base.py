"""Declarative base with a constraint naming convention, so Alembic migrations stay stable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def partition_time_column() -> Mapped[datetime]:
    """created_at_column() that a monthly-partitioned table keys by (alembic 0019): part of the
    primary key, as PostgreSQL requires of a partition key."""
    return mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False, primary_key=True
    )
