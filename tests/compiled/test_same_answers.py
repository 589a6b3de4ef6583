"""The proof of the compiled path: every trusted operation, as every role, on the demo chain,
answers the same bytes (and status and media type) compiled as interpreted.

Queries run through both apps (`CHAINSTORE_COMPILED_OPERATIONS` on and off) on one database,
with variables naming rows that exist and rows that do not (NOT_FOUND, FORBIDDEN outside the
caller's scope): a compiled plan that answers differently from the interpreter in any case
fails here. Mutations and subscriptions run on the interpreter (asserted, not run), but for
the trusted recordSale: tests/compiled/test_record_sale.py compares it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest
from graphql import (
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    TypeNode,
)

from api.compiled.http import CompiledOperations
from api.domain.access import Role
from api.trusted_documents import TrustedDocument
from db.embedded import to_libpq_uri
from tests.compiled.test_statement_budget import raw_statements
from tests.conftest import Api, running_api

ROLES: tuple[Role | None, ...] = (None, *Role)


def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, NonNullTypeNode | ListTypeNode):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


class DemoValues:
    """Real and unknown values for the variables the trusted documents take, by name."""

    def __init__(self, url: str) -> None:
        with psycopg.connect(to_libpq_uri(url)) as conn:
            self.store, self.region = conn.execute(
                "SELECT s.code, r.code FROM store s JOIN region r ON r.id = s.region_id"
                " JOIN stock_level l ON l.store_id = s.id ORDER BY s.code LIMIT 1"
            ).fetchone()  # type: ignore[misc]
            self.sku, self.barcode = conn.execute(
                "SELECT p.sku, p.barcode FROM product p JOIN stock_level l ON l.product_id = p.id"
                " JOIN store s ON s.id = l.store_id WHERE s.code = %s ORDER BY p.sku LIMIT 1",
                (self.store,),
            ).fetchone()  # type: ignore[misc]
            self.other_store = conn.execute(
                "SELECT code FROM store WHERE code <> %s ORDER BY code DESC LIMIT 1", (self.store,)
            ).fetchone()[0]  # type: ignore[index]
            initials = conn.execute(
                "SELECT pinyin_initials FROM product WHERE length(pinyin_initials) >= 3"
                " ORDER BY sku LIMIT 1"
            ).fetchone()
            self.initials = initials[0][:3] if initials else "blg"
            # The fullest card: purchases, preferences, complaints, coupons, pickups.
            self.card = conn.execute(
                "SELECT m.card_number FROM member m ORDER BY"
                " (SELECT count(*) FROM complaint c WHERE c.member_id = m.id)"
                " + (SELECT count(*) FROM member_coupon c WHERE c.member_id = m.id)"
                " + (SELECT count(*) FROM complaint_pickup c WHERE c.member_id = m.id)"
                " + (SELECT count(*) FROM sale c WHERE c.member_id = m.id) DESC,"
                " m.id LIMIT 1"
            ).fetchone()[0]  # type: ignore[index]

    def sets(self, operation: OperationDefinitionNode) -> list[dict[str, Any]]:
        """Variable sets for an operation: real values, the caller's other store, unknowns."""
        real = {
            "storeCode": self.store,
            "fromStoreCode": self.other_store,
            "toStoreCode": self.store,
            "regionCode": self.region,
            "sku": self.sku,
            "code": self.card,
            "barcode": self.barcode,
            "search": None,
            "first": 5,
        }
        elsewhere = {**real, "storeCode": self.other_store}
        unknown = {**real, "storeCode": "NO-SUCH", "sku": "NO-SUCH-SKU", "code": "000000"}
        searched = {**real, "search": self.barcode[:4], "belowSafety": False}
        by_initials = {**real, "search": self.initials, "belowSafety": True, "first": 100}
        sets = []
        for candidate in (real, elsewhere, unknown, searched, by_initials):
            variables: dict[str, Any] = {}
            for definition in operation.variable_definitions or ():
                name = definition.variable.name.value
                if name in candidate:
                    variables[name] = candidate[name]
                elif isinstance(definition.type, NonNullTypeNode) and not definition.default_value:
                    variables[name] = _filler(_named(definition.type))
            if variables not in sets:
                sets.append(variables)
        return sets or [{}]


