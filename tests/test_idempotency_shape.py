"""One shape for every retried mutation: `input.idempotencyKey`, never a separate argument.

The README ("The API") names the mutations that take a key; the schema must agree with it in
both directions, so a new retryable mutation is documented and a documented one is keyed.
"""

from __future__ import annotations

import re
from pathlib import Path

from graphql import (
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLScalarType,
    build_schema,
    get_named_type,
)

from api.schema.root import schema

README = Path(__file__).resolve().parent.parent / "README.md"
SDL = build_schema(schema.as_str())
MUTATIONS = SDL.mutation_type.fields if SDL.mutation_type else {}


def documented_retryable() -> set[str]:
    api_section = README.read_text().split("## The API", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"Retryable:((?:\s*`\w+`,?)+)\.", api_section)
    assert found, "README 'The API' lists no 'Retryable: `mutation`, ...'"
    return set(re.findall(r"`(\w+)`", found.group(1)))


def keyed_in_input() -> set[str]:
    keyed = set()
    for name, field in MUTATIONS.items():
        for argument in field.args.values():
            named = get_named_type(argument.type)
            if isinstance(named, GraphQLInputObjectType) and "idempotencyKey" in named.fields:
                keyed.add(name)
    return keyed


def test_no_mutation_takes_the_key_as_an_argument() -> None:
    assert [name for name, field in MUTATIONS.items() if "idempotencyKey" in field.args] == []


def test_every_documented_retryable_mutation_has_the_key_in_its_input() -> None:
    documented = documented_retryable()
    assert documented <= set(MUTATIONS), documented - set(MUTATIONS)
    missing = []
    for name in sorted(documented):
        argument = MUTATIONS[name].args.get("input")
        named = get_named_type(argument.type) if argument else None
        key = (
            named.fields.get("idempotencyKey")
            if isinstance(named, GraphQLInputObjectType)
            else None
        )
        # Optional: a caller that does not retry sends none.
        if key is None or isinstance(key.type, GraphQLNonNull):
            missing.append(name)
        else:
            assert isinstance(key.type, GraphQLScalarType) and key.type.name == "String"
    assert missing == []


def test_every_keyed_mutation_is_documented_as_retryable() -> None:
    # recordSales shares RecordSaleInput with recordSale and refuses the key (README).
    assert keyed_in_input() - {"recordSales"} == documented_retryable()
