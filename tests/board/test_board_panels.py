"""The board's promotion redemption panel, days of cover on the low-stock alerts and the
training alerts, in real headless Chromium on the demo chain.

The constructed promotion: 10 % off one core SKU at SH-001 and SH-002 (EAST) and BJ-001
(NORTH), all business-district stores, with sales recorded through the tills' trusted
document: BJ-001 redeems 1 of 2, SH-001 5 of 10, SH-002 none of 10. SH-002's tenth sale fires
the under-redemption alert (hand-computed below)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text

from tests.board.conftest import Board
from tests.board.test_board import _by_id, _store_codes_on_page, _token
from tests.shifts.helpers import upload_photo

# A day ago in Shanghai time, inside the promotion's window.
SOLD_AT = (
    (datetime.now(UTC) - timedelta(days=1))
    .astimezone(timezone(timedelta(hours=8)))
    .replace(microsecond=0)
    .isoformat()
)
TODAY = datetime.now(UTC).date()
CREATE = """mutation($input: CreatePromotionInput!) {
  createPromotion(input: $input) { promotion { id } } }"""
POSTERS = """mutation($input: AttachPromotionPostersInput!) {
  attachPromotionPosters(input: $input) { evidence { posterPhotos } } }"""
BRIEFING = """mutation($input: RecordPromotionBriefingInput!) {
  recordPromotionBriefing(input: $input) { evidence { status } } }"""


async def _sql(board: Board, statement: str, **params: Any) -> list[Any]:
    async with board.server.api.engine.begin() as conn:
        result = await conn.execute(text(statement), params)
        return list(result.all()) if result.returns_rows else []


async def _constructed_promotion(board: Board) -> str:
    """The promotion of the module docstring, its sales recorded; its id."""
    api = board.server.api
    [(sku, price)] = await _sql(
        board,
        "SELECT sku, price_cents FROM product WHERE region_id IS NULL AND category <> 'BEVERAGES'"
        " ORDER BY sku LIMIT 1",
    )
    ops = await api.token_for("hq.ops")
    window = {
        "startDate": (TODAY - timedelta(days=2)).isoformat(),
        "endDate": (TODAY + timedelta(days=7)).isoformat(),
    }
    created = await api.data(
        CREATE,
        {
            "input": {
                "name": "看板测试 9 折",
                "mechanism": "PERCENT_OFF",
                "percentOff": 10,
                "window": window,
                "storeCodes": ["SH-001", "SH-002", "BJ-001"],
                "skus": [sku],
                "talkingPoints": ["今天九折"],
            }
        },
        token=ops,
    )
    promotion_id: str = created["createPromotion"]["promotion"]["id"]
    discount = round(2 * price * 0.1)
    for store, sales, redeemed in (("BJ-001", 2, 1), ("SH-001", 10, 5), ("SH-002", 10, 0)):
        clerk = await _token(board, f"clerk.{store.lower()}.1")
        for i in range(sales):
            claims = i < redeemed
            line = {
                "sku": sku,
                "quantity": 2,
                "unitPriceCents": price,
                "discountCents": discount if claims else 0,
                "promotionId": promotion_id if claims else None,
            }
            await _by_id(
                board,
                "RecordSale",
                {
                    "input": {
                        "storeCode": store,
                        "receiptNo": f"BOARD-{i}",
                        "soldAt": SOLD_AT,
                        "lines": [line],
                    }
                },
                clerk,
            )
    return promotion_id


async def _rows(board: Board) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = await board.page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#panel-promotions tr[data-store]')]
             .map((tr) => [tr.dataset.store, { ...tr.dataset,
                rateText: tr.querySelector('td.rate').textContent, cls: tr.className }]))"""
    )
    return rows


def _num(raw: str | None) -> float | None:
    """A data attribute's number (JavaScript writes 0.0 as "0", null as "")."""
    return None if raw in (None, "") else float(raw)


