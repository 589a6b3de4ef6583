"""ClerkCore's counter jobs against the real API in process, through a network that loses
answers: a help request with its photo, a return picked from a scanned receipt, and a
stock-take of two shelves each land exactly once, read back from the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from api.app import create_app
from clerk_app.core import ClerkCore
from clerk_app.core.counter_jobs import ReturnPick, StockTake, parse_receipt_code
from tests.clerk_core.test_core_against_api import FaultyNetwork, core, jpeg
from tests.conftest import Api
from tests.conftest import test_settings as settings_for
from tests.org_fixture import PASSWORD
from tests.sales.helpers import RECORD_SALE, on_hand, receive, sale_input


@pytest.fixture
async def network(org_db: str) -> AsyncIterator[FaultyNetwork]:
    app = create_app(settings_for(org_db))
    async with app.router.lifespan_context(app):
        yield FaultyNetwork(httpx.ASGITransport(app=app, client=("10.1.3.1", 5000)))


async def sync_all(clerk: ClerkCore) -> None:
    for _ in range(10):
        if await clerk.sync() == 0:
            return
        clerk.retry_now()
    raise AssertionError([w.why for w in clerk.waiting()])


def test_receipt_codes_name_the_store_they_were_bought_at() -> None:
    assert parse_receipt_code("E1/R-7", "E2") == ("E1", "R-7")
    assert parse_receipt_code(" e1:R-7 ", "E2") == ("E1", "R-7")
    assert parse_receipt_code("E1 R-7", "E2") == ("E1", "R-7")
    assert parse_receipt_code("R-7", "E2") == ("E2", "R-7")


async def test_a_help_request_with_a_photo_lands_once(
    tmp_path: Path, network: FaultyNetwork, api: Api
) -> None:
    clerk = core(tmp_path / "phone", network)
    await clerk.sign_in("clerk.e1", PASSWORD)
    network.plan = ["drop", "drop"]  # offline when the clerk asks
    key = clerk.queue_help("收银机卡住了", jpeg(tmp_path, "till.jpg", (200, 10, 10)))
    assert await clerk.sync() == 2
    clerk.retry_now()
    network.plan = ["ok", "lose"]  # the photo goes up, the request's answer is lost
    await sync_all(clerk)
    assert clerk.result(key)["requestHelp"]["helpRequest"]["note"] == "收银机卡住了"
    async with api.engine.connect() as conn:
        asked = (await conn.execute(text("SELECT id, note FROM help_request"))).all()
        photos = await conn.scalar(text("SELECT count(*) FROM photo_attachment"))
    assert [r.note for r in asked] == ["收银机卡住了"]
    assert photos == 1
    await clerk.close()


async def test_a_return_from_a_scanned_receipt_lands_once(
    tmp_path: Path, network: FaultyNetwork, api: Api
) -> None:
    await receive(api, "E1", "SKU-CORE-1", 10)
    lines = [{"sku": "SKU-CORE-1", "quantity": 3, "unitPriceCents": 200, "discountCents": 0}]
    seller = await api.token_for("clerk.e1")
    await api.data(RECORD_SALE, {"input": sale_input("R-9", lines=lines)}, token=seller)
    clerk = core(tmp_path / "phone", network)
    await clerk.sign_in("clerk.e2", PASSWORD)  # brought back at another store
    receipt = await clerk.receipt("E1/R-9")
    assert [(x["sku"], x["returnable"]) for x in receipt["lines"]] == [("SKU-CORE-1", 3)]
    key = clerk.queue_return("E1", "R-9", [ReturnPick("SKU-CORE-1", 2)], "DAMAGED")
    network.plan = ["lose"]  # the server takes them back; the phone never hears
    await sync_all(clerk)
    answer = clerk.result(key)["recordReturn"]["saleReturn"]
    assert answer["refundCents"] == 400  # 2 of 3 units of a 600-cent line
    assert answer["lines"] == [
        {"lineNo": 1, "sku": "SKU-CORE-1", "quantity": 2, "refundCents": 400, "resaleable": False}
    ]
    async with api.engine.connect() as conn:
        returns = await conn.scalar(text("SELECT count(*) FROM sale_return"))
    assert returns == 1
    # Damaged: back into E2's stock and written off again.
    assert await on_hand(api, "E2", "SKU-CORE-1") == 0
    assert (await clerk.receipt("E1/R-9"))["lines"][0]["returnable"] == 1
    await clerk.close()


async def test_a_stock_take_of_two_shelves_reports_its_variance(
    tmp_path: Path, network: FaultyNetwork, api: Api
) -> None:
    await receive(api, "E1", "SKU-CORE-1", 10)
    await receive(api, "E1", "SKU-CORE-2", 4)
    clerk = core(tmp_path / "phone", network)
    await clerk.sign_in("clerk.e1", PASSWORD)
    take = StockTake()
    take.start_shelf("A1")
    [water] = await clerk.search_stock("6900000000011")  # its barcode, scanned
    [pens] = await clerk.search_stock("zxb")  # 得力 中性笔 by pinyin initials
    for _ in range(6):
        take.add(water)
    take.add(pens, 2)
    take.start_shelf("B2")
    take.add(water, 2)
    assert take.totals() == {"SKU-CORE-1": 8, "SKU-CORE-2": 2}
    assert [(v["sku"], v["book"], v["variance"]) for v in take.variances()] == [
        ("SKU-CORE-1", 10, -2),
        ("SKU-CORE-2", 4, -2),
    ]
    key = clerk.queue_stock_count(take)
    network.plan = ["lose"]
    await sync_all(clerk)
    report = clerk.result(key)["recordStockCount"]["lines"]
    assert [(x["sku"], x["book"], x["counted"], x["variance"]) for x in report] == [
        ("SKU-CORE-1", 10, 8, -2),
        ("SKU-CORE-2", 4, 2, -2),
    ]
    async with api.engine.connect() as conn:
        counts = await conn.scalar(text("SELECT count(*) FROM stock_movement WHERE kind='COUNT'"))
    assert counts == 2
    assert await on_hand(api, "E1", "SKU-CORE-1") == 8
    await clerk.close()
