"""Abuse limits beyond depth, aliases and tokens: a computed query cost, and who may introspect.

Cost: every field costs 1; a field taking `first` multiplies what is selected under it by
`first` (20 when omitted, the default page size), and `nodes(ids:)` by the number of ids.
`products(first: 100) { edges { node { sku name } } }` costs 1 + 100 x (1 + 1 + 2) = 401. The
cost of each operation is reported in the response's `extensions.cost`; over the limit the
operation is refused before it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

from api.domain.access import Permission
from api.domain.errors import Forbidden, InvalidInput
from api.domain.pagination import DEFAULT_PAGE_SIZE

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def _page_multiplier(field: FieldNode, variables: dict[str, Any]) -> int:
    for argument in field.arguments or ():
        if argument.name.value == "ids":  # nodes(ids:): each id is one object below
            return _list_length(argument.value, variables)
        if argument.name.value != "first":
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(int(value.value), 1)
        if isinstance(value, VariableNode):
            supplied = variables.get(value.name.value)
            return max(int(supplied), 1) if isinstance(supplied, int) else DEFAULT_PAGE_SIZE
        return DEFAULT_PAGE_SIZE
    return 1


def _list_length(value: ValueNode, variables: dict[str, Any]) -> int:
    if isinstance(value, ListValueNode):
        return max(len(value.values), 1)
    if isinstance(value, VariableNode):
        supplied = variables.get(value.name.value)
        return max(len(supplied), 1) if isinstance(supplied, list) else 1
    return 1


def _fields(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> Iterator[FieldNode]:
    """Fields of a selection set, looking through fragments (each at most once per path)."""
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                yield from _fields(fragments[name].selection_set, fragments, seen | {name})


def selection_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> int:
    total = 0
    for field in _fields(selection_set, fragments):
        if field.name.value.startswith("__"):
            continue
        inner = selection_cost(field.selection_set, fragments, variables)
        total += 1 + _page_multiplier(field, variables) * inner
    return total


def selects_introspection(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> bool:
    for field in _fields(selection_set, fragments):
        if field.name.value in INTROSPECTION_FIELDS:
            return True
        if selects_introspection(field.selection_set, fragments):
            return True
    return False


class QueryLimits(SchemaExtension):
    """Refuses over-costly operations and introspection by callers not allowed it."""

    def __init__(self, *, max_cost: int, introspection: str) -> None:
        # One instance serves every request: per-request state lives on the request context.
        self.max_cost = max_cost
        self.introspection = introspection

    def _operation(self) -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]]:
        document = self.execution_context.graphql_document
        assert document is not None
        fragments: dict[str, FragmentDefinitionNode] = {}
        operations: list[OperationDefinitionNode] = []
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
            elif isinstance(definition, OperationDefinitionNode):
                operations.append(definition)
        name = self.execution_context.operation_name
        chosen = next(
            (op for op in operations if name is None or (op.name and op.name.value == name)),
            operations[0],
        )
        return chosen, fragments

    def on_execute(self) -> Iterator[None]:
        operation, fragments = self._operation()
        variables = self.execution_context.variables or {}
        query = self.execution_context.query or ""
        if ("__schema" in query or "__type" in query) and selects_introspection(
            operation.selection_set, fragments
        ):
            self._check_introspection()
        cost = selection_cost(operation.selection_set, fragments, variables)
        self.execution_context.context.query_cost = cost
        if cost > self.max_cost:
            raise InvalidInput(
                f"Query cost {cost} exceeds the limit of {self.max_cost}: ask for smaller "
                "pages or fewer nested lists.",
                cost=cost,
                maxCost=self.max_cost,
            )
        yield

    def _check_introspection(self) -> None:
        if self.introspection == "all":
            return
        if self.introspection == "role":
            actor = self.execution_context.context.actor
            if actor is not None and actor.can(Permission.INTROSPECT_SCHEMA):
                return
        raise Forbidden("Introspection is not available to this caller.")

    def get_results(self) -> dict[str, Any]:
        cost = getattr(self.execution_context.context, "query_cost", None)
        if cost is None:
            return {}
        return {"cost": {"requested": cost, "limit": self.max_cost}}
