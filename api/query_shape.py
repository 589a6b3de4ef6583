"""What a document asks for, measured in time linear in its size: depth, aliases, fields once
fragments are expanded, introspection, and cost.

A fragment may be spread many times, and each spread may spread others: `F0 { ...F1 ...F1 }`,
`F1 { ...F2 ...F2 }` … doubles the expanded document per fragment, so a walker that follows
every path (as graphql-core's and Strawberry's limiters do) takes 2^n steps for a 900-byte
document. Here each fragment is measured once and its result reused wherever it is spread;
`visited` counts the selections looked at, which the tests hold to the document's size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql import (
    DocumentNode,
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
    value_from_ast_untyped,
)

from api.domain.pagination import DEFAULT_PAGE_SIZE

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class Shape:
    depth: int = 0  # nested levels of fields with selections (as Strawberry's limiter counts)
    aliases: int = 0
    fields: int = 0  # every field once fragments are expanded, __typename included
    introspection: bool = False
    # Most fields answering under one response name in one selection set, fragments expanded:
    # graphql-core's overlap check compares such fields pairwise (700 `me { username }` take
    # over a second to validate), so they are capped before it runs.
    repeats: int = 0

    def __add__(self, other: Shape) -> Shape:
        return Shape(
            depth=max(self.depth, other.depth),
            aliases=self.aliases + other.aliases,
            fields=self.fields + other.fields,
            introspection=self.introspection or other.introspection,
            repeats=max(self.repeats, other.repeats),
        )


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def operations_of(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


T = TypeVar("T")


class _Memoised(Generic[T]):
    """A fold over selection sets that measures each fragment once.

    A fragment spread while it is being measured (a cycle, which validation refuses later)
    counts as nothing, so the fold always ends."""

    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        empty: T,
        combine: Callable[[T, T], T],
        field: Callable[[FieldNode, T], T],
    ) -> None:
        self._fragments = fragments
        self._empty = empty
        self._combine = combine
        self._field = field
        self._done: dict[str, T] = {}
        self._measuring: set[str] = set()
        self.visited = 0

    def selection_set(self, selection_set: SelectionSetNode | None) -> T:
        total = self._empty
        for selection in selection_set.selections if selection_set else ():
            self.visited += 1
            if isinstance(selection, FieldNode):
                inner = self.selection_set(selection.selection_set)
                total = self._combine(total, self._field(selection, inner))
            elif isinstance(selection, InlineFragmentNode):
                total = self._combine(total, self.selection_set(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                total = self._combine(total, self._fragment(selection.name.value))
        return total

    def _fragment(self, name: str) -> T:
        if name in self._done:
            return self._done[name]
        fragment = self._fragments.get(name)
        if fragment is None or name in self._measuring:
            return self._empty
        self._measuring.add(name)
        self._done[name] = self.selection_set(fragment.selection_set)
        self._measuring.discard(name)
        return self._done[name]


def _field_shape(field: FieldNode, inner: Shape) -> Shape:
    name = field.name.value
    nested = field.selection_set is not None and not name.startswith("__")
    return Shape(
        depth=1 + inner.depth if nested else 0,
        aliases=inner.aliases + (1 if field.alias else 0),
        fields=inner.fields + 1,
        introspection=inner.introspection or name in INTROSPECTION_FIELDS,
        repeats=inner.repeats,
    )


class _ResponseNames:
    """How many fields answer under each response name at the top of a selection set, with
    spread fragments counted through (each fragment's count is made once)."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self._fragments = fragments
        self._done: dict[str, Counter[str]] = {}
        self._measuring: set[str] = set()
        self.visited = 0

    def most_repeated(self, selection_set: SelectionSetNode | None) -> int:
        counts = self.top_level(selection_set)
        return max(counts.values(), default=0)

    def top_level(self, selection_set: SelectionSetNode | None) -> Counter[str]:
        counts: Counter[str] = Counter()
        for selection in selection_set.selections if selection_set else ():
            self.visited += 1
            if isinstance(selection, FieldNode):
                counts[(selection.alias or selection.name).value] += 1
            elif isinstance(selection, InlineFragmentNode):
                counts.update(self.top_level(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                counts.update(self._fragment(selection.name.value))
        return counts

    def _fragment(self, name: str) -> Counter[str]:
        if name in self._done:
            return self._done[name]
        fragment = self._fragments.get(name)
        if fragment is None or name in self._measuring:
            return Counter()
        self._measuring.add(name)
        self._done[name] = self.top_level(fragment.selection_set)
        self._measuring.discard(name)
        return self._done[name]


class ShapeMeter:
    """Measures the operations of one document; fragments are measured once for all of them."""

    def __init__(self, document: DocumentNode) -> None:
        self.document = document
        self._names = _ResponseNames(fragments_of(document))
        self._fold = _Memoised(fragments_of(document), Shape(), Shape.__add__, self._field_shape)

    @property
    def visited(self) -> int:
        return self._fold.visited + self._names.visited

    def operation(self, operation: OperationDefinitionNode) -> Shape:
        top = Shape(repeats=self._names.most_repeated(operation.selection_set))
        return top + self._fold.selection_set(operation.selection_set)

    def _field_shape(self, field: FieldNode, inner: Shape) -> Shape:
        shape = _field_shape(field, inner)
        if field.selection_set is None:
            return shape
        repeats = self._names.most_repeated(field.selection_set)
        return shape + Shape(repeats=repeats)

    def document_shape(self) -> Shape:
        """Every operation's shape added up (aliases and fields summed, the deepest depth):
        a document is validated whole, so an operation it does not run still counts."""
        total = Shape()
        for operation in operations_of(self.document):
            total = total + self.operation(operation)
        return total


class CostMeter:
    """Cost: every field costs 1; a field taking `first` multiplies what is selected under it
    by `first` (the variable's value, else its default in the operation, else the default page
    size), and `nodes(ids:)` by the number of ids. Introspection fields cost nothing."""

    def __init__(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        # The values the operation will run with: those sent, else the declared defaults.
        self._values: dict[str, Any] = {
            d.variable.name.value: value_from_ast_untyped(d.default_value)
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        self._values.update(variables)
        self._operation = operation
        self._fold = _Memoised(fragments_of(document), 0, int.__add__, self._field_cost)

    @property
    def visited(self) -> int:
        return self._fold.visited

    def cost(self) -> int:
        return self._fold.selection_set(self._operation.selection_set)

    def _field_cost(self, field: FieldNode, inner: int) -> int:
        if field.name.value.startswith("__"):
            return 0
        return 1 + self._multiplier(field) * inner

    def _multiplier(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value == "ids":  # nodes(ids:): each id is one object below
                return self._list_length(argument.value)
            if argument.name.value == "first":
                value = self._resolve(argument.value)
                return max(value, 1) if isinstance(value, int) else DEFAULT_PAGE_SIZE
        return 1

    def _list_length(self, value: ValueNode) -> int:
        if isinstance(value, ListValueNode):
            return max(len(value.values), 1)
        resolved = self._resolve(value)
        return max(len(resolved), 1) if isinstance(resolved, list) else 1

    def _resolve(self, value: ValueNode) -> Any:
        if isinstance(value, VariableNode):
            return self._values.get(value.name.value)
        if isinstance(value, IntValueNode):
            return int(value.value)
        return None
