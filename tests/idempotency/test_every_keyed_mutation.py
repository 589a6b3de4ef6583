"""End to end, every mutation whose input takes `idempotencyKey` (found in the schema, so a new
one is covered at once, and fails until tests/idempotency/examples.py has a first call for it):
the same key and input replay the first answer and write nothing (every table's rows compared);
the same key with any one leaf of the input changed (each field, nested field and list entry,
a list reversed, a string padded) is CONFLICT and writes nothing. test_whole_input.py proves
the same per field on the binding itself, without a database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
    get_named_type,
)
from sqlalchemy import text

from api.domain import global_ids
from api.schema.root import schema
from tests.conftest import Api
from tests.idempotency.examples import EXAMPLES, NOT_BOUND, REPLAY_MARKERS, SAME_REQUEST

SDL = build_schema(schema.as_str())
MUTATIONS = SDL.mutation_type.fields if SDL.mutation_type else {}
# recordSales shares RecordSaleInput with recordSale and refuses the key (README).
KEYED = sorted(
    name
    for name, field in MUTATIONS.items()
    if "input" in field.args
    and isinstance(input_type := get_named_type(field.args["input"].type), GraphQLInputObjectType)
    and "idempotencyKey" in input_type.fields
    and name != "recordSales"
)
# Written by every authenticated request, not by the mutation (the token's last use).
PER_REQUEST_TABLES = {"auth_token"}


def test_every_keyed_mutation_has_an_example() -> None:
    assert len(KEYED) >= 23
    assert [name for name in KEYED if name not in EXAMPLES] == []
    assert sorted(set(EXAMPLES) - set(KEYED)) == []


def selection(object_type: GraphQLObjectType, depth: int = 2) -> str:
    """The payload's scalars, and those of the objects under it (arguments-free fields only)."""
    parts = []
    for name, field in object_type.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        named = get_named_type(field.type)
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif isinstance(named, GraphQLObjectType) and depth > 1 and not field.args:
            parts.append(f"{name} {{ {selection(named, depth - 1)} }}")
    return " ".join(parts) or "__typename"


def document(name: str) -> str:
    field = MUTATIONS[name]
    input_type = get_named_type(field.args["input"].type)
    payload = get_named_type(field.type)
    assert isinstance(payload, GraphQLObjectType)
    return (
        f"mutation($input: {input_type.name}!) {{ {name}(input: $input) "
        f"{{ {selection(payload)} }} }}"
    )


def variants(value: Any, of: GraphQLInputType, path: str) -> Iterator[tuple[str, Any]]:
    """The value with one leaf changed, for every leaf in turn (list entries, nested fields)."""
    kind = of.of_type if isinstance(of, GraphQLNonNull) else of
    if isinstance(kind, GraphQLList):
        if value[::-1] != value:  # the order is part of the input too
            yield f"{path} reversed", value[::-1]
        for i, item in enumerate(value):
            for at, other in variants(item, kind.of_type, f"{path}[{i}]"):
                yield at, [*value[:i], other, *value[i + 1 :]]
    elif isinstance(kind, GraphQLInputObjectType):
        for name, item in value.items():
            for at, other in variants(item, kind.fields[name].type, f"{path}.{name}"):
                yield at, {**value, name: other}
    else:
        yield path, changed(value, kind)
        if isinstance(kind, GraphQLScalarType) and kind.name == "String":
            # What the rules would strip or fold still makes another input (not a replay).
            yield f"{path} padded", f" {value} "


def changed(value: Any, kind: GraphQLInputType) -> Any:
    """Another valid-looking value of the same type (the key is checked before the rules)."""
    if isinstance(kind, GraphQLEnumType):
        return next(v for v in kind.values if v != value)
    assert isinstance(kind, GraphQLScalarType), kind
    if kind.name == "Boolean":
        return not value
    if kind.name == "Int":
        return value + 1
    if kind.name == "ID":
        decoded = global_ids.decode(value, argument="id")
        key = uuid.uuid4() if not decoded.key.isdigit() else int(decoded.key) + 1
        return global_ids.encode(decoded.type_name, key)
    if kind.name == "Date":
        return (date.fromisoformat(value) + timedelta(days=1)).isoformat()
    if kind.name == "DateTime":
        return (datetime.fromisoformat(value) + timedelta(minutes=1)).isoformat()
    assert kind.name == "String", f"no change rule for {kind.name}"
    return f"{value} (changed)"


def first_answer(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The payload without the fields that only say whether it was a replay."""
    markers = REPLAY_MARKERS.get(name, set())
    return {k: v for k, v in data[name].items() if k not in markers}


async def database_state(api: Api) -> dict[str, str]:
    """A digest of every table's rows: equal digests, nothing written."""
    async with api.engine.connect() as conn:
        tables = (
            await conn.scalars(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
                )
            )
        ).all()
        state = {}
        for table in tables:
            if table in PER_REQUEST_TABLES:
                continue
            state[table] = await conn.scalar(
                text(
                    f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                    f'FROM "{table}" t'
                )
            )
    return state


@pytest.mark.parametrize("name", KEYED)
async def test_replay_answers_the_first_call_and_any_change_is_conflict(
    api: Api, name: str
) -> None:
    prepare = EXAMPLES.get(name)
    assert prepare is not None, f"{name} takes idempotencyKey: add it to tests/idempotency/examples"
    first_call = await prepare(api)
    token = await api.token_for(first_call.username)
    query = document(name)
    keyed = {**first_call.input, "idempotencyKey": f"{name}-1"}
    before = await database_state(api)
    first = await api.data(query, {"input": keyed}, token=token)
    written = await database_state(api)
    assert written != before, f"{name}'s example wrote nothing"
    replay = await api.data(query, {"input": keyed}, token=token)
    assert first_answer(name, replay) == first_answer(name, first)
    assert await database_state(api) == written

    input_type = get_named_type(MUTATIONS[name].args["input"].type)
    assert isinstance(input_type, GraphQLInputObjectType)
    for field, value in first_call.input.items():
        if field in NOT_BOUND.get(name, set()):
            continue
        of = input_type.fields[field].type
        for path, other_value in variants(value, of, field):
            other = {**keyed, field: other_value}
            result = await api.gql(query, {"input": other}, token=token)
            if path in SAME_REQUEST.get(name, set()):
                assert first_answer(name, result["data"]) == first_answer(name, first), path
                assert await database_state(api) == written, path
                continue
            errors = result.get("errors") or [{}]
            assert errors[0].get("extensions", {}).get("code") == "CONFLICT", (path, result)
            assert errors[0]["extensions"].get("argument") == "idempotencyKey"
            assert await database_state(api) == written, path
