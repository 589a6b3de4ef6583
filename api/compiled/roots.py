"""The root fields the compiler knows: each gives the SQL of its value and the parameters its
arguments bind to. The SQL answers NULL whenever the interpreter would answer anything but this
value (an unknown code, a store outside the caller's scope): the request then runs on the
interpreter, so every error is the interpreter's own, code, message and path alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode

from api.compiled import sql_text as q
from api.compiled.builder import Builder
from api.compiled.selection import Unsupported
from api.domain.access import Actor, Permission, StoreScope
from api.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from db.pinyin import looks_like_initials

# Bound by the plan for every request: the caller and their scope.
SCOPE = q.psycopg_params(StoreScope.sql_text("st.id", "st.region_id"))

Binder = Callable[[dict[str, Any], Actor], dict[str, Any] | None]


def _unfiltered(params: dict[str, Any]) -> frozenset[str]:
    return frozenset()


@dataclass(frozen=True)
class RootPart:
    sql: Callable[[frozenset[str]], str]  # the JSON for the filters in use; NULL: interpreter
    bind: Binder  # the field's arguments as parameters; None: let the interpreter answer
    permission: Permission
    # The optional filters a request's parameters switch on: each set gets its own statement,
    # so PostgreSQL never plans `$1 IS NULL OR ...` (which it cannot skip: 2x on the page).
    filters: Callable[[dict[str, Any]], frozenset[str]] = _unfiltered


def _fixed(sql: str) -> Callable[[frozenset[str]], str]:
    return lambda filters: sql


RootCompiler = Callable[[Builder, FieldNode, str], RootPart]


def _no_params(args: dict[str, Any], actor: Actor) -> dict[str, Any]:
    return {}


def me(build: Builder, node: FieldNode, p: str) -> RootPart:
    t = build.alias()
    obj = build.object_json("Me", t, node.selection_set)
    return RootPart(
        _fixed(f"(SELECT {obj} FROM staff {t} WHERE {t}.id = %(staff_id)s::int)"),
        _no_params,
        Permission.SIGNED_IN,
    )


def product(build: Builder, node: FieldNode, p: str) -> RootPart:
    t = build.alias()
    obj = build.object_json("Product", t, node.selection_set)
    return RootPart(
        _fixed(f"(SELECT {obj} FROM product {t} WHERE {t}.sku = %({p}sku)s::text)"),
        lambda args, actor: {f"{p}sku": args["sku"]},
        Permission.VIEW_ORGANISATION,
    )


# api/domain/stock/queries.py's _LEVEL_COLUMNS over product `p`, level `l` and store `st`.
LEVEL_COLUMNS = """coalesce(l.on_hand, 0) AS on_hand, coalesce(l.in_transit, 0) AS in_transit,
       coalesce(l.safety_stock, p.default_safety_stock) AS safety_stock,
       greatest(coalesce(l.reorder_target, p.default_reorder_target),
                coalesce(l.safety_stock, p.default_safety_stock)) AS reorder_target,
       l.last_sold_at, p AS product, st.id AS store_id"""


def stock_level(build: Builder, node: FieldNode, p: str) -> RootPart:
    t = build.alias()
    obj = build.object_json("StockLevel", t, node.selection_set)
    row = f"""SELECT {LEVEL_COLUMNS}
      FROM store st JOIN product p ON p.sku = %({p}sku)s::text
      LEFT JOIN stock_level l ON l.product_id = p.id AND l.store_id = st.id
     WHERE st.code = %({p}store)s::text AND {SCOPE}"""
    return RootPart(
        _fixed(f"(SELECT {obj} FROM ({row}) {t})"),
        lambda args, actor: {f"{p}sku": args["sku"], f"{p}store": args["storeCode"]},
        Permission.VIEW_STOCK,
    )


def _stock_filter(p: str, filters: frozenset[str]) -> str:
    """list_stock_levels' filter: the parts this request uses."""
    safety = "coalesce(l.safety_stock, p.default_safety_stock)"
    parts = ["true"]
    if "below" in filters:
        parts.append(f"(l.on_hand < {safety}) = %({p}below)s::boolean")
    if "category" in filters:
        parts.append(f"p.category = %({p}category)s::text")
    if "search" in filters:
        initials = (
            f" OR p.pinyin_initials LIKE '%%' || %({p}initials)s::text || '%%'"
            if "initials" in filters
            else ""
        )
        parts.append(f"(p.name ILIKE %({p}like)s::text OR p.barcode = %({p}term)s::text{initials})")
    return " AND ".join(parts)