async def test_redemption_panel_equals_the_api_and_opens_the_evidence(board: Board) -> None:
    promotion_id = await _constructed_promotion(board)
    api = board.server.api
    ops = await api.token_for("hq.ops")
    photo = await upload_photo(api, ops)
    await api.data(
        POSTERS,
        {"input": {"promotionId": promotion_id, "storeCode": "SH-001", "photoIds": [photo]}},
        token=ops,
    )
    await api.data(
        BRIEFING,
        {
            "input": {
                "promotionId": promotion_id,
                "storeCode": "SH-001",
                "briefedUsernames": ["clerk.sh-001.1", "clerk.sh-001.2"],
            }
        },
        token=ops,
    )
    answer = (await _by_id(board, "BoardPromotionRedemption", {"promotionId": promotion_id}, ops))[
        "promotionRedemption"
    ]
    # Hand-computed: 6 of 22 eligible sales redeemed chain-wide, 5 x 40 + 40 cents given (the
    # product's price decides the 10 %, so only the counts are checked by hand).
    assert (answer["eligibleTransactions"], answer["redemptions"]) == (22, 6)
    by_store = {s["storeCode"]: s for s in answer["stores"]}
    assert set(by_store) == {"SH-001", "SH-002", "BJ-001"}
    assert (by_store["SH-001"]["rate"], by_store["SH-002"]["rate"]) == (0.5, 0.0)
    assert math.isclose(by_store["BJ-001"]["storeTypeRate"], 6 / 22)
    # SH-002's tenth sale: others 6 of 12 (p 0.5), pooled 6/22, se = sqrt(6/22 x 16/22 x
    # (1/10 + 1/12)) = 0.19069, z = -0.5 / 0.19069 = -2.622 <= -2.326 and 10 x 0.5 >= 5.
    assert by_store["SH-002"]["underRedeemedAt"] is not None
    assert [s for s, r in by_store.items() if r["underRedeemedAt"]] == ["SH-002"]

    await board.signed_in("hq.ops")
    page = board.page
    await page.wait_for_selector("#panel-promotions tr[data-store='SH-002']")
    assert await page.locator("#panel-promotions select[name=promotion]").input_value() == (
        promotion_id
    )  # the newest first
    chain = page.locator("#panel-promotions .promo-chain")
    assert _num(await chain.get_attribute("data-rate")) == answer["rate"]
    assert await chain.get_attribute("data-eligible") == "22"
    assert await chain.get_attribute("data-redemptions") == "6"
    assert "27.3%" in await chain.inner_text()
    rows = await _rows(board)
    assert set(rows) == set(by_store)
    for code, row in rows.items():
        s = by_store[code]
        assert _num(row["rate"]) == s["rate"], code
        assert _num(row["chainRate"]) == s["chainRate"], code
        assert _num(row["typeRate"]) == s["storeTypeRate"], code
        assert (row["eligible"], row["redemptions"]) == (
            str(s["eligibleTransactions"]),
            str(s["redemptions"]),
        )
        assert row["under"] == ("1" if s["underRedeemedAt"] else "0"), code
    assert [rows[c]["rateText"] for c in ("SH-001", "SH-002", "BJ-001")] == ["50%", "0%", "50%"]
    assert "outlier" in rows["SH-002"]["cls"] and "outlier" not in rows["SH-001"]["cls"]
    assert "Under-redeemed" in await page.inner_text("#panel-promotions tr[data-store='SH-002']")
    # One click: SH-001's proof of execution, its poster through the photo route.
    await page.click("#panel-promotions button[data-evidence='SH-001']")
    facts = page.locator("#panel-promotions dl[data-evidence-store='SH-001']")
    await facts.wait_for()
    assert await facts.get_attribute("data-photos") == "1"
    assert "clerk.sh-001.1, clerk.sh-001.2" in await facts.inner_text()
    thumb = page.locator(f"#panel-promotions img[data-photo='{photo}']")
    await page.wait_for_selector(f"#panel-promotions img[data-photo='{photo}'][data-loaded='1']")
    assert await thumb.evaluate("img => img.naturalWidth > 0")
    assert await page.evaluate("window.missingKeys") == []


async def test_region_manager_sees_only_their_regions_stores_in_it(board: Board) -> None:
    promotion_id = await _constructed_promotion(board)
    await board.signed_in("rm.east")
    page = board.page
    await page.wait_for_selector("#panel-promotions tr[data-store='SH-002']")
    assert await page.locator("#panel-promotions select[name=promotion]").input_value() == (
        promotion_id
    )
    rows = await _rows(board)
    assert set(rows) == {"SH-001", "SH-002"}  # BJ-001 runs it too, in NORTH
    rm = await _token(board, "rm.east")
    answer = (await _by_id(board, "BoardPromotionRedemption", {"promotionId": promotion_id}, rm))[
        "promotionRedemption"
    ]
    assert {s["storeCode"] for s in answer["stores"]} == {"SH-001", "SH-002"}
    for s in answer["stores"]:
        assert _num(rows[s["storeCode"]]["rate"]) == s["rate"]
    await page.wait_for_selector("#panel-ranking table, #panel-ranking p:not(.live)")
    assert "BJ-001" not in await page.inner_text("body")
    assert "BJ-001" not in await _store_codes_on_page(board)


LEVELS = """query { stockLevels(storeCode: "SH-001", first: 20) {
  edges { node { onHand product { sku } } } } }"""
THRESHOLDS = """mutation($sku: String!, $safety: Int!, $target: Int!) {
  setStockThresholds(storeCode: "SH-001", sku: $sku, safetyStock: $safety, reorderTarget: $target)
  { stockLevel { onHand } } }"""


