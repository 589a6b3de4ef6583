"""A trusted query compiled for one role: one SQL statement answering the response's `data`.

`compile_plan` runs once per (document, role) at start-up; `Plan.bind` runs per request and
says None whenever the plan cannot answer exactly as the interpreter would (a token with extra
grants, variables that do not coerce, arguments the SQL does not cover): the request then runs
on the interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    visit,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.language import Visitor

from api.compiled.builder import Builder
from api.compiled.member_root import member_by_code
from api.compiled.roots import ROOTS, RootCompiler, RootPart
from api.compiled.selection import Unsupported
from api.domain.access import ROLE_PERMISSIONS, Actor, Role
from api.domain.members.limits import LookupPolicy
from api.input_text import _unstorable_variable
from api.query_shape import CostMeter
from api.trusted_documents import TrustedDocument

ALL_ROOTS: dict[str, RootCompiler] = {**ROOTS, "memberByCode": member_by_code}


@dataclass(frozen=True)
class Root:
    node: FieldNode
    definition: GraphQLField
    part: RootPart


@dataclass
class Plan:
    document: TrustedDocument
    role: Role
    keys: tuple[str, ...]  # the roots' response keys
    schema: GraphQLSchema
    operation: OperationDefinitionNode
    roots: tuple[Root, ...]
    # One statement per set of filters in use (a few at most: see roots.RootPart.filters).
    _statements: dict[tuple[frozenset[str], ...], str] = field(default_factory=dict)
    _costs: dict[tuple[object, ...], int] = field(default_factory=dict)
    _multipliers: tuple[str, ...] | None = None

    @property
    def sql(self) -> str:
        """The statement with no optional filter on."""
        return self.statement(tuple(frozenset() for _ in self.roots))

    def statement(self, filters: tuple[frozenset[str], ...]) -> str:
        found = self._statements.get(filters)
        if found is None:
            found = self._statements[filters] = _statement(
                self.keys,
                [root.part.sql(used) for root, used in zip(self.roots, filters, strict=True)],
            )
        return found

    def statement_for(self, params: dict[str, Any]) -> str:
        return self.statement(tuple(root.part.filters(params) for root in self.roots))

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
        """The query cost api/limits.py reports (and refuses past the limit). It depends on
        the variables given to `first` and `ids` only, so it is remembered by their values."""
        values = variables if isinstance(variables, dict) else {}
        key = tuple(_cost_key(values.get(name, _MISSING)) for name in self._cost_variables)
        found = self._costs.get(key)
        if found is None:
            if len(self._costs) >= _MAX_REMEMBERED:
                self._costs.clear()
            found = self._costs[key] = CostMeter(
                self.document.document, self.operation, values
            ).cost()
        return found

    @property
    def _cost_variables(self) -> tuple[str, ...]:
        if self._multipliers is None:
            self._multipliers = _multiplier_variables(self.document.document)
        return self._multipliers


_MISSING = object()
_MAX_REMEMBERED = 256


def _cost_key(value: object) -> object:
    """What CostMeter reads of a variable: an int (bools are ints), a list's length, else
    nothing (the default page size, or 1)."""
    if isinstance(value, int):
        return (type(value).__name__, value)
    if isinstance(value, list):
        return ("list", len(value))
    return value is _MISSING


def _multiplier_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables given to `first` or `ids` anywhere in the document (api/query_shape.py's
    CostMeter multiplies by them)."""
    names: set[str] = set()

    class Multipliers(Visitor):
        def enter_argument(self, argument: ArgumentNode, *_: Any) -> None:
            if argument.name.value in ("first", "ids") and isinstance(argument.value, VariableNode):
                names.add(argument.value.name.value)

    visit(document, Multipliers())
    return tuple(sorted(names))


def compile_plan(
    schema: GraphQLSchema,
    document: TrustedDocument,
    role: Role,
    lookup_policy: LookupPolicy | None = None,
) -> Plan:
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
    build = Builder(role, fragments, lookup_policy or LookupPolicy())
    query_type = schema.query_type
    assert query_type is not None
    roots: list[tuple[str, Root]] = []
    for i, (key, node) in enumerate(build.fields("Query", operation.selection_set)):
        compiler = ALL_ROOTS.get(node.name.value)
        if compiler is None:
            raise Unsupported(f"Query.{node.name.value}")
        part = compiler(build, node, f"r{i}_")
        if part.permission not in ROLE_PERMISSIONS[role]:
            raise Unsupported(f"Query.{node.name.value} refused to {role.value}")
        roots.append((key, Root(node, query_type.fields[node.name.value], part)))
    keys = tuple(key for key, _ in roots)
    plan = Plan(document, role, keys, schema, operation, tuple(root for _, root in roots))
    plan.sql  # noqa: B018 - built now: a broken template fails at start-up, not per request
    return plan


def _statement(keys: tuple[str, ...], root_sql: list[str]) -> str:
    columns = ", ".join(f"{sql} AS r{i}" for i, sql in enumerate(root_sql))
    missing = " OR ".join(f"r{i} IS NULL" for i in range(len(keys)))
    data = ", ".join(f"'{key}', r{i}" for i, key in enumerate(keys))
    return (
        f"SELECT CASE WHEN {missing} THEN NULL ELSE json_build_object({data})::text END"
        # OFFSET 0 keeps the roots a subquery: flattened, each root would run twice.
        f" FROM (SELECT {columns} OFFSET 0) AS roots"
    )
