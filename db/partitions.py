"""Which tables are partitioned by month, by which column, and how their partitions are named.

Alembic 0019 made them; api/ops/partitions.py keeps months ahead and detaches old ones. A
partition is `<table>_pYYYYMM` (the UTC month [first day, first day of the next)) or
`<table>_default` (rows outside every month: a till with a wrong clock, an old import).
"""

from __future__ import annotations

import re
from datetime import date

# Parents before children: a sale line's foreign key reaches its sale's month, so a month is
# created sale first and detached sale_line first (reversed).
PARTITIONED: dict[str, str] = {
    "sale": "sold_at",
    "sale_line": "sold_at",
    "stock_movement": "occurred_at",
    "event": "occurred_at",
    "points_ledger": "occurred_at",
}

_PARTITION_NAME = re.compile(
    r"^(?P<table>" + "|".join(PARTITIONED) + r")_(?:p(?P<month>\d{6})|default)$"
)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def is_partition(name: str) -> bool:
    """A partition's name (tables that the models do not describe: Alembic skips them)."""
    return _PARTITION_NAME.match(name) is not None


def partition_month(name: str) -> date | None:
    """The month a monthly partition holds; None for the default one or another table."""
    match = _PARTITION_NAME.match(name)
    if match is None or match["month"] is None:
        return None
    return date(int(match["month"][:4]), int(match["month"][4:]), 1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name hook: partitions are the database's business, not the models'."""
    return not (type_ == "table" and name is not None and is_partition(name))


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's include_object hook: a foreign key to a partitioned table is reflected once
    more per partition (PostgreSQL's internal clones); only the parent's one is the model's."""
    if type_ == "foreign_key_constraint" and reflected:
        referred = getattr(obj, "referred_table", None)
        return not (referred is not None and is_partition(str(referred.name)))
    return True
