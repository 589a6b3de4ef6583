"""Scheduled stock scans: seasonal slow movers and batches near expiry (run by the worker).

Each scan is one statement that opens the alerts now due and clears the ones no longer due,
in store-local time: "the last 3 days" at a store means since its local midnight 3 days ago,
and "expiring within N days" counts from its local today. Opening relies on the partial unique
index (one OPEN alert per store x SKU x kind) with ON CONFLICT DO NOTHING, so two workers
scanning at once still leave one alert each and announce it once.

Slow movers: a seasonal product with stock on hand and no sale since that cutoff. The last
sale is the store x SKU's latest SALE movement (one backward step down the ledger's
(store_id, product_id, id) index) or `stock_level.last_sold_at` when the sales side keeps it,
whichever is later. A movement is stamped when the sale is recorded, so a receipt recorded
late from an offline till counts as recent: the scan errs towards not flagging.

Near expiry: which batches are still on the shelf is estimated first-in-first-out (sales take
the oldest goods), so the newest batches account for what is on hand. Batches more than
EXPIRED_LOOKBACK_DAYS past their date are assumed dealt with, which keeps the index range
scan from growing with history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, TextClause, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import events
from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.pagination import Page, keyset_page
from db.models import AlertKind, AlertStatus, Product, StockAlert, Store

WATCH_KINDS = (AlertKind.SLOW_MOVER, AlertKind.NEAR_EXPIRY)

EXPIRED_LOOKBACK_DAYS = 30


@dataclass(frozen=True)
class ScanResult:
    opened: int
    cleared: int


_SLOW_MOVERS = text(
    """
    WITH due AS (
      SELECT l.store_id, l.product_id, l.on_hand, s.region_id,
             greatest(l.last_sold_at, last_sale.occurred_at) AS last_sold_at,
             (date_trunc('day', CAST(:now AS timestamptz) AT TIME ZONE s.time_zone)
               - make_interval(days => :days)) AT TIME ZONE s.time_zone AS since
        FROM product p
        JOIN stock_level l ON l.product_id = p.id
        JOIN store s ON s.id = l.store_id
        LEFT JOIN LATERAL (
          SELECT m.occurred_at FROM stock_movement m
           WHERE m.store_id = l.store_id AND m.product_id = l.product_id AND m.kind = 'SALE'
           ORDER BY m.id DESC LIMIT 1
        ) last_sale ON true
       WHERE p.seasonal AND l.on_hand > 0
    ), slow AS (
      SELECT * FROM due WHERE last_sold_at IS NULL OR last_sold_at < since
    ), opened AS (
      INSERT INTO stock_alert (store_id, product_id, kind, status, details)
      SELECT store_id, product_id, 'SLOW_MOVER', 'OPEN',
             jsonb_build_object('onHand', on_hand, 'lastSoldAt', last_sold_at, 'since', since)
        FROM slow ORDER BY store_id, product_id
      ON CONFLICT (store_id, product_id, kind) WHERE status = 'OPEN' DO NOTHING
      RETURNING id, store_id, product_id
    ), cleared AS (
      UPDATE stock_alert a SET status = 'CLEARED', cleared_at = now()
       WHERE a.kind = 'SLOW_MOVER' AND a.status = 'OPEN'
         AND NOT EXISTS (
           SELECT 1 FROM slow WHERE slow.store_id = a.store_id AND slow.product_id = a.product_id)
      RETURNING id, store_id, product_id
    )
    SELECT true AS raised, x.id, x.store_id, x.product_id, s.region_id
      FROM opened x JOIN store s ON s.id = x.store_id
    UNION ALL
    SELECT false, x.id, x.store_id, x.product_id, s.region_id
      FROM cleared x JOIN store s ON s.id = x.store_id
    """
)

_NEAR_EXPIRY = text(
    """
    WITH candidates AS (
      SELECT DISTINCT store_id, product_id FROM stock_batch
       WHERE expires_on BETWEEN CAST(:now AS timestamptz)::date - :lookback
                            AND CAST(:now AS timestamptz)::date + :days + 1
    ), batches AS (
      SELECT b.store_id, b.product_id, b.quantity, b.expires_on, l.on_hand, s.time_zone,
             sum(b.quantity) OVER (PARTITION BY b.store_id, b.product_id ORDER BY b.id DESC)
               - b.quantity AS newer
        FROM candidates c
        JOIN stock_batch b USING (store_id, product_id)
        JOIN stock_level l USING (store_id, product_id)
        JOIN store s ON s.id = b.store_id
       WHERE l.on_hand > 0
    ), near AS (
      SELECT store_id, product_id, min(expires_on) AS expires_on,
             sum(least(quantity, on_hand - newer)) AS quantity, max(on_hand) AS on_hand
        FROM batches
       WHERE on_hand > newer
         AND expires_on <= (CAST(:now AS timestamptz) AT TIME ZONE time_zone)::date + :days
       GROUP BY store_id, product_id
    ), opened AS (
      INSERT INTO stock_alert (store_id, product_id, kind, status, details)
      SELECT store_id, product_id, 'NEAR_EXPIRY', 'OPEN',
             jsonb_build_object('expiresOn', expires_on, 'quantity', quantity,
                                'onHand', on_hand)
        FROM near ORDER BY store_id, product_id
      ON CONFLICT (store_id, product_id, kind) WHERE status = 'OPEN' DO NOTHING
      RETURNING id, store_id, product_id
    ), cleared AS (
      UPDATE stock_alert a SET status = 'CLEARED', cleared_at = now()
       WHERE a.kind = 'NEAR_EXPIRY' AND a.status = 'OPEN'
         AND NOT EXISTS (
           SELECT 1 FROM near WHERE near.store_id = a.store_id AND near.product_id = a.product_id)
      RETURNING id, store_id, product_id
    )
    SELECT true AS raised, x.id, x.store_id, x.product_id, s.region_id
      FROM opened x JOIN store s ON s.id = x.store_id
    UNION ALL
    SELECT false, x.id, x.store_id, x.product_id, s.region_id
      FROM cleared x JOIN store s ON s.id = x.store_id
    """
)


async def _run(
    session: AsyncSession,
    statement: TextClause,
    params: dict[str, Any],
    raised_cleared: tuple[type[events.StockAlertChanged], type[events.StockAlertChanged]],
) -> ScanResult:
    """Run a scan whose rows are alerts opened (`raised`) or cleared; announce each."""
    rows = (await session.execute(statement, params)).all()
    raised, cleared = raised_cleared
    for row in rows:
        await events.emit(
            session,
            (raised if row.raised else cleared)(alert_id=row.id, product_id=row.product_id),
            store_id=row.store_id,
            region_id=row.region_id,
        )
    opened = sum(1 for row in rows if row.raised)
    return ScanResult(opened=opened, cleared=len(rows) - opened)


async def scan_slow_movers(
    session: AsyncSession, *, days: int = 3, now: datetime | None = None
) -> ScanResult:
    """Flag seasonal SKUs unsold for `days` store-local days while stock remains."""
    return await _run(
        session,
        _SLOW_MOVERS,
        {"now": now or await _now(session), "days": days},
        (events.SlowMoverRaised, events.SlowMoverCleared),
    )


async def scan_near_expiry(
    session: AsyncSession, *, days: int = 3, now: datetime | None = None
) -> ScanResult:
    """Flag store x SKUs with goods on the shelf expiring within `days` store-local days."""
    return await _run(
        session,
        _NEAR_EXPIRY,
        {
            "now": now or await _now(session),
            "days": days,
            "lookback": EXPIRED_LOOKBACK_DAYS,
        },
        (events.NearExpiryRaised, events.NearExpiryCleared),
    )


async def _now(session: AsyncSession) -> datetime:
    """The database's clock, so every worker agrees on what "now" is."""
    now = await session.scalar(text("SELECT now()"))
    assert isinstance(now, datetime)
    return now