def _filler(type_name: str) -> Any:
    return {"Int": 1, "Boolean": True, "Float": 1.0, "Date": "2026-11-02"}.get(type_name, "x")


@pytest.fixture
async def both(demo_db: str) -> AsyncIterator[tuple[Api, Api, CompiledOperations]]:
    async with (
        running_api(demo_db, compiled_operations=False) as interpreted,
        running_api(demo_db) as compiled,
    ):
        transport = compiled.client._transport
        assert isinstance(transport, httpx.ASGITransport)
        operations = transport.app.state.compiled  # type: ignore[attr-defined]
        yield interpreted, compiled, operations


def _headers(response: httpx.Response) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.headers.items() if k != "x-request-id")


async def _tokens(api: Api) -> dict[Role | None, str | None]:
    with psycopg.connect(to_libpq_uri(api.url)) as conn:
        rows = conn.execute(
            "SELECT DISTINCT ON (role) role, username FROM staff"
            " WHERE status = 'ACTIVE' ORDER BY role, username"
        ).fetchall()
    tokens: dict[Role | None, str | None] = {None: None}
    for role, username in rows:
        tokens[Role(role)] = await api.token_for(username)
    return tokens


async def _ask(api: Api, document: TrustedDocument, variables: dict[str, Any], token: str | None,
               method: str) -> httpx.Response:  # fmt: skip
    headers = {"authorization": f"Bearer {token}"} if token else {}
    if method == "GET":
        import json

        params = {"documentId": document.id, "variables": json.dumps(variables)}
        return await api.client.get("/graphql", params=params, headers=headers)
    body = {"documentId": document.id, "variables": variables}
    # POSTs ask for GraphQL-over-HTTP's media type, GETs accept anything (application/json).
    headers["accept"] = "application/graphql-response+json"
    return await api.client.post("/graphql", json=body, headers=headers)


async def test_every_trusted_operation_answers_the_same_compiled(
    both: tuple[Api, Api, CompiledOperations],
) -> None:
    interpreted, compiled, operations = both
    tokens = await _tokens(interpreted)
    assert set(tokens) == set(ROLES), set(ROLES) - set(tokens)
    values = DemoValues(interpreted.url)
    compared = answered_compiled = 0
    documents = sorted(operations.documents, key=lambda d: (d.client, d.name))
    for document in documents:
        if document.type is not OperationType.QUERY:
            assert not any(key[0] == document.id for key in operations.plans), document.name
            continue
        operation = document.document.definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        for role in ROLES:
            for variables in values.sets(operation):
                for method in ("POST", "GET"):
                    with compiled.count_sql() as orm_statements, raw_statements() as raw:
                        got = await _ask(compiled, document, variables, tokens[role], method)
                    want = await _ask(interpreted, document, variables, tokens[role], method)
                    where = f"{document.client}/{document.name} as {role} {method} {variables}"
                    assert (got.status_code, _headers(got)) == (
                        want.status_code,
                        _headers(want),
                    ), where
                    assert got.content == want.content, (
                        f"{where}\n{got.content!r}\n{want.content!r}"
                    )
                    compared += 1
                    answered_compiled += len(raw) == 2 and not orm_statements
    plans = len(operations.plans)
    declined = len(operations.declined)
    print(f"\n{compared} comparisons; {answered_compiled} answered by a plan;"
          f" (document, role) pairs: {plans} compiled, {declined} on the interpreter")  # fmt: skip
    names = sorted({f"{p.document.client}/{p.document.name}" for p in operations.plans.values()})
    print("compiled:", ", ".join(names))
    reasons = Counter(why.split(" refused to ")[0] for why in operations.declined.values())
    print("why the others run on the interpreter:", reasons.most_common(8))
    assert {"clerk/Me", "clerk/StockLevel", "clerk/SearchStock", "clerk/ProductBySku"} <= set(names)
    assert answered_compiled > 0
