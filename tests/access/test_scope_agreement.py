"""The one scope rule (api/domain/scope.py) read four ways agrees with itself on the demo chain.

For every demo staff member (every role, every home store and region), plus each role with
each kind of home it could be given, the stores and event rows the Python check allows are
exactly those each SQL form selects: the SQLAlchemy clauses for store-scoped tables and for
rows with a region column, and the SQL text hot statements bind (`SCOPE_CHECK_SQL` over a
store, `SCOPE_SQL` over `event`). The Python check is also held to what scope means.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.seed import seed_demo
from api.domain.access import SCOPE_CHECK_SQL
from api.domain.scope import StoreScope
from api.realtime.records import SCOPE_SQL, EventRecord, in_scope
from db.models import Event, Role, Staff, Store

# Roles that see only their home; the others see the chain when they have none.
HOME_BOUND = {Role.CLERK, Role.STORE_MANAGER, Role.REGION_MANAGER}


async def _scopes(session: AsyncSession, stores: list[Store]) -> dict[StoreScope, set[Role]]:
    """Every demo staff member's scope, and every role at a store, in a region and homeless."""
    scopes: dict[StoreScope, set[Role]] = {}
    for role, store_id, region_id in (
        await session.execute(select(Staff.role, Staff.store_id, Staff.region_id))
    ).all():
        scopes.setdefault(StoreScope.of(role, store_id, region_id), set()).add(role)
    region_ids = sorted({store.region_id for store in stores})
    for role in Role:
        for home in ((stores[0].id, None), (None, region_ids[-1]), (None, None)):
            scopes.setdefault(StoreScope.of(role, *home), set()).add(role)
    # Values no caller gets today, but a StoreScope can hold: the rule still decides them.
    first, other_region = stores[0], next(r for r in region_ids if r != stores[0].region_id)
    for odd in (
        StoreScope(store_id=first.id, region_id=first.region_id),
        StoreScope(store_id=first.id, region_id=other_region),
        StoreScope(all_stores=True, store_id=first.id),
        StoreScope(all_stores=True, region_id=other_region),
    ):
        scopes.setdefault(odd, set())
    return scopes


def _expected_stores(scope: StoreScope, stores: Iterable[Store]) -> set[int]:
    """What scope means, said without the rule: all, a home store (the narrower home when a
    region is named too), a home region's stores, or none."""
    if scope.all_stores:
        return {store.id for store in stores}
    if scope.store_id is not None:
        return {scope.store_id}
    if scope.region_id is not None:
        return {store.id for store in stores if store.region_id == scope.region_id}
    return set()


async def _seed_events(session: AsyncSession, stores: list[Store]) -> list[EventRecord]:
    """Event rows of every shape: a store's (with its region, without one, with another
    region), a region's (no store) and the chain's (neither)."""
    region_ids = sorted({store.region_id for store in stores})
    shapes: list[tuple[int | None, int | None]] = [(None, None)]
    shapes += [(None, region_id) for region_id in region_ids]
    for store in stores:
        other = next(r for r in region_ids if r != store.region_id)
        shapes += [(store.id, store.region_id), (store.id, None), (store.id, other)]
    rows = await session.execute(
        insert(Event)
        .values(
            [
                {"kind": "LOW_STOCK_RAISED", "store_id": s, "region_id": r, "payload": {}}
                for s, r in shapes
            ]
        )
        .returning(
            Event.id, Event.kind, Event.store_id, Event.region_id, Event.payload, Event.occurred_at
        )
    )
    return [EventRecord.from_row(row) for row in rows]


async def _ids(session: AsyncSession, statement: object, params: dict[str, object]) -> set[int]:
    result = await session.execute(statement, params)  # type: ignore[call-overload]
    return {int(row[0]) for row in result}


async def test_python_and_sql_scopes_agree_for_every_role_on_the_demo_chain(
    session: AsyncSession,
) -> None:
    await seed_demo(session)
    stores = list(await session.scalars(select(Store).order_by(Store.id)))
    events = await _seed_events(session, stores)
    event_ids = [e.id for e in events]
    scopes = await _scopes(session, stores)
    assert set().union(*scopes.values()) == set(Role)
    assert len(scopes) > len(stores)  # a scope per store and region, and more
    store_text = text(f"SELECT s.id FROM store s WHERE {SCOPE_CHECK_SQL}")
    event_text = text(f"SELECT id FROM event WHERE id = ANY(:ids) AND {SCOPE_SQL}")

    for scope, roles in scopes.items():
        seen = f"{scope} ({', '.join(sorted(roles))})"
        allowed = {store.id for store in stores if scope.allows(store.id, store.region_id)}
        assert allowed == _expected_stores(scope, stores), seen
        assert await _ids(session, select(Store.id).where(scope.where(Store.id)), {}) == allowed, (
            seen
        )
        by_columns = select(Store.id).where(scope.sql(Store.id, Store.region_id))
        assert await _ids(session, by_columns, {}) == allowed, seen
        assert await _ids(session, store_text, scope.sql_params()) == allowed, seen

        visible = {e.id for e in events if in_scope(scope, e)}
        assert visible == {e.id for e in events if scope.allows(e.store_id, e.region_id)}
        assert (
            await _ids(session, event_text, {"ids": event_ids, **scope.sql_params()}) == visible
        ), seen
        in_sql = select(Event.id).where(
            Event.id.in_(event_ids), scope.sql(Event.store_id, Event.region_id)
        )
        assert await _ids(session, in_sql, {}) == visible, seen
        # A region's own rows: exactly the scopes covering the region see them.
        for region_id in {store.region_id for store in stores}:
            assert scope.allows_region(region_id) == scope.allows(None, region_id), seen
            covers = scope.all_stores or (scope.store_id is None and scope.region_id == region_id)
            assert scope.allows_region(region_id) == covers, seen

    for role in Role:
        assert StoreScope.of(role, None, None) == (
            StoreScope() if role in HOME_BOUND else StoreScope(all_stores=True)
        )
    await session.rollback()
