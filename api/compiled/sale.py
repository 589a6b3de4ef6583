"""The trusted recordSale mutation without the interpreter, for the common receipt.

A till's receipt with nothing to price (no promotion claimed, no coupon), no points redeemed
and no idempotencyKey is recorded by record_sale with two statements: the token, then RECORD
(api/domain/sales/record_statement.py). This plan runs exactly those two, in one transaction
on the compiled path's pool, and answers the payload record_sale's new sale gives:
- what RECORD binds is record_statement.record_params of what record.plain_sale accepts (the
  same checks as record_sale, in Python, before any statement);
- RECORD's text is converted once to psycopg's native `$n` form (SQLAlchemy's own rendering
  of it, then positions): no placeholder parsing per call, prepared after two uses;
- the answer is only given when record.completes says record_sale would have answered a new
  sale with no statement more. Anything else (a refusal, a replay, an alert's event, a points
  guard, any error) rolls the transaction back and the interpreter runs the request from the
  start, so every error, replay and event is its own. A rolled-back RECORD leaves a gap in
  sale_id_seq (as any rolled-back sale does), nothing else.
- the channel (the document's client, api/channel.py) is set in the transaction by the token
  statement itself, so stock movements say POS as the interpreter's do.
The response is built from record.fresh_sale's RecordedSale with the selection's keys in order
and values printed as the schema prints them (tests/compiled/test_record_sale.py compares
bytes and the database's rows against the interpreter's).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
)
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.sql.elements import TextClause
from strawberry.relay import to_base64

from api.channel import API, channel_of_client
from api.compiled.selection import Unsupported, response_fields
from api.domain import auth
from api.domain.access import ROLE_PERMISSIONS, Actor, Permission, Role
from api.domain.sales import record, record_statement
from api.domain.sales.documents import NewSale, RecordedSale, SaleLineInput
from api.input_text import _unstorable_variable
from api.query_shape import CostMeter
from api.trusted_documents import TrustedDocument
from db.pii import KeyRing

Render = Callable[[Any], Any]


def native_statement(statement: TextClause) -> tuple[str, tuple[str, ...]]:
    """A text() statement as psycopg sends it (SQLAlchemy's rendering for the psycopg
    dialect), with `$n` placeholders for a raw cursor, and the parameter names by position."""
    rendered = str(statement.compile(dialect=psycopg_dialect.dialect()))  # type: ignore[no-untyped-call]
    names: list[str] = []

    def position(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    parts = re.split(r"(%\(\w+\)s|%%)", rendered)
    out = []
    for part in parts:
        placeholder = re.fullmatch(r"%\((\w+)\)s", part)
        out.append(position(placeholder) if placeholder else "%" if part == "%%" else part)
    return "".join(out), tuple(names)


RECORD_SQL, RECORD_NAMES = native_statement(record_statement.RECORD)


def authenticate_sql(channel: str) -> str:
    """auth's token statement; for a channel other than API it also sets the transaction's
    `chainstore.channel` (api/channel.py), which the rows written after it default to."""
    if channel == API:
        return auth.AUTHENTICATE_SQL_PSYCOPG
    assert channel.isalpha()
    return (
        f"SELECT a.*, set_config('chainstore.channel', '{channel}', true) AS channel"
        f" FROM ({auth.AUTHENTICATE_SQL_PSYCOPG}) AS a"
    )


@dataclass(frozen=True)
class SaleSettings:
    """How this process reads member codes (as the resolver's `member_codes`)."""

    ring: KeyRing | None
    code_ttl_seconds: int


@dataclass(frozen=True)
class BoundSale:
    new: NewSale
    receipt_no: str
    values: list[object]  # RECORD's parameters, by position


@dataclass
class SalePlan:
    document: TrustedDocument
    role: Role
    schema: GraphQLSchema
    operation: OperationDefinitionNode
    key: str  # the root's response key
    node: FieldNode
    definition: GraphQLField
    render: Render  # RecordedSale -> the payload's JSON value
    channel: str
    auth_sql: str
    _cost: int | None = None

    def cost(self) -> int:
        """api/limits.py's cost: the document has no `first` or `ids`, so one number."""
        if self._cost is None:
            self._cost = CostMeter(self.document.document, self.operation, {}).cost()
        return self._cost

    def bind(
        self, actor: Actor, variables: object, settings: SaleSettings, now: datetime
    ) -> BoundSale | None:
        """The receipt and RECORD's parameters by position, or None: the interpreter answers."""
        if actor.role != self.role or actor.grants or actor.role_pending:
            return None
        if not isinstance(variables, dict):
            return None
        coerced = get_variable_values(
            self.schema, self.operation.variable_definitions or (), variables
        )
        if isinstance(coerced, list):
            return None
        if any(_unstorable_variable(v, f"${k}") for k, v in variables.items()):
            return None
        try:
            value = get_argument_values(self.definition, self.node, coerced).get("input")
        except GraphQLError:
            return None
        if not isinstance(value, dict):
            return None
        new = _new_sale(value)
        if new is None:
            return None
        plain = record.plain_sale(
            actor, new, now=now, ring=settings.ring, code_ttl_seconds=settings.code_ttl_seconds
        )
        if plain is None:
            return None
        params = record_statement.record_params(
            actor, new, receipt_no=plain.receipt_no, member_id=None, code=plain.code, claims=None
        )
        return BoundSale(new, plain.receipt_no, [params[name] for name in RECORD_NAMES])

    def body(self, sale: RecordedSale, max_cost: int) -> bytes:
        data = orjson.dumps({self.key: self.render(sale)})
        extensions = b',"extensions":{"cost":{"requested":%d,"limit":%d}}}' % (
            self.cost(),
            max_cost,
        )
        return b'{"data":' + data + extensions


def _new_sale(value: Mapping[str, Any]) -> NewSale | None:
    """api/resolvers/sales.py's `_new_sale` for an input with nothing to decode (no promotion
    or coupon ids) and no idempotencyKey; None for any other."""
    if value.get("couponIds") or value.get("idempotencyKey") is not None:
        return None
    lines = value["lines"]
    if any(x.get("promotionId") is not None for x in lines):
        return None
    return NewSale(
        store_code=value["storeCode"],
        receipt_no=value["receiptNo"],
        sold_at=value["soldAt"],
        lines=[
            SaleLineInput(
                sku=x["sku"],
                quantity=x["quantity"],
                unit_price_cents=x["unitPriceCents"],
                discount_cents=x["discountCents"],
                promotion_id=None,
            )
            for x in lines
        ],
        member_code=value["memberCode"],
        points_redeemed=value["pointsRedeemed"],
        coupon_ids=(),
    )


def compile_sale_plan(schema: GraphQLSchema, document: TrustedDocument, role: Role) -> SalePlan:
    """The plan of a trusted `recordSale(input: $input)` mutation for `role`, or Unsupported."""
    if document.type is not OperationType.MUTATION:
        raise Unsupported(f"a {document.type.value}")
    operation = document.document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    fragments = {
        d.name.value: d
        for d in document.document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    roots = response_fields("Mutation", operation.selection_set, fragments)
    if len(roots) != 1 or roots[0][1].name.value != "recordSale":
        raise Unsupported("a mutation other than one recordSale")
    key, node = roots[0]
    arguments = node.arguments or ()
    if len(arguments) != 1 or not isinstance(arguments[0].value, VariableNode):
        raise Unsupported("recordSale's input not one variable")
    if arguments[0].name.value != "input":
        raise Unsupported("recordSale without input")
    if Permission.RECORD_SALES not in ROLE_PERMISSIONS[role]:
        raise Unsupported(f"Mutation.recordSale refused to {role.value}")
    channel = channel_of_client(document.client)
    mutation_type = schema.mutation_type
    assert mutation_type is not None
    return SalePlan(
        document=document,
        role=role,
        schema=schema,
        operation=operation,
        key=key,
        node=node,
        definition=mutation_type.fields["recordSale"],
        render=_object("RecordSalePayload", node.selection_set, fragments),
        channel=channel,
        auth_sql=authenticate_sql(channel),
    )


def _iso(value: datetime) -> str:
    return value.isoformat()  # strawberry's DateTime


def _constant(value: str) -> Render:
    return lambda _value: value


def _no_promotion(line: Any) -> None:
    assert line.promotion_id is None  # record.plain_sale: no line claims one
    return None


def _attr(name: str) -> Callable[[FieldNode, Mapping[str, FragmentDefinitionNode]], Render]:
    return lambda _node, _fragments: lambda value: getattr(value, name)


def _child(
    type_name: str, name: str, *, many: bool = False
) -> Callable[[FieldNode, Mapping[str, FragmentDefinitionNode]], Render]:
    def make(node: FieldNode, fragments: Mapping[str, FragmentDefinitionNode]) -> Render:
        inner = _object(type_name, node.selection_set, fragments)
        if many:
            return lambda value: [inner(x) for x in getattr(value, name)]
        return lambda value: inner(getattr(value, name))

    return make


def _scalars(**names: str) -> dict[str, Any]:
    return {field: _attr(attribute) for field, attribute in names.items()}


# GraphQL field -> how it prints from the domain value (RecordedSale, RecordedLine,
# StockAfterSale), as api/schema/sales.py's types print them.
FIELDS: dict[str, dict[str, Any]] = {
    "RecordSalePayload": {
        **_scalars(replayed="replayed"),
        "sale": lambda node, fragments: _object("Sale", node.selection_set, fragments),
        "stock": _child("StockAfterSale", "stock", many=True),
    },
    "Sale": {
        "id": lambda _n, _f: lambda sale: to_base64("Sale", sale.id),
        "soldAt": lambda _n, _f: lambda sale: _iso(sale.sold_at.astimezone(UTC)),
        "lines": _child("SaleLine", "lines", many=True),
        **_scalars(
            receiptNo="receipt_no",
            subtotalCents="subtotal_cents",
            discountCents="discount_cents",
            totalCents="total_cents",
            pointsRedeemed="points_redeemed",
        ),
    },
    "SaleLine": {
        "promotion": lambda _n, _f: _no_promotion,
        **_scalars(
            lineNo="line_no",
            sku="sku",
            quantity="quantity",
            unitPriceCents="unit_price_cents",
            discountCents="discount_cents",
            lineTotalCents="line_total_cents",
            returnedQuantity="returned_quantity",
        ),
    },
    "StockAfterSale": _scalars(sku="sku", onHand="on_hand", discrepancy="discrepancy"),
}


def _object(
    type_name: str,
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> Render:
    parts: list[tuple[str, Render]] = []
    for key, node in response_fields(type_name, selection_set, fragments):
        name = node.name.value
        if node.arguments:
            raise Unsupported(f"{type_name}.{name} with arguments")
        if name == "__typename":
            parts.append((key, _constant(type_name)))
            continue
        make = FIELDS[type_name].get(name)
        if make is None:
            raise Unsupported(f"{type_name}.{name}")
        parts.append((key, make(node, fragments)))
    return lambda value: {key: render(value) for key, render in parts}
