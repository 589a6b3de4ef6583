"""How each compilable GraphQL object type's fields read as SQL.

A type's fields are SQL over `{t}`, the alias of the row the object is built from; an object
field names the row it reads with `{c}` (its own alias) beside `{t}`. The values must be the
interpreter's exactly: a field is listed here only when its SQL answers what its resolver
answers for every row (a field not listed makes its operation fall back to the interpreter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson

from api.compiled import sql_text as q
from api.domain.access import ROLE_PERMISSIONS, Permission, Role


@dataclass(frozen=True)
class Scalar:
    """A leaf: SQL over `{t}` giving the JSON value (text, number, boolean or null)."""

    sql: str
    requires: Permission | None = None  # a denied one is hidden: the compiler falls back


@dataclass(frozen=True)
class RoleConstant:
    """A leaf the caller's role decides (the plan is per role; grants fall back at run time)."""

    value: Callable[[Role], object]

    def sql(self, role: Role) -> str:
        return q.json_literal(orjson.dumps(self.value(role)).decode())


@dataclass(frozen=True)
class Child:
    """An object field read by a correlated subquery: `source` is its FROM ... WHERE over
    `{c}` and `{t}`; no row answers null (only for nullable fields, or rows that must exist)."""

    type_name: str
    source: str


@dataclass(frozen=True)
class ChildList:
    """A list of objects: json_agg over `source` in `order`, `[]` when there is none."""

    type_name: str
    source: str
    order: str


@dataclass(frozen=True)
class SameRow:
    """An object field whose row the parent's row carries as a composite (`row` over `{t}`):
    no subquery per parent row."""

    type_name: str
    row: str


@dataclass(frozen=True)
class NewestPage:
    """A connection read newest first whose selection is `edges { node }` only and whose
    `first` is a literal in the document (MemberCard's `recentPurchases(first: 5)`)."""

    type_name: str  # the node's type
    source: str  # FROM ... WHERE over {c} and {t}
    order: str  # the page's order over {c}
    default_first: int


Field = Scalar | RoleConstant | Child | ChildList | SameRow | NewestPage


def _permissions(role: Role) -> list[str]:
    return sorted(p.value for p in ROLE_PERMISSIONS[role])


_REGION: dict[str, Field] = {
    "id": Scalar(q.global_id("Region", "{t}.code")),
    "code": Scalar("{t}.code"),
    "name": Scalar("{t}.name"),
}

_STORE: dict[str, Field] = {
    "id": Scalar(q.global_id("Store", "{t}.code")),
    "code": Scalar("{t}.code"),
    "name": Scalar("{t}.name"),
    "type": Scalar("{t}.type"),
    "city": Scalar("{t}.city"),
    "address": Scalar("{t}.address"),
    "latitude": Scalar(q.python_float("{t}.latitude")),
    "longitude": Scalar(q.python_float("{t}.longitude")),
    "timeZone": Scalar("{t}.time_zone"),
    "region": Child("Region", "FROM region {c} WHERE {c}.id = {t}.region_id"),
}

_PRODUCT: dict[str, Field] = {
    "id": Scalar(q.global_id("Product", "{t}.sku")),
    "sku": Scalar("{t}.sku"),
    "barcode": Scalar("{t}.barcode"),
    "name": Scalar("{t}.name"),
    "category": Scalar("{t}.category"),
    "unit": Scalar("{t}.unit"),
    "priceCents": Scalar("{t}.price_cents"),
    "core": Scalar("({t}.region_id IS NULL)"),
    "seasonal": Scalar("{t}.seasonal"),
    "shelfLifeDays": Scalar("{t}.shelf_life_days"),
    "region": Child("Region", "FROM region {c} WHERE {c}.id = {t}.region_id"),
}

# `Me` rows are `staff` rows; the permissions are the role's (a token with grants, or a role
# awaiting its second person, runs on the interpreter: api/compiled/plan.py).
_ME: dict[str, Field] = {
    "id": Scalar(q.global_id("Staff", "{t}.username")),
    "username": Scalar("{t}.username"),
    "displayName": Scalar("{t}.display_name"),
    "role": Scalar("{t}.role"),
    "status": Scalar("{t}.status"),
    "store": Child("Store", "FROM store {c} WHERE {c}.id = {t}.store_id"),
    "region": Child(
        "Region",
        "FROM region {c} WHERE {c}.id = coalesce({t}.region_id,"
        " (SELECT s.region_id FROM store s WHERE s.id = {t}.store_id))",
    ),
    "permissions": RoleConstant(_permissions),
}

# `StockLevel` rows are the level columns of api/domain/stock/queries.py (_LEVEL_COLUMNS)
# with store_id and the product row itself: see roots.LEVEL_COLUMNS.
_STOCK_LEVEL: dict[str, Field] = {
    "onHand": Scalar("{t}.on_hand"),
    "inTransit": Scalar("{t}.in_transit"),
    "safetyStock": Scalar("{t}.safety_stock"),
    "reorderTarget": Scalar("{t}.reorder_target"),
    "lastSoldAt": Scalar(q.iso_datetime("{t}.last_sold_at")),
    "discrepancy": Scalar("({t}.on_hand < 0)"),
    "product": SameRow("Product", "({t}.product)"),
    "store": Child("Store", "FROM store {c} WHERE {c}.id = {t}.store_id"),
}

TYPES: dict[str, dict[str, Field]] = {
    "Region": _REGION,
    "Store": _STORE,
    "Product": _PRODUCT,
    "Me": _ME,
    "StockLevel": _STOCK_LEVEL,
}
