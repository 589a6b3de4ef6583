"""A selection set as the interpreter answers it: response keys in order, each one field.

Only the shapes the compiler can reproduce exactly are accepted; anything else (a directive,
two fields under one key, a fragment on another type, arguments where none are expected) is
Unsupported, and the operation runs on the interpreter.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


class Unsupported(Exception):
    """What the compiler cannot reproduce exactly; the message says what (for the report)."""


def response_fields(
    type_name: str,
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[tuple[str, FieldNode]]:
    """(response key, field) in the order graphql-core answers them."""
    if selection_set is None:
        raise Unsupported(f"{type_name} selected without fields")
    found: dict[str, FieldNode] = {}
    _collect(type_name, selection_set, fragments, found)
    return list(found.items())


def _collect(
    type_name: str,
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    found: dict[str, FieldNode],
) -> None:
    for selection in selection_set.selections:
        if selection.directives:
            raise Unsupported("a directive on a selection")
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            if key in found:
                raise Unsupported(f"{type_name}.{key} selected twice")
            found[key] = selection
            continue
        condition: str | None
        if isinstance(selection, FragmentSpreadNode):
            fragment = fragments[selection.name.value]
            if fragment.directives:
                raise Unsupported("a directive on a fragment")
            condition, inner = fragment.type_condition.name.value, fragment.selection_set
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            inner = selection.selection_set
        else:  # pragma: no cover - graphql-core has no other selection
            raise Unsupported(type(selection).__name__)
        if condition not in (None, type_name):
            raise Unsupported(f"a fragment on {condition} inside {type_name}")
        _collect(type_name, inner, fragments, found)
