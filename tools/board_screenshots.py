"""Screenshots of the HQ board, each view in both languages, into docs/screenshots/board/.

Against a served demo chain with history (for example `chainstore seed --demo --history-days
90` then `chainstore serve`), in Debian's Chromium through Playwright:

    .venv/bin/python tools/board_screenshots.py --url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python tools/board_screenshots.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.board.conftest import CHROMIUM, DEMO_PASSWORD, LAUNCH_ARGS

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "board"
SETTLE = "#panel-complaints table, #panel-complaints p:not(.live)"


async def _settle(page: Any) -> None:
    await page.wait_for_selector(SETTLE)
    await page.wait_for_load_state("networkidle")
    await page.wait_for_timeout(400)  # the charts' first frame


async def _views(page: Any, url: str, username: str, store: str | None) -> list[str]:
    """Walks sign-in, chain (and its promotion panel with a store's evidence open), region,
    store and a tile's months; returns the shot names taken."""
    taken: list[str] = []

    async def shot(name: str) -> None:
        lang = await page.evaluate("document.documentElement.lang")
        suffix = "zh" if lang.startswith("zh") else "en"
        await page.screenshot(path=str(OUT / f"{name}-{suffix}.png"), full_page=True)
        taken.append(f"{name}-{suffix}")

    for lang in ("en", "zh"):
        await page.goto(f"{url}/board/")
        await page.wait_for_selector("body[data-ready='1']")
        if lang == "zh":
            await page.click("#lang")
        await shot("signin")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", DEMO_PASSWORD)
        await page.click("#signin button[type=submit]")
        await page.wait_for_selector("#view:not([hidden]) [data-kpi='receipts']")
        await _settle(page)
        await shot("chain")
        await page.wait_for_selector("#panel-promotions tr[data-store], #panel-promotions p")
        evidence = page.locator("#panel-promotions button[data-evidence]").first
        if await evidence.count():
            await evidence.click()
            await page.wait_for_selector(
                "#panel-promotions .evidence dl, #panel-promotions .evidence p"
            )
            await page.wait_for_load_state("networkidle")
        await page.locator("#panel-promotions").screenshot(path=str(OUT / f"promotion-{lang}.png"))
        taken.append(f"promotion-{lang}")
        await page.click("#panel-stores tr[data-region='EAST'] a.drill")
        await _settle(page)
        await shot("region")
        target = store or await page.get_attribute("#panel-stores tr[data-store]", "data-store")
        await page.click(f"#panel-stores tr[data-store='{target}'] a.drill")
        await page.wait_for_selector("#panel-heatmap canvas")
        await _settle(page)
        await shot("store")
        await page.click("[data-kpi='averageTicketCents']")
        await page.wait_for_selector("#panel-kpis .detail table")
        await page.locator("#panel-kpis").screenshot(path=str(OUT / f"detail-{lang}.png"))
        taken.append(f"detail-{lang}")
        async with page.expect_navigation():  # signing out reloads the page
            await page.click("#signout")
    return taken


async def main(url: str, username: str, store: str | None) -> None:
    from playwright.async_api import async_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        taken = await _views(page, url.rstrip("/"), username, store)
        await browser.close()
    print(f"wrote {len(taken)} screenshots to {OUT}: {', '.join(taken)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="hq.ops")
    parser.add_argument("--store", default=None, help="store code for the store view")
    args = parser.parse_args()
    asyncio.run(main(args.url, args.username, args.store))
