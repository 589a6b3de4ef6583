"""The floor the API is measured against: plain Starlette, raw psycopg, the same SQL, no GraphQL.

Each endpoint runs the statements the GraphQL operation runs (the per-request token lookup of
`api.domain.auth.authenticate`, then the ORM's row load) on an autocommit, prepared psycopg
pool, checks the same permission, and answers with the JSON the GraphQL response carries. It
accepts the very request body sent to /graphql and reads only its `variables`.

Serve with `uvicorn bench.plain_app:app` and DATABASE_URL set (either URL form).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import orjson
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.compiled.plan import compile_plan
from api.domain import global_ids
from api.domain.access import ROLE_PERMISSIONS, Permission, Role, StoreScope
from api.domain.pagination import encode_cursor
from api.domain.promotions import redemption
from api.domain.sales import record_statement
from api.schema.root import schema
from api.trusted_documents import read_operations


def _psycopg(sql: str) -> str:
    """SQLAlchemy's :name placeholders as psycopg's %(name)s (casts use CAST, not ::)."""
    return re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", sql)


# recordSale's one statement, taken from the domain so the floor runs exactly the same SQL.
RECORD_SALE_SQL = _psycopg(record_statement.RECORD.text)

# Kept identical to api.domain.auth._AUTHENTICATE_SQL (psycopg placeholders instead of :digest).
AUTHENTICATE_SQL = """
    SELECT t.id AS token_id, t.kind, t.grants, t.expires_at <= now() AS expired,
           t.revoked_at IS NOT NULL AS revoked,
           s.id AS staff_id, s.username, s.role, s.store_id, s.region_id, s.status
      FROM auth_token t JOIN staff s ON s.id = t.staff_id
     WHERE t.token_hash = %s
    """
# The columns the ORM loads for `session.get_one(Staff, id)` and `select(Product)`: same DB work.
STAFF_SQL = (
    "SELECT id, username, display_name, role, store_id, region_id, status, password_hash,"
    " created_at, status_changed_at FROM staff WHERE id = %s"
)
PRODUCT_SQL = (
    "SELECT id, sku, barcode, name, category, unit, price_cents, region_id, seasonal,"
    " shelf_life_days, created_at FROM product WHERE sku = %s"
)


# What the interpreter runs for the trusted `Me` (the caller's staff row; store and region
# through the loaders) and for `SearchStock`'s page (authorize_store, then list_stock_levels'
# one statement): the same work, answered without GraphQL.
STORE_SQL = "SELECT id, code, name, time_zone, region_id FROM store WHERE id = %s"
REGION_SQL = "SELECT code, name FROM region WHERE id = %s"
STORE_BY_CODE_SQL = "SELECT id, region_id FROM store WHERE code = %s"
STOCK_PAGE_SQL = """
    SELECT p.sku, p.barcode, p.name, p.category, p.unit, p.price_cents,
           coalesce(l.on_hand, 0), coalesce(l.in_transit, 0),
           coalesce(l.safety_stock, p.default_safety_stock),
           greatest(coalesce(l.reorder_target, p.default_reorder_target),
                    coalesce(l.safety_stock, p.default_safety_stock)),
           l.last_sold_at
      FROM product p JOIN stock_level l ON l.product_id = p.id AND l.store_id = %s
     ORDER BY p.sku LIMIT %s
    """


# The member card's floor is the compiled path's own statement (api/compiled/), for the demo's
# ADMIN (the bench's caller): a plain endpoint can do no less SQL for the same answer.
_CARD_PLAN = compile_plan(
    schema._schema,
    next(d for d, _ in read_operations() if d.name == "MemberByCode"),
    Role.ADMIN,
)
MEMBER_CARD_SQL = _CARD_PLAN.sql


class Refused(Exception):
    """The GraphQL API would answer with an error here."""


def _json(payload: dict[str, Any]) -> Response:
    return Response(orjson.dumps(payload), media_type="application/json")


def _error(message: str) -> Response:
    return _json({"data": None, "errors": [{"message": message}]})


async def _authenticate(conn: AsyncConnection[Any], request: Request) -> tuple[Any, ...]:
    """The token's row, refused for the reasons `api.domain.auth.authenticate` refuses it."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 100:
        raise Refused("Malformed Authorization header")
    digest = hashlib.sha256(token.encode()).digest()
    cur = await conn.execute(AUTHENTICATE_SQL, (digest,))
    row: tuple[Any, ...] | None = await cur.fetchone()
    if row is None or row[4] or row[3] or row[10] == "FROZEN":  # unknown/revoked/expired/frozen
        raise Refused("Unauthenticated")
    return row


