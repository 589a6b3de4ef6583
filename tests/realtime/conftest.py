"""Fixtures for live feeds: the app on a real port, and events written as the domain does."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from api.domain import events
from db.engine import create_session_factory
from db.models import Event, Product, Store
from tests.conftest import Api
from tests.realtime.wsclient import LiveServer, live_server


@pytest.fixture
async def live(org_db: str) -> AsyncIterator[LiveServer]:
    async with live_server(org_db, ws_auth_recheck_seconds=0.3) as server:
        yield server


async def emit_stock_event(
    api: Api,
    store: str,
    sku: str = "SKU-CORE-1",
    kind: type[events.StockAlertChanged] = events.LowStockRaised,
) -> int:
    """Commit one stock alert event of `store`, as the ledger writes it; its id."""
    async with create_session_factory(api.engine)() as s, s.begin():
        row = (await s.execute(select(Store.id, Store.region_id).where(Store.code == store))).one()
        product_id = await s.scalar(select(Product.id).where(Product.sku == sku))
        assert product_id is not None
        marker = secrets.randbelow(2**31)  # finds this event's id, final only once committed
        payload = kind(alert_id=marker, product_id=product_id)
        await events.emit(s, payload, store_id=row.id, region_id=row.region_id)
    async with create_session_factory(api.engine)() as s:
        event_id = await s.scalar(
            select(Event.id).where(Event.payload["alertId"].as_integer() == marker)
        )
    assert event_id is not None
    return int(event_id)


async def last_event_id(api: Api, kind: events.EventKind) -> int:
    """The id of the latest committed event of `kind` (ids are final only after commit)."""
    async with create_session_factory(api.engine)() as s:
        event_id = await s.scalar(select(func.max(Event.id)).where(Event.kind == kind))
    assert event_id is not None
    return int(event_id)
