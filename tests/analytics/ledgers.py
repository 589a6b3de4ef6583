"""Ledger rows written straight into the database for the KPI tests: small, hand-countable."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_receipts = itertools.count(1)


@dataclass
class Ledgers:
    """Writes sales, stock-outs, members, shifts and complaints at the org fixture's stores."""

    session: AsyncSession
    store: dict[str, int] = field(default_factory=dict)
    region: dict[str, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    product: dict[str, int] = field(default_factory=dict)

    async def load(self) -> Ledgers:
        for name, sql in (
            ("store", "SELECT code, id FROM store"),
            ("region", "SELECT code, id FROM region"),
            ("staff", "SELECT username, id FROM staff"),
            ("product", "SELECT sku, id FROM product"),
        ):
            rows = await self.session.execute(text(sql))
            getattr(self, name).update({r[0]: r[1] for r in rows})
        return self

    async def member(self, card: str, store: str, clerk: str, at: datetime | None = None) -> int:
        member_id: int = await self.session.scalar(
            text(
                "INSERT INTO member (card_number, display_name, phone_ciphertext, phone_key_id,"
                " phone_blind_index, tier, points_balance, enrolled_store_id, enrolled_by_id,"
                " marketing_consent, tags, enrolled_at) VALUES (:card, 'M', '\\x00', 'k', :blind,"
                " 'BASIC', 0, :store, :clerk, false, '{}', coalesce(:at, now())) RETURNING id"
            ),
            {
                "card": card,
                "blind": card.encode(),
                "store": self.store[store],
                "clerk": self.staff[clerk],
                "at": at,
            },
        )
        return member_id

    async def sale(
        self,
        store: str,
        clerk: str,
        at: datetime,
        cents: int,
        units: int,
        *,
        member: int | None = None,
        stock_out: bool = False,
        after: int | None = None,
        promotion: int | None = None,
        sku: str = "SKU-CORE-1",
    ) -> int:
        """One receipt of `units` of `sku` for `cents`; `stock_out`: it emptied the shelf;
        `after`: the balance left (default 100, 0 on a stock-out); `promotion`: the line's."""
        params = {
            "store": self.store[store],
            "receipt": f"T-{next(_receipts)}",
            "at": at,
            "staff": self.staff[clerk],
            "member": member,
            "cents": cents,
            "units": units,
            "product": self.product[sku],
            "promotion": promotion,
        }
        sale_id = await self.session.scalar(
            text(
                "INSERT INTO sale (store_id, receipt_no, sold_at, staff_id, member_id,"
                " points_redeemed, subtotal_cents, discount_cents, total_cents)"
                " VALUES (:store, :receipt, :at, :staff, :member, 0, :cents, 0, :cents)"
                " RETURNING id"
            ),
            params,
        )
        await self.session.execute(
            text(
                "INSERT INTO sale_line (store_id, sale_id, line_no, product_id, quantity,"
                " unit_price_cents, discount_cents, line_total_cents, returned_quantity,"
                " promotion_id, sold_at) VALUES (:store, :sale, 1, :product, :units,"
                " :cents / :units, 0, :cents, 0, :promotion, :at)"
            ),
            {**params, "sale": sale_id},
        )
        await self.session.execute(
            text(
                "INSERT INTO stock_movement (store_id, product_id, kind, quantity, balance_after,"
                " reference_type, reference_id) VALUES (:store, :product, 'SALE', -:units,"
                " :after, 'sale', :sale)"
            ),
            {
                **params,
                "sale": str(sale_id),
                "after": after if after is not None else 0 if stock_out else 100,
            },
        )
        return int(sale_id)

    async def promotion(self) -> int:
        """A draft promotion for sale lines to name (its terms do not matter here)."""
        promotion_id: int = await self.session.scalar(
            text(
                "INSERT INTO promotion (name, mechanism, percent_off, state, stacking,"
                " coupons_allowed, members_only, start_date, end_date, starts_at, ends_at,"
                " scope, talking_points, created_by_id) VALUES ('p', 'PERCENT_OFF', 10, 'DRAFT',"
                " 'BEST_OF', false, false, DATE '2026-01-01', DATE '2026-12-31',"
                " TIMESTAMPTZ '2026-01-01 00:00+08', TIMESTAMPTZ '2026-12-31 23:00+08',"
                " '{}', '[]', :by) RETURNING id"
            ),
            {"by": self.staff["ops"]},
        )
        return promotion_id

    async def replenished(self, store: str, approved: datetime, hours: float) -> None:
        """A replenishment order approved at `approved`, received `hours` later."""
        await self.session.execute(
            text(
                "INSERT INTO replenishment_order (store_id, status, approved_at, received_at)"
                " VALUES (:store, 'RECEIVED', :approved, :received)"
            ),
            {
                "store": self.store[store],
                "approved": approved,
                "received": approved + timedelta(hours=hours),
            },
        )

    async def answer(self, store: str, score: int, at: datetime, clerk: str | None = None) -> None:
        """A survey answer (rating `clerk`'s receipt when one is named)."""
        await self.session.execute(
            text(
                "INSERT INTO survey_answer (store_id, score, clerk_id, recorded_by_id,"
                " answered_at) VALUES (:store, :score, :clerk, :by, :at)"
            ),
            {
                "store": self.store[store],
                "score": score,
                "clerk": self.staff[clerk] if clerk else None,
                "by": self.staff["clerk.e1"],
                "at": at,
            },
        )

    async def shift(self, store: str, clerk: str, start: datetime, hours: float) -> None:
        end = start + timedelta(hours=hours)
        await self.session.execute(
            text(
                "INSERT INTO shift (store_id, clerk_id, kind, status, started_at, window_start,"
                " window_end, ended_at, todos) VALUES (:store, :clerk, 'OPENING', 'ENDED', :start,"
                " :start, :end, :end, '{}')"
            ),
            {"store": self.store[store], "clerk": self.staff[clerk], "start": start, "end": end},
        )

    async def complaint(self, store: str, filed: datetime, hours: float) -> None:
        resolved = filed + timedelta(hours=hours)
        await self.session.execute(
            text(
                "INSERT INTO complaint (store_id, region_id, category, description, status,"
                " filed_by_id, filed_at, first_response_due_at, resolution_due_at,"
                " first_responded_at, resolved_at, reopen_count, updated_at)"
                " SELECT s.id, s.region_id, 'SERVICE', 'slow till', 'RESOLVED', :by, :filed,"
                " :filed, :resolved, :filed, :resolved, 0, :resolved FROM store s WHERE s.id = :store"
            ),
            {
                "store": self.store[store],
                "by": self.staff["clerk.e1"],
                "filed": filed,
                "resolved": resolved,
            },
        )