def _stock_filters(p: str) -> Callable[[dict[str, Any]], frozenset[str]]:
    def filters(params: dict[str, Any]) -> frozenset[str]:
        used = {"below": params[f"{p}below"] is not None}
        used["category"] = params[f"{p}category"] is not None
        used["search"] = params[f"{p}searching"]
        used["initials"] = params[f"{p}initials"] is not None
        return frozenset(name for name, on in used.items() if on)

    return filters


def _bind_stock_levels(p: str) -> Binder:
    def bind(args: dict[str, Any], actor: Actor) -> dict[str, Any] | None:
        first = args.get("first")
        if args.get("after") is not None or (first is not None and not 0 <= first <= MAX_PAGE_SIZE):
            return None  # paging on (or refused): the interpreter's cursors and errors
        f = args.get("filter") or {}
        search = f.get("search")
        term = search.strip() if search else ""
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return {
            f"{p}store": args["storeCode"],
            f"{p}size": DEFAULT_PAGE_SIZE if first is None else first,
            f"{p}below": f.get("belowSafety"),
            f"{p}category": f.get("category"),
            f"{p}searching": bool(search),
            f"{p}like": f"%{escaped}%",
            f"{p}term": term,
            f"{p}initials": term.lower() if search and looks_like_initials(term) else None,
        }

    return bind


def stock_levels(build: Builder, node: FieldNode, p: str) -> RootPart:
    t = build.alias()
    size = f"%({p}size)s::int"
    cursor = q.keyset_cursor("stock", f"{t}.sku")
    edges_and_info: list[str] = []
    for key, field in build.fields("StockLevelConnection", node.selection_set):
        name = field.name.value
        if name == "edges":
            parts = []
            for edge_key, edge_field in build.fields("StockLevelEdge", field.selection_set):
                edge_name = edge_field.name.value
                if edge_name == "cursor":
                    parts.append(f"'{edge_key}', {cursor}")
                elif edge_name == "node":
                    obj = build.object_json("StockLevel", t, edge_field.selection_set)
                    parts.append(f"'{edge_key}', {obj}")
                else:
                    raise Unsupported(f"StockLevelEdge.{edge_name}")
            edge = f"json_build_object({', '.join(parts)})"
            edges_and_info.append(
                f"'{key}', coalesce(json_agg({edge} ORDER BY {t}.n)"
                f" FILTER (WHERE {t}.n <= {size}), '[]'::json)"
            )
        elif name == "pageInfo":
            last = f"(array_agg({t}.sku ORDER BY {t}.n DESC) FILTER (WHERE {t}.n <= {size}))[1]"
            info = {
                "hasNextPage": f"(count({t}.n) > {size})",
                "hasPreviousPage": "false",  # `after` is unset on this path
                "startCursor": q.keyset_cursor("stock", f"min({t}.sku) FILTER (WHERE {t}.n = 1)"),
                "endCursor": q.keyset_cursor("stock", last),
            }
            parts = []
            for info_key, info_field in build.fields("PageInfo", field.selection_set):
                if info_field.name.value not in info:
                    raise Unsupported(f"PageInfo.{info_field.name.value}")
                parts.append(f"'{info_key}', {info[info_field.name.value]}")
            edges_and_info.append(f"'{key}', json_build_object({', '.join(parts)})")
        elif name == "__typename":
            edges_and_info.append(f"'{key}', 'StockLevelConnection'")
        else:
            raise Unsupported(f"StockLevelConnection.{name}")
    edges_and_info_sql = ", ".join(edges_and_info)

    def sql(filters: frozenset[str]) -> str:
        page = f"""SELECT {LEVEL_COLUMNS}, p.sku, row_number() OVER (ORDER BY p.sku) AS n
            FROM product p JOIN stock_level l ON l.product_id = p.id AND l.store_id = st.id
           WHERE {_stock_filter(p, filters)}
           ORDER BY p.sku LIMIT {size} + 1"""
        return f"""(SELECT page.json FROM store st CROSS JOIN LATERAL (
            SELECT CASE WHEN bool_and({q.ascii_key(f"{t}.sku")}) IS FALSE THEN NULL
                   ELSE json_build_object({edges_and_info_sql}) END AS json
              FROM ({page}) {t}) page
          WHERE st.code = %({p}store)s::text AND {SCOPE})"""

    return RootPart(sql, _bind_stock_levels(p), Permission.VIEW_STOCK, _stock_filters(p))


ROOTS: dict[str, RootCompiler] = {
    "me": me,
    "product": product,
    "stockLevel": stock_level,
    "stockLevels": stock_levels,
}
