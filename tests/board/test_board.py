"""The board in real headless Chromium on the demo chain: sign-in and refusal, tile numbers
against the API's answers, a region manager's scope on the page, a complaint arriving live,
both languages, the Content-Security-Policy and no request leaving the origin."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from api.trusted_documents import OPERATIONS_DIR
from tests.board.conftest import DEMO_PASSWORD, Board

FIGURES = [
    "averageTicketCents",
    "itemsPerBasket",
    "customersPerStaffHour",
    "memberRepurchaseRate",
    "stockOuts",
    "complaintHandlingHours",
]
MANIFEST = json.loads((OPERATIONS_DIR / "manifest.json").read_text())
DOCUMENT_IDS = {entry["name"]: doc_id for doc_id, entry in MANIFEST.items()}


def _period(months: int = 3) -> dict[str, str]:
    """The page's default period (board/js/app.js `period`): three calendar months to today."""
    today = date.today()
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return {"from": date(year, month, 1).isoformat(), "to": today.isoformat()}


async def _by_id(board: Board, name: str, variables: dict[str, Any], token: str | None) -> Any:
    """A trusted document run by id, as the page runs it."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await board.server.api.client.post(
        "/graphql", json={"documentId": DOCUMENT_IDS[name], "variables": variables}, headers=headers
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def _token(board: Board, username: str) -> str:
    data = await _by_id(
        board, "BoardSignIn", {"username": username, "password": DEMO_PASSWORD}, token=None
    )
    token: str = data["login"]["token"]
    return token


async def _store_codes_on_page(board: Board) -> set[str]:
    codes: set[str] = await board.page.evaluate(
        """() => {
          const codes = new Set();
          for (const el of document.querySelectorAll('[data-store]')) codes.add(el.dataset.store);
          for (const el of document.querySelectorAll('[data-stores]'))
            for (const c of el.dataset.stores.split(',')) if (c) codes.add(c);
          return [...codes];
        }"""
    )
    return set(codes)


async def test_hq_tiles_equal_the_api_answers(board: Board) -> None:
    await board.signed_in("hq.ops")
    token = await _token(board, "hq.ops")
    kpis = (await _by_id(board, "Kpis", _period(), token))["kpis"]
    latest = kpis["months"][-1]
    assert latest["receipts"] > 0  # the history reaches into this month
    page = board.page
    receipts = page.locator("[data-kpi='receipts']")
    assert await receipts.get_attribute("data-raw") == str(latest["receipts"])
    assert await receipts.locator(".value").inner_text() == f"{latest['receipts']:,}"
    for figure in FIGURES:
        raw = await page.locator(f"[data-kpi='{figure}']").get_attribute("data-raw")
        value = latest[figure]["value"]
        assert (None if raw == "" else float(raw)) == value, figure
    ticket = latest["averageTicketCents"]["value"]
    shown = await page.locator("[data-kpi='averageTicketCents'] .value").inner_text()
    assert shown == f"CN¥{ticket / 100:,.2f}", shown
    # The tile opens the months behind its number.
    await page.click("[data-kpi='averageTicketCents']")
    rows = page.locator("#panel-kpis .detail tbody tr")
    assert await rows.count() == len(kpis["months"])
    # Every store of the chain is on the map.
    stores = (await _by_id(board, "BoardStores", {}, token))["openStockAlertCounts"]
    assert await _store_codes_on_page(board) >= {row["store"]["code"] for row in stores}
    assert len(stores) == 57


async def test_region_manager_sees_their_region_only(board: Board) -> None:
    await board.signed_in("rm.east")
    token = await _token(board, "hq.ops")
    stores = (await _by_id(board, "BoardStores", {}, token))["openStockAlertCounts"]
    east = {r["store"]["code"] for r in stores if r["store"]["region"]["code"] == "EAST"}
    others = {r["store"]["code"] for r in stores} - east
    assert east and others
    page = board.page
    assert await page.locator("#view").get_attribute("data-level") == "region"
    assert await page.locator("#crumbs a[data-level='chain']").count() == 0
    await page.wait_for_selector("#panel-complaints table, #panel-complaints p:not(.live)")
    await page.wait_for_selector("#panel-ranking table, #panel-ranking p:not(.live)")
    seen = await _store_codes_on_page(board)
    assert seen == east, seen ^ east
    text = await page.inner_text("body")
    assert not [code for code in others if re.search(rf"\b{re.escape(code)}\b", text)]
    # Down to one of its stores: still nothing of another region.
    first = sorted(east)[0]
    await page.click(f"#panel-stores tr[data-store='{first}'] a.drill")
    await page.wait_for_selector("#view[data-level='store'] #panel-heatmap canvas")
    await page.wait_for_selector("#panel-ranking table, #panel-ranking p:not(.live)")
    await page.wait_for_selector("#panel-alerts table, #panel-alerts p")
    assert await _store_codes_on_page(board) <= east | {first}
    text = await page.inner_text("body")
    assert not [code for code in others if re.search(rf"\b{re.escape(code)}\b", text)]


async def test_a_complaint_filed_through_the_api_appears_without_a_reload(board: Board) -> None:
    await board.signed_in("hq.ops")
    page = board.page
    await page.wait_for_selector("#panel-complaints table, #panel-complaints p:not(.live)")
    await board.server.until_feeds(1)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    clerk = await _token(board, "clerk.sh-001.1")
    filed = await _by_id(
        board,
        "FileComplaint",
        {
            "input": {
                "storeCode": "SH-001",
                "category": "HYGIENE",
                "description": "Sticky floor by the fridges",
            }
        },
        clerk,
    )
    complaint_id = filed["fileComplaint"]["complaint"]["id"]
    row = page.locator(f"#panel-complaints tr[data-complaint='{complaint_id}']")
    await row.wait_for(timeout=10_000)
    assert "Hygiene" in await row.inner_text()
    countdown = await row.locator("td.sla").inner_text()
    assert re.search(r"\d+ h \d\d min", countdown), countdown
    assert navigations == []


async def test_clerk_is_refused(board: Board) -> None:
    await board.sign_in("clerk.sh-001.1")
    from playwright.async_api import expect  # imported here: without it the tests skip

    error = board.page.locator("#signin-error")
    await expect(error).to_contain_text("your role cannot open it")
    assert await board.page.locator("#view").is_hidden()
    assert await board.page.locator("#panel-kpis").count() == 0


async def test_language_switch_leaves_no_untranslated_key(board: Board) -> None:
    await board.signed_in("hq.ops")
    page = board.page
    same_keys = await page.evaluate(
        """async () => {
          const { MESSAGES } = await import('/board/js/messages.js');
          const en = Object.keys(MESSAGES.en).sort(), zh = Object.keys(MESSAGES.zh).sort();
          return JSON.stringify(en) === JSON.stringify(zh);
        }"""
    )
    assert same_keys
    await page.click("#lang")
    await page.wait_for_selector("html[lang='zh-CN']")
    await page.wait_for_selector("#panel-kpis .tile")
    await page.wait_for_selector("#panel-complaints table, #panel-complaints p:not(.live)")
    # and a store's view, in Chinese
    await page.click("#panel-stores tr[data-region] a.drill")
    await page.wait_for_selector("#panel-stores tr[data-store] a.drill")
    await page.click("#panel-stores tr[data-store] a.drill")
    await page.wait_for_selector("#panel-heatmap canvas")
    await page.wait_for_selector("#panel-alerts table, #panel-alerts p")
    assert await page.evaluate("window.missingKeys") == []
    text = await page.inner_text("body")
    assert "关键指标" in text and "投诉与服务时限" in text
    assert not re.search(r"\b[a-z]+\.[a-zA-Z_]+\b", text), text  # no key shown as itself
    family = await page.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith('"Chainstore CJK"')
    # No missing glyph, and none drawn by a font of this machine: Chromium says which font drew
    # each Chinese text node; the board's own (a web font) drew all of it.
    for selector in ("h1", "#panel-kpis h2", "#panel-alerts h2", "#panel-kpis .tile .label"):
        fonts = await _fonts_drawing(page, selector)
        assert any(custom and "Noto Sans" in name for name, custom in fonts), (selector, fonts)
        assert not any("CJK" in name and not custom for name, custom in fonts), (selector, fonts)


async def _fonts_drawing(page: Any, selector: str) -> list[tuple[str, bool]]:
    """The fonts Chromium used for the element's text, and whether each was a web font
    (DevTools protocol)."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("DOM.enable")
    await cdp.send("CSS.enable")
    root = await cdp.send("DOM.getDocument", {"depth": -1})
    node = await cdp.send(
        "DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector}
    )
    used = await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    await cdp.detach()
    return [(font["familyName"], font["isCustomFont"]) for font in used["fonts"]]