def _permissions(auth_row: tuple[Any, ...]) -> list[str]:
    granted = ROLE_PERMISSIONS[Role(auth_row[7])] | {Permission(g) for g in auth_row[2]}
    return sorted(str(p) for p in granted)


async def me(request: Request) -> Response:
    pool: AsyncConnectionPool[AsyncConnection[Any]] = request.app.state.pool
    await request.body()  # read like the GraphQL view does; `me` takes no variables
    async with pool.connection() as conn:
        try:
            auth = await _authenticate(conn, request)
        except Refused as exc:
            return _error(str(exc))
        cur = await conn.execute(STAFF_SQL, (auth[5],))
        staff = await cur.fetchone()
    if staff is None:
        return _error("Not found")
    return _json(
        {
            "data": {
                "me": {
                    "username": staff[1],
                    "displayName": staff[2],
                    "role": staff[3],
                    "status": staff[6],
                    "permissions": _permissions(auth),
                }
            }
        }
    )


async def product(request: Request) -> Response:
    pool: AsyncConnectionPool[AsyncConnection[Any]] = request.app.state.pool
    sku = orjson.loads(await request.body())["variables"]["sku"]
    async with pool.connection() as conn:
        try:
            auth = await _authenticate(conn, request)
        except Refused as exc:
            return _error(str(exc))
        if Permission.VIEW_ORGANISATION not in _permissions(auth):
            return _error("Forbidden")
        cur = await conn.execute(PRODUCT_SQL, (sku,))
        row = await cur.fetchone()
    found = None
    if row is not None:
        found = {
            "sku": row[1],
            "name": row[3],
            "priceCents": row[6],
            "core": row[7] is None,
            "seasonal": row[8],
        }
    return _json({"data": {"product": found}})


async def me_document(request: Request) -> Response:
    """The trusted `Me` document's answer."""
    pool: AsyncConnectionPool[AsyncConnection[Any]] = request.app.state.pool
    await request.body()
    async with pool.connection() as conn:
        try:
            auth = await _authenticate(conn, request)
        except Refused as exc:
            return _error(str(exc))
        staff = await (await conn.execute(STAFF_SQL, (auth[5],))).fetchone()
        if staff is None:
            return _error("Not found")
        store = region = row = None
        if staff[4] is not None:
            row = await (await conn.execute(STORE_SQL, (staff[4],))).fetchone()
            store = {"code": row[1], "name": row[2], "timeZone": row[3]} if row else None
        region_id = staff[5] if staff[5] is not None else (row[4] if row else None)
        if region_id is not None:
            found = await (await conn.execute(REGION_SQL, (region_id,))).fetchone()
            region = {"code": found[0], "name": found[1]} if found else None
    me = {
        "id": global_ids.encode("Staff", staff[1]),
        "username": staff[1],
        "displayName": staff[2],
        "role": staff[3],
        "store": store,
        "region": region,
        "permissions": _permissions(auth),
    }
    return _json({"data": {"me": me}})


async def stock_page(request: Request) -> Response:
    """`SearchStock` without a search: a store's first page of balances with their products."""
    pool: AsyncConnectionPool[AsyncConnection[Any]] = request.app.state.pool
    variables = orjson.loads(await request.body())["variables"]
    size = variables["first"]
    async with pool.connection() as conn:
        try:
            auth = await _authenticate(conn, request)
        except Refused as exc:
            return _error(str(exc))
        if Permission.VIEW_STOCK not in _permissions(auth):
            return _error("Forbidden")
        store = await (await conn.execute(STORE_BY_CODE_SQL, (variables["storeCode"],))).fetchone()
        if store is None or not _scope(auth).allows(store[0], store[1]):
            return _error("Not found or outside scope")
        rows = await (await conn.execute(STOCK_PAGE_SQL, (store[0], size + 1))).fetchall()
    edges = [
        {
            "cursor": encode_cursor("stock", [r[0]]),
            "node": {
                "onHand": r[6],
                "inTransit": r[7],
                "safetyStock": r[8],
                "reorderTarget": r[9],
                "discrepancy": r[6] < 0,
                "lastSoldAt": r[10].isoformat() if r[10] is not None else None,
                "product": {
                    "sku": r[0],
                    "barcode": r[1],
                    "name": r[2],
                    "category": r[3],
                    "unit": r[4],
                    "priceCents": r[5],
                },
            },
        }
        for r in rows[:size]
    ]
    page_info = {
        "hasNextPage": len(rows) > size,
        "endCursor": edges[-1]["cursor"] if edges else None,
    }
    return _json({"data": {"stockLevels": {"edges": edges, "pageInfo": page_info}}})