async def _warn(board: Board, sku: str, days: float, needed: int) -> None:
    """A cover warning at SH-001, written as the worker's forecast job writes it."""
    await _sql(
        board,
        "INSERT INTO cover_warning (store_id, product_id, on_hand, in_transit, daily_demand,"
        " days_of_cover, needed_days, suggested_quantity, target_units, hot_days, first_day)"
        " SELECT s.id, p.id, 5, 0, 2.0, :days, :needed, 20, 25, 0, CURRENT_DATE"
        " FROM store s, product p WHERE s.code = 'SH-001' AND p.sku = :sku",
        days=days,
        needed=needed,
        sku=sku,
    )


async def test_days_of_cover_beside_the_alerts_and_transfer_suggestions(board: Board) -> None:
    api = board.server.api
    ops = await api.token_for("hq.ops")
    levels = (await api.data(LEVELS, token=ops))["stockLevels"]["edges"]
    stocked = [e["node"] for e in levels if e["node"]["onHand"] > 0]
    alerted, alone = stocked[0]["product"]["sku"], stocked[1]["product"]["sku"]
    on_hand = stocked[0]["onHand"]
    await api.data(
        THRESHOLDS, {"sku": alerted, "safety": on_hand + 5, "target": on_hand + 12}, token=ops
    )
    await _warn(board, alerted, 2.5, 4)
    await _warn(board, alone, 1.5, 3)

    await board.signed_in("hq.ops")
    page = board.page
    await page.click("#panel-stores tr[data-region='EAST'] a.drill")
    await page.click("#panel-stores tr[data-store='SH-001'] a.drill")
    row = page.locator(f"#panel-alerts tr[data-sku='{alerted}']")
    await row.wait_for()
    cover = row.locator("td.cover")
    assert await cover.inner_text() == "2.5 d (needs 4)"
    assert await cover.get_attribute("data-days") == "2.5"
    assert "short" in (await cover.get_attribute("class") or "")
    # In the row of the alert, next to its transfer suggestions.
    assert await row.locator("td.cover + td").count() == 1
    other = page.locator(f"#panel-alerts tr[data-cover='{alone}'] td.cover")
    assert await other.inner_text() == "1.5 d (needs 3)"
    warnings = (await _by_id(board, "BoardCoverWarnings", {"storeCode": "SH-001"}, ops))[
        "coverWarnings"
    ]["edges"]
    assert sorted((e["node"]["product"]["sku"], e["node"]["daysOfCover"]) for e in warnings) == (
        sorted([(alerted, 2.5), (alone, 1.5)])
    )
    # Both are short of the days they need.
    assert await page.locator("#panel-alerts td.cover.short").count() == 2


async def _training_task_at_sh_001(board: Board) -> date:
    """An open training task of this month for a clerk of SH-001, as the review raises it."""
    month = TODAY.replace(day=1)
    await _sql(
        board,
        "INSERT INTO training_task (store_id, staff_id, month, reason)"
        " SELECT s.id, st.id, :month, 'Lowest takings of every BUSINESS_DISTRICT clerk'"
        " FROM store s, staff st WHERE s.code = 'SH-001' AND st.username = 'clerk.sh-001.2'",
        month=month,
    )
    return month


async def test_training_alerts_beside_the_ranking(board: Board) -> None:
    """A training task of SH-001 shows beside the ranking in the chain, EAST and SH-001 views;
    a region manager of another region never sees it."""
    month = await _training_task_at_sh_001(board)
    [(task_id,)] = await _sql(board, "SELECT id FROM training_task")
    await board.signed_in("hq.ops")
    page = board.page
    row = page.locator("#training-alerts tr[data-store='SH-001']")
    await row.wait_for()
    assert await page.locator("#training-alerts tr[data-task]").count() == 1
    assert "Lowest takings" in (await row.locator("td.reason").get_attribute("title") or "")
    assert await page.locator("#training-alerts button[data-review]").count() == 1  # HQ
    assert task_id
    await page.click("#panel-stores tr[data-region='NORTH'] a.drill")
    await page.wait_for_selector("#training-alerts p")
    assert await page.locator("#training-alerts tr[data-task]").count() == 0

    other = await _token(board, "rm.north")
    tasks = (await _by_id(board, "BoardStaff", {"month": month.isoformat()}, other))[
        "trainingTasks"
    ]["edges"]
    assert tasks == []


async def test_a_store_manager_marks_a_training_task_done(board: Board) -> None:
    """The store's manager sees the task with a button; one click completes it through the
    API (status DONE, by them) and its row leaves the list."""
    await _training_task_at_sh_001(board)
    await board.signed_in("sm.sh-001")
    page = board.page
    button = page.locator("#training-alerts tr[data-store='SH-001'] button[data-complete]")
    await button.wait_for()
    assert await page.locator("#training-alerts button[data-review]").count() == 0  # HQ's
    await button.click()
    await page.wait_for_selector("#training-alerts tr[data-task]", state="detached")
    [(status, done_by)] = await _sql(
        board,
        "SELECT t.status, s.username FROM training_task t JOIN staff s ON s.id = t.done_by_id",
    )
    assert (status, done_by) == ("DONE", "sm.sh-001")
