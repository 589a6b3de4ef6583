"""Text PostgreSQL cannot store is refused at the door: a NUL character (text columns refuse
it) or a lone UTF-16 surrogate (JSON's `"\\ud800"`, which no UTF-8 encoder writes). Checked
once per request over the variables and the document's string literals, so no rule meets
them and none turns them into an INTERNAL error half-way through a write."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from api.domain.errors import InvalidInput

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable_variable(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if _UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, inner in value.items():
            found = _unstorable_variable(key, path) or _unstorable_variable(inner, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, inner in enumerate(value):
            if found := _unstorable_variable(inner, f"{path}[{index}]"):
                return found
    return None


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if _UNSTORABLE.search(node.value):
            self.found = True


class StorableText(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        variables = self.execution_context.variables or {}
        for name, value in variables.items():
            if path := _unstorable_variable(value, f"${name}"):
                raise InvalidInput(
                    f"{path} holds a NUL character or a lone surrogate, which no text field "
                    "accepts.",
                    argument=path,
                )
        document = self.execution_context.graphql_document
        query = self.execution_context.query
        # Only documents that could hold such a literal are walked.
        if document is not None and (query is None or "\\u" in query or "\x00" in query):
            literals = _Literals()
            visit(document, literals)
            if literals.found:
                raise InvalidInput(
                    "A string in the document holds a NUL character or a lone surrogate, "
                    "which no text field accepts."
                )
        yield
