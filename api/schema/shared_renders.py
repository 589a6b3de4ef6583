"""Render a live event once per process for every subscriber who would get the same answer.

graphql-core executes a subscription's selection for each event on each socket. For a feed
with hundreds of subscribers that is hundreds of identical executions (and their loader reads)
per event. `SharedRenderExecutor` executes an event's selection once per *render key* and
hands the result to every subscriber with the same key, through the process's `SharedWork`
(api/realtime/shared_reads.py).

A render key is everything the answer depends on: the event (the root value's `share_key`),
the document and operation, the variables, and the caller's permissions and store scope (the
field permissions and every scoped read follow from those two; nothing in a live payload
depends on who the caller is otherwise). Fields whose resolution has an effect per caller
(opening a member card counts toward that caller's hourly ceiling; revealing a phone number
writes that caller's access-log row) are marked `per_caller()` where they are declared; a
document selecting any of them is never shared, so each caller's effects happen as before.
A result with errors is not shared either: each subscriber then gets its own.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLField,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    visit,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.domain.errors import Unauthenticated

PER_CALLER = "chainstore.per_caller"


def per_caller(reason: str) -> dict[str, str]:
    """Field metadata (`strawberry.field(metadata=per_caller("..."))`) for a field whose
    resolution has an effect for the caller who asks: a document selecting it is executed for
    each subscriber, never shared."""
    return {PER_CALLER: reason}


def _is_per_caller(field: GraphQLField | None) -> bool:
    if field is None:
        return False
    definition = (field.extensions or {}).get("strawberry-definition")
    metadata = getattr(definition, "metadata", None) or {}
    return PER_CALLER in metadata


class _FindsPerCaller(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found = False

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if _is_per_caller(self.type_info.get_field_def()):
            self.found = True


# Verdicts per document text and operation name: documents are few (trusted ones above all).
_shareable_documents: dict[tuple[str, str | None], bool] = {}
_MAX_VERDICTS = 1024


def _selects_per_caller_fields(schema: GraphQLSchema, nodes: list[Node]) -> bool:
    for node in nodes:
        type_info = TypeInfo(schema)
        finder = _FindsPerCaller(type_info)
        visit(node, TypeInfoVisitor(type_info, finder))
        if finder.found:
            return True
    return False


class SharedRenderExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with subscription events rendered once per render key."""

    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        key = self._render_key(payload)
        if key is not None:
            executor.execute_operation = _shared(executor, key)  # type: ignore[method-assign]
        return executor

    def _render_key(self, payload: Any) -> Hashable | None:
        share_key = getattr(payload, "share_key", None)
        live = getattr(getattr(self.context_value, "services", None), "live", None)
        operation: OperationDefinitionNode = self.operation
        if share_key is None or live is None or operation.loc is None:
            return None
        try:
            actor = self.context_value.actor
        except Unauthenticated:
            return None
        if actor is None:
            return None
        text = operation.loc.source.body
        name = operation.name.value if operation.name else None
        verdict = _shareable_documents.get((text, name))
        if verdict is None:
            nodes: list[Node] = [operation, *self.fragment_definitions.values()]
            verdict = not _selects_per_caller_fields(self.schema, nodes)
            if len(_shareable_documents) >= _MAX_VERDICTS:
                _shareable_documents.clear()
            _shareable_documents[(text, name)] = verdict
        if not verdict:
            return None
        variables = repr(sorted(self.variable_values.coerced.items()))
        return (share_key, text, name, variables, actor.permissions, actor.scope)


def _shared(executor: Any, key: Hashable) -> Any:
    """The per-event executor's `execute_operation`, through the process's shared work. The
    hidden-field notes an execution adds to its caller's context are shared with the result."""
    context = executor.context_value
    execute = executor.execute_operation
    work = context.services.live.renders

    async def produce() -> tuple[ExecutionResult, list[dict[str, Any]]]:
        before = len(context.hidden)
        result = execute(False)
        if executor.is_awaitable(result):
            result = await result
        return result, context.hidden[before:]

    async def shared_execute(serially: bool | None = None) -> ExecutionResult:
        before = len(context.hidden)
        shared: tuple[ExecutionResult, list[dict[str, Any]]] = await work.get(
            key, produce, shareable=lambda r: not r[0].errors
        )
        result, hidden = shared
        if len(context.hidden) == before:  # reused: note what the execution would have noted
            context.hidden.extend(hidden)
        return result

    return shared_execute
