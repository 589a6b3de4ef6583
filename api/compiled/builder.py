"""SQL that builds one object's JSON from its selection: json_build_object over the fields,
correlated subqueries for object fields, json_agg for lists. Keys keep the selection's order
(PostgreSQL's json, unlike jsonb, keeps it)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from graphql import FieldNode, FragmentDefinitionNode, IntValueNode, SelectionSetNode

from api.compiled.member_types import MEMBER_REQUIRES, MEMBER_TYPES
from api.compiled.selection import Unsupported, response_fields
from api.compiled.types import (
    TYPES,
    Child,
    ChildList,
    NewestPage,
    RoleConstant,
    SameRow,
    Scalar,
)
from api.domain.access import ROLE_PERMISSIONS, Role
from api.domain.members.limits import LookupPolicy
from api.domain.pagination import MAX_PAGE_SIZE

ALL_TYPES = {**TYPES, **MEMBER_TYPES}
REQUIRES = dict(MEMBER_REQUIRES)


class Builder:
    """Builds the JSON expressions of one (document, role) plan."""

    def __init__(
        self,
        role: Role,
        fragments: Mapping[str, FragmentDefinitionNode],
        lookup_policy: LookupPolicy,
    ) -> None:
        self.role = role
        self.fragments = fragments
        self.lookup_policy = lookup_policy  # the member look-up window (member_root.py)
        self._aliases = itertools.count()

    def alias(self) -> str:
        return f"c{next(self._aliases)}"

    def fields(
        self, type_name: str, selection_set: SelectionSetNode | None
    ) -> list[tuple[str, FieldNode]]:
        return response_fields(type_name, selection_set, self.fragments)

    def object_json(
        self, type_name: str, alias: str, selection_set: SelectionSetNode | None
    ) -> str:
        """json_build_object of the selected fields of the `type_name` row `alias`."""
        pairs = [
            f"'{key}', {self.field_sql(type_name, alias, node)}"
            for key, node in self.fields(type_name, selection_set)
        ]
        if len(pairs) > 50:  # json_build_object takes at most 100 arguments
            raise Unsupported(f"more than 50 fields of {type_name}")
        return f"json_build_object({', '.join(pairs)})"

    def field_sql(self, type_name: str, alias: str, node: FieldNode) -> str:
        name = node.name.value
        if name == "__typename":
            return f"'{type_name}'"
        spec = ALL_TYPES.get(type_name, {}).get(name)
        if spec is None:
            raise Unsupported(f"{type_name}.{name}")
        needed = REQUIRES.get((type_name, name))
        if needed is not None and needed not in ROLE_PERMISSIONS[self.role]:
            raise Unsupported(f"{type_name}.{name} hidden from {self.role.value}")
        if isinstance(spec, NewestPage):
            return self._newest_page(spec, alias, node)
        if node.arguments:
            raise Unsupported(f"arguments of {type_name}.{name}")
        if isinstance(spec, Scalar):
            if spec.requires is not None and spec.requires not in ROLE_PERMISSIONS[self.role]:
                raise Unsupported(f"{type_name}.{name} hidden from {self.role.value}")
            if node.selection_set is not None:
                raise Unsupported(f"a selection under {type_name}.{name}")
            return spec.sql.format(t=alias)
        if isinstance(spec, RoleConstant):
            return spec.sql(self.role)
        if isinstance(spec, SameRow):
            return self.object_json(spec.type_name, spec.row.format(t=alias), node.selection_set)
        child = self.alias()
        source = spec.source.format(t=alias, c=child)
        inner = self.object_json(spec.type_name, child, node.selection_set)
        if isinstance(spec, Child):
            return f"(SELECT {inner} {source})"
        assert isinstance(spec, ChildList)
        order = spec.order.format(t=alias, c=child)
        return f"(SELECT coalesce(json_agg({inner} ORDER BY {order}), '[]'::json) {source})"

    def _newest_page(self, spec: NewestPage, alias: str, node: FieldNode) -> str:
        """`edges { node }` of the first page, newest first (`first` a literal)."""
        first = spec.default_first
        for argument in node.arguments or ():
            value = argument.value
            if argument.name.value != "first" or not isinstance(value, IntValueNode):
                raise Unsupported(f"{argument.name.value} of a page (only a literal first)")
            first = int(value.value)
        if not 0 <= first <= MAX_PAGE_SIZE:
            raise Unsupported("first out of range")
        child = self.alias()
        parts = []
        for key, field in self.fields("Connection", node.selection_set):
            if field.name.value != "edges":
                raise Unsupported(f"{field.name.value} of a page")
            edge_parts = []
            for edge_key, edge_field in self.fields("Edge", field.selection_set):
                if edge_field.name.value != "node":
                    raise Unsupported(f"{edge_field.name.value} of an edge")
                inner = self.object_json(spec.type_name, child, edge_field.selection_set)
                edge_parts.append(f"'{edge_key}', {inner}")
            edge = f"json_build_object({', '.join(edge_parts)})"
            parts.append(f"'{key}', coalesce(json_agg({edge} ORDER BY {child}.n_), '[]'::json)")
        source = spec.source.format(t=alias, c=child)
        order = spec.order.format(c=child)
        page = f"SELECT {child}.*, row_number() OVER (ORDER BY {order}) AS n_ {source}"
        return (
            f"(SELECT json_build_object({', '.join(parts)})"
            f" FROM ({page} ORDER BY {order} LIMIT {first}) {child})"
        )