async def member_card(request: Request) -> Response:
    """`MemberByCode` for a card opened again within the hour (the bench opens it first)."""
    pool: AsyncConnectionPool[AsyncConnection[Any]] = request.app.state.pool
    code = orjson.loads(await request.body())["variables"]["code"]
    async with pool.connection() as conn:
        try:
            auth = await _authenticate(conn, request)
        except Refused as exc:
            return _error(str(exc))
        if Permission.VIEW_MEMBERS not in _permissions(auth):
            return _error("Forbidden")
        params = {
            "staff_id": auth[5],
            **_scope(auth).sql_params(),
            "r0_card": code,
            "r0_dedupe": timedelta(hours=1),
        }
        row = await (await conn.execute(MEMBER_CARD_SQL, params)).fetchone()
    if row is None or row[0] is None:
        return _error("Not opened within the hour, or unknown")
    return Response(b'{"data":' + row[0].encode() + b"}", media_type="application/json")


def _scope(auth_row: tuple[Any, ...]) -> StoreScope:
    store_id, region_id = auth_row[8], auth_row[9]
    if store_id is not None:
        return StoreScope(store_id=store_id)
    if region_id is not None:
        return StoreScope(region_id=region_id)
    return StoreScope(all_stores=True)


async def record_sale(request: Request) -> Response:
    """recordSale's path without GraphQL: the token, then the sale's one statement (autocommit:
    one statement is atomic on its own), for a sale without a member."""
    pool: AsyncConnectionPool[AsyncConnection[Any]] = request.app.state.pool
    sale = orjson.loads(await request.body())["variables"]["input"]
    lines = sale["lines"]
    subtotal = sum(x["quantity"] * x["unitPriceCents"] for x in lines)
    discount = sum(x.get("discountCents", 0) for x in lines)
    async with pool.connection() as conn:
        try:
            auth = await _authenticate(conn, request)
        except Refused as exc:
            return _error(str(exc))
        if Permission.RECORD_SALES not in _permissions(auth):
            return _error("Forbidden")
        cur = await conn.execute(
            RECORD_SALE_SQL,
            {
                **_scope(auth).sql_params(),
                "store_code": sale["storeCode"],
                "member_card": None,
                "member_ref": None,
                "skus": [x["sku"] for x in lines],
                "quantities": [x["quantity"] for x in lines],
                "prices": [x["unitPriceCents"] for x in lines],
                "discounts": [x.get("discountCents", 0) for x in lines],
                "promotions": [None for _ in lines],
                "receipt_no": sale["receiptNo"],
                "sold_at": sale["soldAt"],
                "staff_id": auth[5],
                "points": 0,
                "subtotal": subtotal,
                "discount": discount,
                "total": subtotal - discount,
                "promoted": 0,
                "min_expected": redemption.MIN_EXPECTED,
                "z_critical": redemption.Z_CRITICAL,
                "earn_here": False,
                "promotion_type_ids": [],
                "promotion_type_names": [],
                "kind": "SALE",
                "reference_type": "sale",
                "reason": None,
            },
        )
        row = await cur.fetchone()
    if row is None or not row[2] or row[3] or row[4] or row[6] is None:
        return _error("Refused or replayed")
    sold = {"id": global_ids.encode("Sale", row[6]), "totalCents": subtotal - discount}
    return _json({"data": {"recordSale": {"replayed": False, "sale": sold}}})


def _libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # Sized like the API's SQLAlchemy pool (10 + 10 overflow); autocommit, prepared after 2 uses.
    pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
        _libpq_url(os.environ["DATABASE_URL"]),
        min_size=10,
        max_size=20,
        kwargs={
            "autocommit": True,
            "prepare_threshold": 2,
            "application_name": "chainstore-bench-plain",
        },
        open=False,
    )
    await pool.open(wait=True)
    app.state.pool = pool
    try:
        yield
    finally:
        await pool.close()


async def healthz(request: Request) -> Response:
    return _json({"status": "ok"})


app = Starlette(
    routes=[
        Route("/me", me, methods=["POST"]),
        Route("/product", product, methods=["POST"]),
        Route("/me_document", me_document, methods=["POST"]),
        Route("/stock_page", stock_page, methods=["POST"]),
        Route("/member_card", member_card, methods=["POST"]),
        Route("/record_sale", record_sale, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ],
    lifespan=lifespan,
)