async def test_csp_header_and_no_request_leaves_the_origin(board: Board) -> None:
    response = await board.server.api.client.get("/board/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "http" not in policy.replace(f"127.0.0.1:{board.server.port}", "")
    await board.signed_in("hq.ops")
    await board.page.wait_for_selector("#panel-complaints table, #panel-complaints p:not(.live)")
    origin = f"http://127.0.0.1:{board.server.port}/"
    assert board.requests and all(url.startswith(origin) for url in board.requests), board.requests
    assert board.sockets == [f"ws://127.0.0.1:{board.server.port}/graphql"]
    # A handful of GraphQL requests for the first view.
    graphql = [url for url in board.requests if url.endswith("/graphql")]
    assert len(graphql) <= 8, graphql
    assert not [url for url in board.requests if "token" in url.lower()]


LEVELS = """query { stockLevels(storeCode: "SH-001", first: 20) {
  edges { node { onHand product { sku } } } } }"""
THRESHOLDS = """mutation($sku: String!, $safety: Int!, $target: Int!) {
  setStockThresholds(storeCode: "SH-001", sku: $sku, safetyStock: $safety, reorderTarget: $target)
  { stockLevel { onHand } } }"""
TRANSFER = """query($id: ID!) { transfer(id: $id) {
  status fromStore { code } toStore { code } lines { product { sku } quantityRequested } } }"""


async def test_one_click_transfer_request_from_a_low_stock_alert(board: Board) -> None:
    api = board.server.api
    ops = await api.token_for("hq.ops")
    levels = (await api.data(LEVELS, token=ops))["stockLevels"]["edges"]
    stocked = next(e["node"] for e in levels if e["node"]["onHand"] > 0)
    sku, on_hand = stocked["product"]["sku"], stocked["onHand"]
    # A safety level above the shelf raises the alert; the target sets the shortfall.
    variables = {"sku": sku, "safety": on_hand + 5, "target": on_hand + 12}
    await api.data(THRESHOLDS, variables, token=ops)

    await board.signed_in("rm.east")
    page = board.page
    await page.click("#panel-stores tr[data-store='SH-001'] a.drill")
    row = page.locator(f"#panel-alerts tr[data-sku='{sku}']")
    await row.wait_for()
    button = row.locator("button[data-from]").first
    from_store = await button.get_attribute("data-from")
    quantity = int(await button.get_attribute("data-quantity") or 0)
    assert 0 < quantity <= 12
    await button.click()
    status = row.locator("[data-transfer]")
    await status.wait_for()
    transfer_id = await status.get_attribute("data-transfer")
    assert "Transfer requested" in await status.inner_text()
    transfer = (await api.data(TRANSFER, {"id": transfer_id}, token=ops))["transfer"]
    assert transfer == {
        "status": "REQUESTED",
        "fromStore": {"code": from_store},
        "toStore": {"code": "SH-001"},
        "lines": [{"product": {"sku": sku}, "quantityRequested": quantity}],
    }


async def test_a_tablet_sees_every_panel_without_scrolling_sideways(board: Board) -> None:
    """At a tablet's 768 px (portrait) the chain and a store's view fit the width: the panels
    stack, tables and charts stay inside the page."""
    await board.page.set_viewport_size({"width": 768, "height": 1024})
    await board.signed_in("hq.ops")
    page = board.page
    await page.wait_for_selector("#panel-kpis .tile")
    await page.wait_for_selector("#panel-complaints table, #panel-complaints p:not(.live)")
    overflow = "document.documentElement.scrollWidth - window.innerWidth"
    assert await page.evaluate(overflow) <= 0
    await page.click("#panel-stores tr[data-region] a.drill")
    await page.wait_for_selector("#panel-stores tr[data-store] a.drill")
    await page.click("#panel-stores tr[data-store] a.drill")
    await page.wait_for_selector("#panel-heatmap canvas")
    assert await page.evaluate(overflow) <= 0
    assert await page.locator("section").count() > 3
    widest = await page.evaluate(
        "Math.max(...[...document.querySelectorAll('section')].map(s => s.getBoundingClientRect().right))"
    )
    assert widest <= 768
