"""Stock and product search by pinyin initials: "nfsq" finds 农夫山泉, typed or spoken; the
initials come from the name when a product is created (the ORM default) or migrated."""

from __future__ import annotations

from sqlalchemy import text

from db.pinyin import initials
from tests.conftest import Api
from tests.sales.helpers import receive

STOCK = """query($search: String) {
  stockLevels(storeCode: "E1", filter: {search: $search}, first: 20) {
    edges { node { product { sku } } } } }"""
PRODUCTS = """query($search: String) {
  products(filter: {search: $search}, first: 20) { edges { node { sku } } } }"""


def test_initials_take_the_chinese_characters_only() -> None:
    assert initials("板蓝根颗粒 10袋") == "blgkld"
    assert initials("农夫山泉 550ml") == "nfsq"
    assert initials("Vitamin C") == ""


async def test_stock_and_products_are_found_by_pinyin_initials(api: Api) -> None:
    for sku in ("SKU-CORE-1", "SKU-CORE-2", "SKU-EAST-1"):
        await receive(api, "E1", sku, 5)
    async with api.engine.connect() as conn:
        rows = await conn.execute(text("SELECT sku, pinyin_initials FROM product"))
        stored = {r.sku: r.pinyin_initials for r in rows}
    assert stored == {"SKU-CORE-1": "nfsq", "SKU-EAST-1": "xhlqt", "SKU-CORE-2": "dlzxb"}
    clerk = await api.token_for("clerk.e1")

    async def stock(search: str) -> list[str]:
        data = await api.data(STOCK, {"search": search}, token=clerk)
        return [e["node"]["product"]["sku"] for e in data["stockLevels"]["edges"]]

    assert await stock("nfsq") == ["SKU-CORE-1"]
    assert await stock("QT") == ["SKU-EAST-1"]  # any case, anywhere in the name
    assert await stock("zxb") == ["SKU-CORE-2"]
    assert await stock("xyz") == []
    assert await stock("中性笔") == ["SKU-CORE-2"]  # names and barcodes as before
    assert await stock("6900000000011") == ["SKU-CORE-1"]
    ops = await api.token_for("ops")
    data = await api.data(PRODUCTS, {"search": "xhl"}, token=ops)
    assert [e["node"]["sku"] for e in data["products"]["edges"]] == ["SKU-EAST-1"]
