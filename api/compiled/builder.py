"""SQL that builds one object's JSON from its selection: json_build_object over the fields,
correlated subqueries for object fields, json_agg for lists. Keys keep the selection's order
(PostgreSQL's json, unlike jsonb, keeps it)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from graphql import FieldNode, FragmentDefinitionNode, SelectionSetNode

from api.compiled.selection import Unsupported, response_fields
from api.compiled.types import TYPES, Child, ChildList, RoleConstant, SameRow, Scalar
from api.domain.access import ROLE_PERMISSIONS, Role


class Builder:
    """Builds the JSON expressions of one (document, role) plan."""

    def __init__(self, role: Role, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.role = role
        self.fragments = fragments
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
        spec = TYPES.get(type_name, {}).get(name)
        if spec is None:
            raise Unsupported(f"{type_name}.{name}")
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
