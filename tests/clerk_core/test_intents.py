"""Voice intents (clerk_app/core/intents.py): many phrasings in Chinese and English, each read
against a small shop's products by name, full pinyin, initials and barcode."""

# Speech comes with full-width forms and CJK numerals on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from clerk_app.core.intents import (
    FileComplaint,
    Help,
    Intent,
    IntentReader,
    KnownProduct,
    ScanMember,
    StockLookup,
    Unknown,
    normalise,
)

BANLANGEN = KnownProduct("SKU-1", "板蓝根颗粒 10袋", "6900000000011")
YILI = KnownProduct("SKU-2", "伊利 纯牛奶 250ml", "6900000000028")
MENGNIU = KnownProduct("SKU-3", "蒙牛 纯牛奶 250ml", "6900000000035")
WALNUT = KnownProduct("SKU-4", "养元 六个核桃 240ml", "6900000000042")
WATER = KnownProduct("SKU-5", "农夫山泉 饮用天然水 550ml", "6900000000059")
GANMAOLING = KnownProduct("SKU-6", "999 感冒灵颗粒", "6900000000066")
COLA = KnownProduct("SKU-7", "Coca-Cola 330ml", "69000000000073")
# Pinyin given by the caller wins over the derived one (a polyphone read another way).
CHONGQING = KnownProduct("SKU-8", "重庆小面", "6900000000080", pinyin="chong qing xiao mian")
PRODUCTS = [BANLANGEN, YILI, MENGNIU, WALNUT, WATER, GANMAOLING, COLA, CHONGQING]
READER = IntentReader(PRODUCTS)


def stock(product: KnownProduct) -> StockLookup:
    return StockLookup(query=product.name, product=product, candidates=(product,))


MILKS = StockLookup(query="纯牛奶", candidates=(YILI, MENGNIU))

CASES: list[tuple[str, Intent]] = [
    # stock, by Chinese name
    ("查板蓝根库存", stock(BANLANGEN)),
    ("板蓝根还有多少", stock(BANLANGEN)),
    ("帮我查一下板蓝根的库存", stock(BANLANGEN)),
    ("板蓝根颗粒还剩几盒？", stock(BANLANGEN)),
    ("有没有板蓝根", stock(BANLANGEN)),
    ("板蓝根", stock(BANLANGEN)),
    ("六个核桃还有吗", stock(WALNUT)),
    ("感冒灵有货吗", stock(GANMAOLING)),
    ("农夫山泉库存多少", stock(WATER)),
    ("天然水还剩多少瓶", stock(WATER)),
    ("纯牛奶还有多少", MILKS),  # two milks: search the words, offer both
    ("伊利纯牛奶库存", stock(YILI)),
    ("查查重庆小面", stock(CHONGQING)),
    # stock, in English: pinyin as one word, as syllables, or an English name
    ("stock of Banlangen", stock(BANLANGEN)),
    ("how many banlangen left", stock(BANLANGEN)),
    ("How many ban lan gen do we have?", stock(BANLANGEN)),
    ("do we have any banlangen in stock", stock(BANLANGEN)),
    ("check stock for ganmaoling", stock(GANMAOLING)),
    ("is there any nongfu shanquan left", stock(WATER)),
    ("how many Coca-Cola left", stock(COLA)),
    ("cola in stock?", stock(COLA)),
    ("chongqing xiaomian", stock(CHONGQING)),
    # pinyin initials, typed or spelled out
    ("blg", stock(BANLANGEN)),
    ("BLG", stock(BANLANGEN)),
    ("b l g 还有多少", stock(BANLANGEN)),
    ("nfsq", stock(WATER)),
    ("lght", stock(WALNUT)),  # initials inside the name (after the brand)
    ("gml库存", stock(GANMAOLING)),
    ("cqxm", stock(CHONGQING)),
    # a barcode read out digit by digit, or typed
    ("六九零零零零零零零零零一一", stock(BANLANGEN)),
    ("条码 六九零零零零零零零零零幺幺", stock(BANLANGEN)),
    ("six nine zero zero zero zero zero zero zero zero zero two eight", stock(YILI)),
    ("6 9 0 0 0 0 0 0 0 0 0 5 9", stock(WATER)),
    ("６９０００００００００６６", stock(GANMAOLING)),  # full-width digits
    ("stock of 69000000000073", stock(COLA)),
    ("6911111111111", StockLookup(query="6911111111111")),  # nobody's barcode: search it
    # member
    ("扫会员码", ScanMember()),
    ("扫码", ScanMember()),
    ("会员积分还有多少", ScanMember()),
    ("scan the member card", ScanMember()),
    ("check member points", ScanMember()),
    ("会员卡号八八一二三四五六七八九零一二三四", ScanMember(code="8812345678901234")),
    ("8812 3456 7890 1234", ScanMember(code="8812345678901234")),
    # complaint
    ("我要投诉，牛奶过期了", FileComplaint(description="牛奶过期了")),
    ("顾客投诉板蓝根过期", FileComplaint(description="板蓝根过期")),
    ("file a complaint: the milk was sour", FileComplaint(description="milk was sour")),
    ("customer complaint", FileComplaint()),
    # help
    ("我需要帮助", Help()),
    ("求助", Help()),
    ("收银机坏了，需要帮助", Help(note="收银机坏了")),
    ("帮我呼叫总部", Help()),
    ("help", Help()),
    ("I need help with the till", Help(note="with till")),
    # stock without a product: open the search
    ("查库存", StockLookup(query="")),
    ("check stock", StockLookup(query="")),
    ("how many 火龙果 left", StockLookup(query="火龙果")),
    # nothing to do
    ("今天天气怎么样", Unknown("今天天气怎么样")),
    ("good morning", Unknown("good morning")),
    ("", Unknown("")),
    ("。。。", Unknown("。。。")),
]


@pytest.mark.parametrize(("said", "expected"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_a_phrase_becomes_its_intent(said: str, expected: Intent) -> None:
    assert READER.read(said) == expected


def test_the_table_is_broad() -> None:
    assert len(CASES) >= 40
    kinds = {type(intent) for _, intent in CASES}
    assert kinds == {StockLookup, ScanMember, FileComplaint, Help, Unknown}


def test_products_come_from_the_apis_rows() -> None:
    node = {"sku": "SKU-9", "name": "银黄颗粒", "barcode": "6900000000097", "unit": "盒"}
    reader = IntentReader([KnownProduct.from_node(node)])
    assert reader.read("yhkl 还有多少") == stock(KnownProduct("SKU-9", "银黄颗粒", "6900000000097"))


def test_without_products_a_named_thing_is_searched_as_said() -> None:
    assert IntentReader().read("板蓝根还有多少") == StockLookup(query="板蓝根")


@pytest.mark.parametrize(
    ("said", "plain"),
    [
        ("六九零零零零零零零零零一一", "6900000000011"),
        ("six nine zero zero zero zero zero zero zero zero zero one one", "6900000000011"),
        ("6-9-0 0 0 0 0 0 0 0 0 1 1", "6900000000011"),
        ("B L G", "blg"),
        ("六个核桃", "六个核桃"),  # one digit is a word, not a number
        ("ＳＴＯＣＫ，板蓝根！", "stock 板蓝根"),
    ],
)
def test_read_out_digits_and_letters_are_joined(said: str, plain: str) -> None:
    assert normalise(said) == plain
