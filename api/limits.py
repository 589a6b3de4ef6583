"""Abuse limits beyond tokens: the document's shape (depth, aliases, expanded fields), checked
before validation, then its cost and who may introspect, checked before execution.

Every measure is linear in the document's size (api/query_shape.py): a document of fragments
that spread each other twice is refused in microseconds, never walked path by path.

Cost: every field costs 1; a field taking `first` multiplies what is selected under it by
`first` (20 when omitted, the default page size), and `nodes(ids:)` by the number of ids.
`products(first: 100) { edges { node { sku name } } }` costs 1 + 100 x (1 + 1 + 2) = 401. The
cost of each operation is reported in the response's `extensions.cost`; over the limit the
operation is refused before it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache

from api.domain.access import Permission
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Forbidden, InvalidInput
from api.query_shape import CostMeter, Shape, ShapeMeter, operations_of
from api.trusted_documents import TrustedDocuments


@dataclass(frozen=True)
class ShapeLimits:
    max_depth: int
    max_aliases: int
    max_fields: int
    max_repeats: int = 30  # fields under one response name in one selection set

    def problems(self, shape: Shape) -> list[str]:
        found = []
        if shape.fields > self.max_fields:
            # Not the count itself: it can be astronomical (2^n for n nested spreads).
            found.append(
                f"The document selects more than {self.max_fields} fields once its fragments "
                "are expanded: spread fewer fragments, or each fewer times."
            )
        if shape.depth > self.max_depth:
            found.append(f"The document exceeds the maximum operation depth of {self.max_depth}.")
        if shape.repeats > self.max_repeats:
            found.append(
                f"{shape.repeats} fields share one response name in one selection set; "
                f"at most {self.max_repeats} may."
            )
        if shape.aliases > self.max_aliases:
            found.append(f"{shape.aliases} aliases found. Allowed: {self.max_aliases}.")
        return found


def _stored(execution_context: Any) -> TrustedDocuments | None:
    return getattr(execution_context.schema, "trusted_documents", None)


class TrustedParse(ParserCache):
    """A trusted document's request runs the document parsed at start-up; any other text goes
    through the parser cache (which unique texts could otherwise evict the hot ones from)."""

    def on_parse(self) -> Iterator[None]:
        store = _stored(self.execution_context)
        stored = store.by_text(self.execution_context.query) if store is not None else None
        if stored is None:
            yield from super().on_parse()
            return
        self.execution_context.graphql_document = stored.document
        yield


class ShapeCheckedValidation(ValidationCache):
    """Validation (cached) for documents within the shape limits; the others are refused
    before any validation rule walks them, whoever sends them."""

    def __init__(self, limits: ShapeLimits, maxsize: int) -> None:
        super().__init__(maxsize=maxsize)
        self.limits = limits

    def on_validate(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        assert document is not None
        store = _stored(self.execution_context)
        if store is not None and store.holds(document):
            # Validated against this schema, shape limits included, when the app started.
            self.execution_context.pre_execution_errors = []
            yield
            return
        problems = self.limits.problems(ShapeMeter(document).document_shape())
        if problems:
            self.execution_context.pre_execution_errors = [GraphQLError(p) for p in problems]
            yield
            return
        yield from super().on_validate()


class QueryLimits(SchemaExtension):
    """Refuses over-costly operations and introspection by callers not allowed it."""

    def __init__(self, *, max_cost: int, introspection: str) -> None:
        # One instance serves every request: per-request state lives on the request context.
        self.max_cost = max_cost
        self.introspection = introspection

    def _operation(self, document: DocumentNode) -> OperationDefinitionNode:
        operations = operations_of(document)
        name = self.execution_context.operation_name
        return next(
            (op for op in operations if name is None or (op.name and op.name.value == name)),
            operations[0],
        )

    def on_execute(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        assert document is not None
        operation = self._operation(document)
        query = self.execution_context.query
        # The substring test only spares ordinary queries the walk.
        maybe_introspection = query is None or "__schema" in query or "__type" in query
        if maybe_introspection and ShapeMeter(document).operation(operation).introspection:
            self._check_introspection()
        variables = self.execution_context.variables or {}
        cost = CostMeter(document, operation, variables).cost()
        self.execution_context.context.query_cost = cost
        if cost > self.max_cost:
            raise InvalidInput(
                f"Query cost {cost} exceeds the limit of {self.max_cost}: ask for smaller "
                "pages or fewer nested lists.",
                reason=ErrorReason.QUERY_TOO_COSTLY,
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
        raise Forbidden(
            "Introspection is not available to this caller.",
            reason=ErrorReason.INTROSPECTION_DISABLED,
        )

    def get_results(self) -> dict[str, Any]:
        cost = getattr(self.execution_context.context, "query_cost", None)
        if cost is None:
            return {}
        return {"cost": {"requested": cost, "limit": self.max_cost}}
