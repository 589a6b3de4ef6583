"""`node(id:)` and `nodes(ids:)`: any object by its global id, seen through the permission
and scope of its type's own look-up (api/resolvers/node_types.py).

A malformed id, or the id of a type that is no Node, is BAD_USER_INPUT naming the argument.
A caller without the type's permission gets null with the path in `extensions.hiddenFields`
(the @requires rule for a nullable field). Otherwise each id answers what the type's look-up
answers: the object, its error (NOT_FOUND outside the scope, ...) or null. `nodes` reads all
ids of one type with one call of its loader, in input order, at most MAX_NODES ids.
"""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain import global_ids
from api.domain.access import Permission
from api.domain.error_reasons import ErrorReason
from api.domain.errors import InvalidInput, NotFound
from api.resolvers.node_types import NODE_TYPES, NodeType
from api.schema.permissions import permission_denied, requires

MAX_NODES = 100


def _parse(values: list[strawberry.ID], argument: str) -> list[tuple[str, Any]]:
    """(type name, key) of each id, or BAD_USER_INPUT listing every one that is not an id of
    a Node."""
    parsed: list[tuple[str, Any]] = []
    bad: list[str] = []
    for value in values:
        try:
            decoded = global_ids.decode(value, argument=argument)
            node_type = NODE_TYPES.get(decoded.type_name)
            if node_type is None:
                raise InvalidInput(f"{decoded.type_name} is not a Node type.")
            parsed.append((decoded.type_name, node_type.key(decoded, argument, str(value))))
        except InvalidInput:
            bad.append(str(value)[:64])
    if bad:
        what = "is not an id" if len(bad) == 1 else "are not ids"
        raise InvalidInput(
            f"{argument}: {', '.join(repr(b) for b in bad)} {what} of an object this API issued.",
            reason=ErrorReason.MALFORMED_ID,
            argument=argument,
            invalid=bad,
        )
    return parsed


async def resolve_nodes(
    info: Info, values: list[strawberry.ID], *, argument: str, single: bool
) -> list[object]:
    """The answer for each id, in order: a node, None, or the error the type's look-up gave."""
    parsed = _parse(values, argument)
    answers: list[object] = [None] * len(parsed)
    by_type: dict[str, list[int]] = {}
    for position, (type_name, _) in enumerate(parsed):
        by_type.setdefault(type_name, []).append(position)
    for type_name, positions in by_type.items():
        node_type: NodeType = NODE_TYPES[type_name]
        allowed = [
            p
            for p in positions
            if not permission_denied(
                info, node_type.permission, nullable=True, index=None if single else p
            )
        ]
        if not allowed:
            continue
        keys = list(dict.fromkeys(parsed[p][1] for p in allowed))
        found = await node_type.load(info, keys)
        for p in allowed:
            answers[p] = _naming(found[parsed[p][1]], argument)
    return answers


def _naming(answer: object, argument: str) -> object:
    """A NOT_FOUND names the argument the caller sent (`id` or `ids`), whichever argument the
    type's own look-up would have named."""
    if isinstance(answer, NotFound) and answer.argument != argument:
        details = {k: v for k, v in answer.details.items() if k != "argument"}
        return NotFound(answer.message, argument=argument, reason=answer.reason, **details)
    return answer


@strawberry.type
class NodeQuery:
    @strawberry.field(
        extensions=[requires(Permission.SIGNED_IN)],
        description="Any object by its global id, as its type's own look-up shows it to you "
        "(the same permission, scope and errors; a member is counted like `member(id:)`). "
        "Null, listed in extensions.hiddenFields, without the type's permission.",
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        [answer] = await resolve_nodes(info, [id], argument="id", single=True)
        if isinstance(answer, Exception):
            raise answer
        return cast("relay.Node | None", answer)

    @strawberry.field(
        extensions=[requires(Permission.SIGNED_IN)],
        description=f"Up to {MAX_NODES} objects by global id, in order, each as `node(id:)` "
        "answers it (an entry that fails is null with its own error).",
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            raise InvalidInput(
                f"ids: at most {MAX_NODES} ids at once; ask in several requests.",
                argument="ids",
            )
        # An entry may be an exception: GraphQL reports it at its index and answers null.
        return cast(
            "list[relay.Node | None]", await resolve_nodes(info, ids, argument="ids", single=False)
        )