@dataclass(frozen=True)
class WatchRow:
    alert: StockAlert
    store: Store
    product: Product


async def list_watch_alerts(
    session: AsyncSession,
    actor: Actor | None,
    *,
    store_code: str | None,
    kind: AlertKind | None,
    first: int | None,
    after: str | None,
    alert_ids: Sequence[int] | None = None,
) -> Page[WatchRow]:
    """OPEN slow-mover and near-expiry alerts at stores in scope (or one store), oldest first:
    the list HQ picks markdown targets from."""
    actor = require(actor, Permission.VIEW_STOCK)
    stmt = (
        select(StockAlert, Store, Product)
        .join(Store, Store.id == StockAlert.store_id)
        .join(Product, Product.id == StockAlert.product_id)
        .where(
            StockAlert.status == AlertStatus.OPEN,
            StockAlert.kind.in_([kind] if kind else WATCH_KINDS),
        )
    )
    if store_code is not None:
        store = await authorize_store(session, actor, store_code, Permission.VIEW_STOCK)
        stmt = stmt.where(StockAlert.store_id == store.id)
    else:
        stmt = stmt.where(actor.scope.where(StockAlert.store_id))
    if alert_ids is not None:
        stmt = stmt.where(StockAlert.id.in_(list(alert_ids)))
    page = await keyset_page(
        session,
        cast("Select[Any]", stmt),
        kind="stock_watch",
        key_columns=[StockAlert.id],
        key_of=lambda row: [row[0].id],
        first=first,
        after=after,
        scalars=False,
    )
    return Page(
        items=[(cursor, WatchRow(*row)) for cursor, row in page.items],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )
