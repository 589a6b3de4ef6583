"""A trusted query compiled for one role: one SQL statement answering the response's `data`.

`compile_plan` runs once per (document, role) at start-up; `Plan.bind` runs per request and
says None whenever the plan cannot answer exactly as the interpreter would (a token with extra
grants, variables that do not coerce, arguments the SQL does not cover): the request then runs
on the interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.values import get_argument_values, get_variable_values

from api.compiled.builder import Builder
from api.compiled.roots import ROOTS, RootPart
from api.compiled.selection import Unsupported
from api.domain.access import ROLE_PERMISSIONS, Actor, Role
from api.input_text import _unstorable_variable
from api.query_shape import CostMeter
from api.trusted_documents import TrustedDocument


@dataclass(frozen=True)
class Root:
    node: FieldNode
    definition: GraphQLField
    part: RootPart


@dataclass(frozen=True)
class Plan:
    document: TrustedDocument
    role: Role
    sql: str
    schema: GraphQLSchema
    operation: OperationDefinitionNode
    roots: tuple[Root, ...]

    def bind(self, actor: Actor, variables: object) -> dict[str, Any] | None:
        """The statement's parameters for this caller and these variables, or None."""
        if actor.role != self.role or actor.grants or actor.role_pending:
            return None  # permissions beyond the role's: the interpreter decides
        if variables is not None and not isinstance(variables, dict):
            return None
        coerced = get_variable_values(
            self.schema, self.operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):  # the interpreter words the variable errors
            return None
        if any(_unstorable_variable(v, f"${k}") for k, v in (variables or {}).items()):
            return None  # api/input_text.py refuses it
        params: dict[str, Any] = {"staff_id": actor.staff_id, **actor.scope.sql_params()}
        for root in self.roots:
            try:
                args = get_argument_values(root.definition, root.node, coerced)
            except GraphQLError:
                return None
            bound = root.part.bind(args, actor)
            if bound is None:
                return None
            params.update(bound)
        return params

    def cost(self, variables: object) -> int:
        """The query cost api/limits.py reports (and refuses past the limit)."""
        values = variables if isinstance(variables, dict) else {}
        return CostMeter(self.document.document, self.operation, values).cost()


def compile_plan(schema: GraphQLSchema, document: TrustedDocument, role: Role) -> Plan:
    """The plan of a trusted query for callers with `role`; Unsupported says why there is none."""
    if document.type is not OperationType.QUERY:
        raise Unsupported(f"a {document.type.value}")
    operation = document.document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    fragments = {
        d.name.value: d
        for d in document.document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    build = Builder(role, fragments)
    query_type = schema.query_type
    assert query_type is not None
    roots: list[tuple[str, Root]] = []
    for i, (key, node) in enumerate(build.fields("Query", operation.selection_set)):
        compiler = ROOTS.get(node.name.value)
        if compiler is None:
            raise Unsupported(f"Query.{node.name.value}")
        part = compiler(build, node, f"r{i}_")
        if part.permission not in ROLE_PERMISSIONS[role]:
            raise Unsupported(f"Query.{node.name.value} refused to {role.value}")
        roots.append((key, Root(node, query_type.fields[node.name.value], part)))
    columns = ", ".join(f"{root.part.sql} AS r{i}" for i, (_, root) in enumerate(roots))
    missing = " OR ".join(f"r{i} IS NULL" for i in range(len(roots)))
    data = ", ".join(f"'{key}', r{i}" for i, (key, _) in enumerate(roots))
    sql = (
        f"SELECT CASE WHEN {missing} THEN NULL ELSE json_build_object({data})::text END"
        # OFFSET 0 keeps the roots a subquery: flattened, each root would run twice.
        f" FROM (SELECT {columns} OFFSET 0) AS roots"
    )
    return Plan(document, role, sql, schema, operation, tuple(root for _, root in roots))
