"""The `@requires` directive: one field extension guards queries, mutations and subscriptions.

The directive prints in the SDL with the permission and the roles holding it. At execution a
denied nullable field resolves to null and its path is reported in the response's top-level
`extensions.hiddenFields`; a denied non-null field fails with FORBIDDEN (or UNAUTHENTICATED).
"""

from __future__ import annotations

import inspect
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.schema_directive import Location
from strawberry.types import Info
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

from api.domain.access import Permission, Role, refusal, roles_with
from api.domain.error_reasons import ErrorReason
from api.schema.enums import PermissionEnum, RoleEnum


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="requires",
    description="The caller must hold `permission` (held by `roles`) to read this field.",
)
class Requires:
    permission: PermissionEnum  # type: ignore[valid-type]
    roles: list[RoleEnum]  # type: ignore[valid-type]


class RequiresPermission(FieldExtension):
    def __init__(self, permission: Permission) -> None:
        self.permission = permission
        self.nullable = False

    def apply(self, field: StrawberryField) -> None:
        roles: list[Role] = roles_with(self.permission)
        directive = Requires(permission=self.permission, roles=roles)
        if directive not in field.directives:  # apply() runs again for every schema built
            field.directives.append(directive)
        self.nullable = isinstance(field.type, StrawberryOptional)

    def _denied(self, info: Info) -> bool:
        return permission_denied(info, self.permission, nullable=self.nullable)

    def resolve(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        if self._denied(info):
            return None
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        if self._denied(info):
            return None
        result = next_(source, info, **kwargs)
        if inspect.isasyncgen(result):
            return result
        return await result


def permission_denied(
    info: Info, permission: Permission, *, nullable: bool, index: int | None = None
) -> bool:
    """The directive's rule: False when the caller holds `permission`; else True, with the
    path (and list `index`) reported as hidden, for a nullable answer, or FORBIDDEN. Also
    called by `node(id:)`, which learns the permission it needs from the id."""
    context = info.context
    actor = context.actor  # raises UNAUTHENTICATED when the token was refused
    if actor is None:
        context.require_actor()
    assert actor is not None
    if actor.can(permission):
        return False
    if nullable:
        context.hide(info.path, ErrorReason.PERMISSION_REQUIRED, index, permission=permission.value)
        return True
    raise refusal(actor, permission)


def requires(permission: Permission) -> FieldExtension:
    return RequiresPermission(permission)
