"""recordSale's one statement (api/domain/sales/record_statement.py): what a hot request costs
through the real API, and the two guards for what its single snapshot cannot see (a member's
points changed meanwhile, a SKU's month row another till inserted meanwhile)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text

from api.domain.access import Actor
from api.domain.members import points as member_points
from api.domain.sales import NewSale, SaleLineInput, record_sale
from db.engine import create_session_factory
from db.models import Member, Role, Staff, TokenKind
from db.models.members import MemberTier
from tests.conftest import Api
from tests.sales.helpers import RECORD_SALE, receive, sale_input
from tests.sales.test_member_sales import LINE, card, enrol


async def test_a_sale_and_a_member_sale_cost_two_statements_with_authentication(
    api: Api,
) -> None:
    await receive(api, "E1", "SKU-CORE-1", 100)
    member = await enrol(api)
    token = await api.token_for("clerk.e1")
    await api.data(RECORD_SALE, {"input": sale_input("warm")}, token=token)
    with api.count_sql() as plain:
        await api.data(RECORD_SALE, {"input": sale_input("R-2")}, token=token)
    member_sale = sale_input("R-3", lines=[LINE], memberCode=member["cardNumber"])
    with api.count_sql() as with_member:
        await api.data(RECORD_SALE, {"input": member_sale}, token=token)
    # The token, then one statement: sale, stock, promotion counts, rollups, points.
    assert len(plain) == 2, plain
    assert len(with_member) == 2, with_member
    for table in ("stock_level", "promotion_store_stats", "clerk_monthly", "points_ledger"):
        assert f"INSERT INTO {table}" in with_member[1]
    with api.count_sql() as replay:
        await api.data(RECORD_SALE, {"input": member_sale}, token=token)
    assert len(replay) == 3, replay  # a replay reads the first sale instead
    assert (await card(api, member["cardNumber"]))["points"] == member_points.points_for(
        350, MemberTier.BASIC
    )


async def _clerk(api: Api, username: str) -> Actor:
    async with create_session_factory(api.engine)() as s:
        staff = (await s.execute(select(Staff).where(Staff.username == username))).scalar_one()
    return Actor(
        staff_id=staff.id,
        username=staff.username,
        role=Role.CLERK,
        store_id=staff.store_id,
        region_id=None,
        token_id=0,
        token_kind=TokenKind.SESSION,
    )


async def _while_held(api: Api, hold: Any, sale: dict[str, Any], token: str) -> dict[str, Any]:
    """Send `sale` while `hold(session)` keeps its rows locked in an open transaction; commit
    that transaction once the request waits on it, so the request's snapshot predates it."""
    async with create_session_factory(api.engine)() as s, s.begin():
        await hold(s)
        request = asyncio.create_task(api.data(RECORD_SALE, {"input": sale}, token=token))
        await asyncio.sleep(1.0)
        assert not request.done()  # waiting on the held rows
    result: dict[str, Any] = await request
    return result


async def test_points_changed_meanwhile_are_credited_on_the_newest_balance(api: Api) -> None:
    member = await enrol(api)
    async with create_session_factory(api.engine)() as s:
        member_id = await s.scalar(
            select(Member.id).where(Member.card_number == member["cardNumber"])
        )
    assert member_id is not None
    start = (await card(api, member["cardNumber"]))["points"]

    async def bonus(session: Any) -> None:
        await member_points.grant_bonus(session, member_id=member_id, points=500)

    sale = sale_input("R-P1", lines=[LINE], memberCode=member["cardNumber"])
    await _while_held(api, bonus, sale, await api.token_for("clerk.e1"))
    earned = member_points.points_for(350, MemberTier.BASIC)
    assert (await card(api, member["cardNumber"]))["points"] == start + 500 + earned
    async with api.engine.connect() as conn:
        trail = (
            await conn.execute(
                text(
                    "SELECT kind, points, balance_after FROM points_ledger"
                    " WHERE member_id = :m ORDER BY id"
                ),
                {"m": member_id},
            )
        ).all()
    # Each entry starts from the balance the one before left: the bonus is not lost.
    balance = 0
    for _, points, after in trail:
        balance += points
        assert after == balance
    assert [tuple(t)[:2] for t in trail][-2:] == [("BONUS", 500), ("EARN", earned)]


async def _month_closing(api: Api) -> tuple[int, int]:
    async with api.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT (SELECT sum(closing_stock_change) FROM clerk_monthly),"
                    " (SELECT sum(closing_on_hand) FROM sales_monthly)"
                )
            )
        ).one()
    return int(row[0]), int(row[1])


async def test_a_month_row_another_till_inserted_meanwhile_keeps_closing_stock_exact(
    api: Api,
) -> None:
    """A sale through the API waits on the SKU's balance that the month's first sale (the
    test's own open transaction) holds: the month row that sale inserts is invisible to the
    waiting statement's snapshot."""
    await receive(api, "E1", "SKU-CORE-1", 50)
    first = await _clerk(api, "clerk.e1")
    sold_at = datetime.now(UTC).replace(microsecond=0)

    async def first_sale(session: Any) -> None:
        await record_sale(
            session,
            first,
            NewSale("E1", "R-C1", sold_at, [SaleLineInput("SKU-CORE-1", 3, 200)]),
            now=datetime.now(UTC),
        )

    again = sale_input("R-C2", lines=[{"sku": "SKU-CORE-1", "quantity": 2, "unitPriceCents": 200}])
    again["soldAt"] = sold_at.isoformat()
    await _while_held(api, first_sale, again, await api.token_for("clerk.e1"))
    # 50 - 3 = 47 after the first sale, 45 after the second: the month closes at 45.
    assert await _month_closing(api) == (45, 45)
    # The same with the month row there before both sales (the locked read sees the newest).
    await _while_held(
        api,
        lambda s: record_sale(
            s,
            first,
            NewSale("E1", "R-C3", sold_at, [SaleLineInput("SKU-CORE-1", 1, 200)]),
            now=datetime.now(UTC),
        ),
        {**again, "receiptNo": "R-C4"},
        await api.token_for("clerk.e1"),
    )
    assert await _month_closing(api) == (42, 42)
