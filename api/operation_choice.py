"""Which operation of a document runs, by the GraphQL spec's rule (GetOperation): the one named
by `operationName`; with no name, the only one. Strawberry runs the first operation of a
document with several and no name, and answers an unknown name with a bare-text 400."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.query_shape import operations_of

_BAD_REQUEST = {"code": "BAD_USER_INPUT"}


class OperationChoice(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        yield
        document = self.execution_context.graphql_document
        if document is None:  # a syntax error, reported by the parser
            return
        operations = operations_of(document)
        # Not `operation_name`: Strawberry fills that with the first operation's name. The
        # private attribute is what the request said (Strawberry is pinned exactly; a test
        # fails if it moves).
        name = self.execution_context._provided_operation_name
        if name is None:
            if len(operations) > 1:
                raise GraphQLError(
                    "The document holds several operations: say which to run in operationName.",
                    extensions=_BAD_REQUEST,
                )
            return
        if not any(op.name is not None and op.name.value == name for op in operations):
            known = sorted(op.name.value for op in operations if op.name is not None)
            raise GraphQLError(
                f"operationName {name!r} names no operation in the document "
                f"(it holds {', '.join(map(repr, known)) or 'only anonymous ones'}).",
                extensions=_BAD_REQUEST,
            )
