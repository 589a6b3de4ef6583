"""Rollups kept with the ledgers: hand-computed totals after sales, a return, an enrolment and
a shift; the same numbers from a rebuild; no statement more on the till's path."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from tests.analytics.helpers import ids, rebuild, rollups
from tests.conftest import Api
from tests.members.conftest import ENROLL, new_member
from tests.sales.helpers import RECORD_SALE, receive, sale_input
from tests.sales.test_returns import RETURN
from tests.shifts.helpers import END, sql, start

SHANGHAI = ZoneInfo("Asia/Shanghai")
CST = timezone(timedelta(hours=8))
# Yesterday in Shanghai: inside the return window and never in the future.
Y = datetime.now(SHANGHAI).date() - timedelta(days=1)


def at(day: date, hour: int, minute: int) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST).isoformat()


def month(d: date) -> date:
    return d.replace(day=1)


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def line(sku: str, quantity: int, price: int, discount: int = 0) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, "unitPriceCents": price, "discountCents": discount}


async def test_a_sale_costs_no_statement_more_for_its_rollups(api: Api) -> None:
    await receive(api, "E1", "SKU-CORE-1", 100)
    token = await api.token_for("clerk.e1")
    await api.data(RECORD_SALE, {"input": sale_input("warm")}, token=token)
    with api.count_sql() as statements:
        await api.data(RECORD_SALE, {"input": sale_input("R-2")}, token=token)
    # The token, then the sale's one statement with an upsert CTE for every rollup (the
    # member's categories and the SKUs' month closing stock included).
    assert len(statements) == 1 + 1, statements
    rollup = next(s for s in statements if "INSERT INTO sales_daily" in s)
    for table in ("member_category_monthly", "sales_monthly", "clerk_monthly"):
        assert f"INSERT INTO {table}" in rollup


async def test_rollups_hold_hand_computed_totals_and_a_rebuild_gives_the_same(api: Api) -> None:
    await receive(api, "E1", "SKU-CORE-1", 3)
    clerk_e1 = await api.token_for("clerk.e1")
    member = (await api.data(ENROLL, {"input": new_member()}, token=clerk_e1))["enrollMember"][
        "member"
    ]
    lines_1 = [
        line("SKU-CORE-1", 2, 200, 50),  # 350
        line("SKU-EAST-1", 1, 2800),  # 2800
        line("SKU-CORE-1", 1, 200),  # 200: CORE-1 goes 3 -> 0, a stock-out
    ]
    sale_1 = sale_input("R-1", lines=lines_1, soldAt=at(Y, 12, 30))
    await api.data(RECORD_SALE, {"input": sale_1}, token=clerk_e1)
    await api.data(RECORD_SALE, {"input": sale_1}, token=clerk_e1)  # a replay adds nothing
    sale_2 = sale_input(
        "R-2",
        lines=[line("SKU-CORE-2", 2, 150)],
        soldAt=at(Y, 12, 45),
        memberCode=member["cardNumber"],
    )
    await api.data(RECORD_SALE, {"input": sale_2}, token=clerk_e1)
    # 01:30 in Shanghai is 23:30 the evening before in Urumqi, the store's own time.
    sale_3 = sale_input("R-3", store="W1", lines=[line("SKU-CORE-1", 1, 200)], soldAt=at(Y, 1, 30))
    await api.data(RECORD_SALE, {"input": sale_3}, token=await api.token_for("clerk.w1"))
    back = {
        "storeCode": "E2",
        "originalStoreCode": "E1",
        "receiptNo": "R-1",
        "lines": [{"sku": "SKU-CORE-1", "quantity": 1}],  # half of line 1: 175 back
    }
    clerk_e2 = await api.token_for("clerk.e2")
    await api.data(RETURN, {"input": back}, token=clerk_e2)
    shift = await start(api, "clerk.e2", store="E2")
    await api.data(END, {"input": {"shiftId": shift["id"]}}, token=clerk_e2)

    store = await ids(api, "SELECT code, id FROM store")
    sku = await ids(api, "SELECT sku, id FROM product")
    staff = await ids(api, "SELECT username, id FROM staff")
    member_id = (await sql(api, "SELECT id FROM member"))[0][0]
    (enrolled_at,) = (await sql(api, "SELECT enrolled_at FROM member"))[0]
    (returned_at,) = (await sql(api, "SELECT returned_at FROM sale_return"))[0]
    started, seconds = (
        await sql(
            api,
            "SELECT started_at, floor(extract(epoch FROM ended_at - started_at)) FROM shift",
        )
    )[0]
    e1, e2, w1 = store["E1"], store["E2"], store["W1"]
    y_urumqi = Y - timedelta(days=1)

    clerks: dict[tuple[int, int, date], list[int]] = {
        # ..., promoted, the change to the store's month closing stock: E1's CORE-1 0, EAST-1
        # -1, CORE-2 -2 (each SKU's first sale of the month: its balance after it)
        (e1, staff["clerk.e1"], month(Y)): [2, 6, 3650, 1, 0, 0, 0, 0, -3],
        (w1, staff["clerk.w1"], month(y_urumqi)): [1, 1, 200, 0, 0, 0, 0, 0, -1],
    }
    enrol_key = (e1, staff["clerk.e1"], month(local_day(enrolled_at, "Asia/Shanghai")))
    clerks.setdefault(enrol_key, [0] * 9)[4] += 1
    shift_key = (e2, staff["clerk.e2"], month(local_day(started, "Asia/Shanghai")))
    clerks.setdefault(shift_key, [0] * 9)[5:7] = [1, int(seconds)]
    expected = {
        "sales_daily": sorted(
            [
                # ..., stock-outs, closing stock (the balance after the day's last sale)
                (e1, Y, sku["SKU-CORE-1"], 3, 550, 1, 0, 0, 1, 0),
                (e1, Y, sku["SKU-EAST-1"], 1, 2800, 1, 0, 0, 0, -1),  # none on record: not out
                (e1, Y, sku["SKU-CORE-2"], 2, 300, 1, 0, 0, 0, -2),
                (w1, y_urumqi, sku["SKU-CORE-1"], 1, 200, 1, 0, 0, 0, -1),
                (
                    e2,
                    local_day(returned_at, "Asia/Shanghai"),
                    sku["SKU-CORE-1"],
                    0,
                    0,
                    0,
                    1,
                    175,
                    0,
                    None,  # a return alone: no sale's balance that day
                ),
            ]
        ),
        "store_hourly": sorted(
            [(e1, Y, 12, 2, 1, 6, 3650, 1), (w1, y_urumqi, 23, 1, 0, 1, 200, 0)]
        ),
        "clerk_monthly": sorted((*key, *values) for key, values in clerks.items()),
        "member_monthly": [(e1, month(Y), member_id, 1, 300)],
        "member_category_monthly": [(e1, month(Y), member_id, "STATIONERY", 1)],
        "sales_monthly": sorted(  # units, takings, closing stock; the return not counted
            [
                (e1, month(Y), sku["SKU-CORE-1"], 3, 550, 0),
                (e1, month(Y), sku["SKU-EAST-1"], 1, 2800, -1),
                (e1, month(Y), sku["SKU-CORE-2"], 2, 300, -2),
                (w1, month(y_urumqi), sku["SKU-CORE-1"], 1, 200, -1),
            ]
        ),
    }
    kept = await rollups(api)
    assert {table: sorted(rows) for table, rows in kept.items()} == expected
    await rebuild(api)
    assert await rollups(api) == kept
    assert started.tzinfo is not None and started <= datetime.now(UTC)


async def test_month_closing_stock_and_member_categories_follow_each_sale(api: Api) -> None:
    """CORE-1 at E1 from 10: clerk.e1 sells 2 (8 left), sm.e1 sells 3 (5 left) with CORE-2
    (-1 left), clerk.e1 sells 1 (4 left). The month's closing stock is 4 + -1 = 3: clerk.e1's
    sales changed it by 8 and then 4 - 5, sm.e1's by 5 - 8 and -1. The member's receipts: CORE-1
    and CORE-2 (BEVERAGES, STATIONERY) once, CORE-1 on two lines once: BEVERAGES twice."""
    await receive(api, "E1", "SKU-CORE-1", 10)
    clerk, manager = await api.token_for("clerk.e1"), await api.token_for("sm.e1")
    member = (await api.data(ENROLL, {"input": new_member()}, token=clerk))["enrollMember"][
        "member"
    ]
    card = member["cardNumber"]
    sales = [
        (clerk, [line("SKU-CORE-1", 2, 200)], None),
        (manager, [line("SKU-CORE-1", 3, 200), line("SKU-CORE-2", 1, 150)], card),
        (clerk, [line("SKU-CORE-1", 1, 200)], None),
        (clerk, [line("SKU-CORE-1", 1, 200), line("SKU-CORE-1", 1, 200)], card),
    ]
    for n, (token, lines, member_code) in enumerate(sales[:3], 1):
        extra = {"memberCode": member_code} if member_code else {}
        sale = sale_input(f"C-{n}", lines=lines, soldAt=at(Y, 10 + n, 0), **extra)
        await api.data(RECORD_SALE, {"input": sale}, token=token)
    store = await ids(api, "SELECT code, id FROM store")
    staff = await ids(api, "SELECT username, id FROM staff")
    sku = await ids(api, "SELECT sku, id FROM product")
    e1, m = store["E1"], month(Y)

    kept = await rollups(api)
    change = {row[1]: row[-1] for row in kept["clerk_monthly"] if row[0] == e1 and row[2] == m}
    assert change == {staff["clerk.e1"]: 8 + (4 - 5), staff["sm.e1"]: (5 - 8) + -1}
    assert sorted(kept["sales_monthly"]) == sorted(
        [(e1, m, sku["SKU-CORE-1"], 6, 1200, 4), (e1, m, sku["SKU-CORE-2"], 1, 150, -1)]
    )
    # The fourth sale: CORE-1 twice on one receipt, 2 left (a change of 2 - 4).
    token, lines, member_code = sales[3]
    sale = sale_input("C-4", lines=lines, soldAt=at(Y, 14, 0), memberCode=member_code)
    await api.data(RECORD_SALE, {"input": sale}, token=token)
    kept = await rollups(api)
    change = {row[1]: row[-1] for row in kept["clerk_monthly"] if row[0] == e1 and row[2] == m}
    assert change == {staff["clerk.e1"]: 7 - 2, staff["sm.e1"]: -4}
    assert sum(change.values()) == 2 + -1  # the month's closing stock
    member_id = (await sql(api, "SELECT id FROM member"))[0][0]
    assert kept["member_category_monthly"] == [
        (e1, m, member_id, "BEVERAGES", 2),
        (e1, m, member_id, "STATIONERY", 1),
    ]
    await rebuild(api)
    assert await rollups(api) == kept
