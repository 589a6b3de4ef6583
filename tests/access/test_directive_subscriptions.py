"""The same @requires extension guards subscriptions (the live feeds arrive with later issues)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain.access import Actor, Permission, Role
from api.schema.permissions import requires
from db.models import TokenKind


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> bool:
        return True


@strawberry.type
class Subscription:
    @strawberry.subscription(extensions=[requires(Permission.VIEW_STAFF)])
    async def ticks(self, info: Info) -> AsyncGenerator[int, None]:
        for i in range(3):
            yield i


schema = strawberry.Schema(query=Query, subscription=Subscription)


def context_for(role: Role | None) -> Context:
    context = Context(request=None, services=None, request_id="t", client_address="-")  # type: ignore[arg-type]
    actor = (
        Actor(
            staff_id=1,
            username="x",
            role=role,
            store_id=1,
            region_id=None,
            token_id=1,
            token_kind=TokenKind.SESSION,
        )
        if role
        else None
    )
    context.authenticated(actor, None)
    return context


async def collect(role: Role | None) -> list[Any]:
    results = []
    stream = await schema.subscribe("subscription { ticks }", context_value=context_for(role))
    if not hasattr(stream, "__aiter__"):
        return [stream]
    async for result in stream:
        results.append(result)
    return results


async def test_allowed_role_receives_events() -> None:
    results = await collect(Role.STORE_MANAGER)
    assert [r.data for r in results] == [{"ticks": 0}, {"ticks": 1}, {"ticks": 2}]


async def test_denied_role_gets_forbidden_and_no_event() -> None:
    results = await collect(Role.COMPLAINT_HANDLER)
    assert len(results) == 1
    assert results[0].data is None
    original = results[0].errors[0].original_error
    assert getattr(original, "code", None) == "FORBIDDEN"


async def test_anonymous_subscriber_is_unauthenticated() -> None:
    results = await collect(None)
    assert getattr(results[0].errors[0].original_error, "code", None) == "UNAUTHENTICATED"


def test_directive_prints_on_the_subscription_field() -> None:
    assert "ticks: Int! @requires(permission: VIEW_STAFF" in schema.as_str()
