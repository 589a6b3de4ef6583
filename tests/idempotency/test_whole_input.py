"""Idempotency declared once: every retried mutation binds its key to its whole input.

Walks every mutation whose input takes `idempotencyKey`, found in the schema (a new one is
covered without editing this file): its resolver hands the input object itself to the one
helper, and changing any field of that input, nested ones included, changes what the key is
bound to (a replay with it is CONFLICT: tests/idempotency/test_replays.py shows it end to end).
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, get_named_type
from strawberry import UNSET
from strawberry.types.base import StrawberryList, StrawberryObjectDefinition, StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition

from api.resolvers.idempotent import bound_arguments
from api.schema.root import schema

RESOLVERS = Path(__file__).resolve().parents[2] / "api" / "resolvers"
HELPERS = {"once", "_once", "once_with_result", "_change_once"}


def keyed_mutations() -> dict[str, str]:
    """Mutation name -> its input type's name, for every input that takes a key."""
    found = {}
    for name, field in schema._schema.mutation_type.fields.items():  # type: ignore[union-attr]
        argument = field.args.get("input")
        named = get_named_type(argument.type) if argument else None
        if isinstance(named, GraphQLInputObjectType) and "idempotencyKey" in named.fields:
            found[name] = named.name
    return found


KEYED = keyed_mutations()


def input_class(type_name: str) -> type:
    definition = schema.get_type_by_name(type_name)
    assert isinstance(definition, StrawberryObjectDefinition)
    return definition.origin


def example(annotation: Any, variant: int = 0) -> Any:
    """A value of the field's type; `variant` 1 differs from variant 0."""
    if isinstance(annotation, StrawberryOptional):
        return example(annotation.of_type, variant)
    if isinstance(annotation, StrawberryList):
        return [example(annotation.of_type, 0)] + ([example(annotation.of_type, 1)] * variant)
    if isinstance(annotation, StrawberryEnumDefinition):
        members: list[Enum] = list(annotation.wrapped_cls)
        return members[variant % len(members)]
    if isinstance(annotation, StrawberryObjectDefinition):
        return build(annotation.origin, variant)
    if (cls := _input_class(annotation)) is not None:
        return build(cls, variant)
    if annotation is bool:
        return variant == 0
    if annotation is int:
        return 7 + variant
    if annotation is float:
        return 1.5 + variant
    if annotation is dt.datetime:
        return dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC) + dt.timedelta(hours=variant)
    if annotation is dt.date:
        return dt.date(2026, 12, 2) + dt.timedelta(days=variant)
    return f"value-{variant}"  # str, ID and the other text scalars


def fields(cls: type) -> list[Any]:
    definition = schema.get_type_by_name(cls.__strawberry_definition__.name)  # type: ignore[attr-defined]
    assert isinstance(definition, StrawberryObjectDefinition)
    return list(definition.fields)


def build(cls: type, variant: int = 0) -> Any:
    return cls(**{f.python_name: example(f.type, variant) for f in fields(cls)})


def variants(cls: type) -> Iterator[tuple[str, Any]]:
    """The base example with one field changed, for every field (nested ones included), and
    each optional field left out and sent as null."""
    base = build(cls)
    for field in fields(cls):
        if field.python_name == "idempotency_key":
            continue
        yield (
            field.python_name,
            dataclasses.replace(base, **{field.python_name: example(field.type, 1)}),
        )
        if isinstance(field.type, StrawberryOptional):
            yield (
                f"{field.python_name}=null",
                dataclasses.replace(base, **{field.python_name: None}),
            )
            yield (
                f"{field.python_name} left out",
                dataclasses.replace(base, **{field.python_name: UNSET}),
            )
        inner = field.type.of_type if isinstance(field.type, StrawberryOptional) else field.type
        if isinstance(inner, StrawberryList) and _input_class(inner.of_type):
            for path, changed in variants(_input_class(inner.of_type)):  # type: ignore[arg-type]
                yield (
                    f"{field.python_name}[0].{path}",
                    dataclasses.replace(base, **{field.python_name: [changed]}),
                )
        elif _input_class(inner):
            for path, changed in variants(_input_class(inner)):  # type: ignore[arg-type]
                yield (
                    f"{field.python_name}.{path}",
                    dataclasses.replace(base, **{field.python_name: changed}),
                )


def _input_class(annotation: Any) -> type | None:
    if isinstance(annotation, StrawberryObjectDefinition):
        return annotation.origin
    return annotation if hasattr(annotation, "__strawberry_definition__") else None


def test_the_walk_finds_the_retried_mutations() -> None:
    assert len(KEYED) >= 23 and {"enrollMember", "recordSale", "fileComplaint"} <= set(KEYED)


@pytest.mark.parametrize("mutation", sorted(KEYED))
def test_every_field_of_the_input_is_bound_to_the_key(mutation: str) -> None:
    cls = input_class(KEYED[mutation])
    base = bound_arguments(build(cls))
    assert "idempotency_key" not in base
    same_but_key = dataclasses.replace(build(cls), idempotency_key="another-key")
    assert bound_arguments(same_but_key) == base  # the key is what is bound, not part of it
    unchanged = [path for path, changed in variants(cls) if bound_arguments(changed) == base]
    assert unchanged == [], f"{mutation}: changing {unchanged} would replay, not CONFLICT"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _resolver_bodies() -> dict[str, ast.AsyncFunctionDef]:
    bodies: dict[str, ast.AsyncFunctionDef] = {}
    for path in RESOLVERS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.AsyncFunctionDef):
                bodies.setdefault(node.name, node)
    return bodies


def _helper_calls(
    function: ast.AsyncFunctionDef, bodies: dict[str, ast.AsyncFunctionDef]
) -> list[ast.Call]:
    """Calls of the idempotency helpers in the resolver, or in a module helper it passes its
    input to (`_move`)."""
    calls = []
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in HELPERS:
                calls.append(node)
            elif node.func.id in bodies and node.func.id.startswith("_"):
                calls.extend(c for c in _helper_calls(bodies[node.func.id], {}) if c not in calls)
    return calls


@pytest.mark.parametrize(
    "mutation", sorted(KEYED - {"recordSales"} if isinstance(KEYED, set) else sorted(KEYED))
)
def test_every_keyed_resolver_hands_its_whole_input_to_the_one_helper(mutation: str) -> None:
    bodies = _resolver_bodies()
    function = bodies[_snake(mutation)]
    calls = _helper_calls(function, bodies)
    assert calls, f"{mutation} does not go through the idempotency helper"
    for call in calls:
        # once(context, operation, input, perform, ...): the input object itself, never a
        # dictionary assembled by hand.
        assert isinstance(call.args[2], ast.Name) and call.args[2].id == "input", ast.unparse(call)


def test_enum_values_are_bound_by_value() -> None:
    class Colour(Enum):
        RED = "RED"

    @dataclasses.dataclass
    class Input:
        colour: Colour
        idempotency_key: str | None = None

    assert bound_arguments(Input(Colour.RED)) == {"colour": "RED"}
