"""What a clerk said, as an action: "查板蓝根库存", "how many banlangen left", a barcode read out
digit by digit or pinyin initials become StockLookup, and so on. Plain Python (no Kivy), fed
the recogniser's text and the products the app knows.

How a sentence is read, in order:
1. normalised: full-width forms folded (NFKC), lower case, punctuation dropped; digits read
   out one by one ("六九零零…", "six nine zero…", "6 9 0 0 …") joined into one number, and
   letters spelled one by one ("b l g") into one word;
2. a complaint word wins ("投诉", "complaint"): FileComplaint with the rest as description;
3. a product named (by name, full pinyin or pinyin initials) or a barcode heard: StockLookup;
   a 16-digit number is a member card: ScanMember with it;
4. a member word ("会员", "扫码", "member", "points"): ScanMember;
5. a stock word ("库存", "还有多少", "stock", "how many", "left"): StockLookup of the rest;
6. a help word ("求助", "帮忙", "help"): Help with the words as its note;
7. otherwise Unknown.
Cue and filler words are removed before products are matched, so "帮我查一下板蓝根的库存" looks
for "板蓝根". Products carry no pinyin in the API: it is derived from the name (pypinyin) unless
the caller supplies it.
"""

# Speech comes with full-width forms and CJK numerals on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pypinyin import Style, lazy_pinyin

__all__ = [
    "FileComplaint",
    "Help",
    "Intent",
    "IntentReader",
    "KnownProduct",
    "ScanMember",
    "StockLookup",
    "Unknown",
]

CARD_DIGITS = 16  # a member card number (clerk_app scans the same numbers)
BARCODE_DIGITS = range(8, 15)  # EAN-8 to GTIN-14


@dataclass(frozen=True)
class KnownProduct:
    """A product the app can name; `pinyin` (syllables without tones, spaces between) is
    derived from the name when not given."""

    sku: str
    name: str
    barcode: str = ""
    pinyin: str | None = None
    _letters: str = field(init=False, repr=False, compare=False)
    _initials: str = field(init=False, repr=False, compare=False)
    _han: str = field(init=False, repr=False, compare=False)
    _words: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        syllables = _fold(self.pinyin or "").split() or _syllables(self.name)
        folded = _fold(self.name)
        object.__setattr__(self, "_letters", "".join(syllables))
        object.__setattr__(self, "_initials", "".join(s[0] for s in syllables if s))
        object.__setattr__(self, "_han", "".join(_HAN.findall(folded)))
        object.__setattr__(self, "_words", frozenset(re.findall(r"[a-z]{3,}", folded)))

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> KnownProduct:
        """From an API `Product` (as in SearchStock's rows: sku, name, barcode)."""
        return cls(sku=str(node["sku"]), name=str(node["name"]), barcode=str(node["barcode"]))


@dataclass(frozen=True)
class StockLookup:
    """Open the stock search. `query` is what to search for: the product's name when exactly
    one matched, else the words heard (empty: just open the screen)."""

    query: str
    product: KnownProduct | None = None
    candidates: tuple[KnownProduct, ...] = ()


@dataclass(frozen=True)
class ScanMember:
    """Open the member scanner, or look up the card number heard (`code`)."""

    code: str | None = None


@dataclass(frozen=True)
class FileComplaint:
    """Open the complaint form with what was said as the description."""

    description: str = ""


@dataclass(frozen=True)
class Help:
    """Ask HQ for help, with what was said as the note."""

    note: str = ""


@dataclass(frozen=True)
class Unknown:
    text: str


Intent = StockLookup | ScanMember | FileComplaint | Help | Unknown

# --- words ----------------------------------------------------------------------------------
# Longest first within each list matters only for removal, which sorts them itself.
_COMPLAINT = ["投诉", "客诉", "差评", "complaint", "complain", "complains", "complaining"]
_MEMBER = [
    "会员卡号", "会员卡", "会员码", "会员", "扫会员", "扫码", "积分", "卡号",
    "membership", "member", "members", "loyalty", "points", "scan card", "scan the card",
    "scan code", "scan qr", "qr code", "card number",
]  # fmt: skip
_STOCK = [
    "库存", "存货", "还有多少", "还剩多少", "剩多少", "有多少", "还有几", "剩几", "还有没有",
    "有没有货", "有货吗", "有货没", "有没有", "还有吗", "多少货", "缺货", "还剩", "剩下",
    "stock", "stocks", "in stock", "how many", "how much", "left", "inventory", "do we have",
    "have we got", "got any", "is there", "are there", "any more", "available",
    "availability", "on hand", "remaining",
]  # fmt: skip
_HELP = [
    "求助", "帮助", "帮忙", "救命", "支援", "找总部", "呼叫总部", "联系总部", "总部",
    "help", "assist", "assistance", "support", "call hq", "headquarters", "sos",
]  # fmt: skip
_FILLER = [
    "帮我", "给我", "请", "麻烦", "查一下", "查查", "查询", "查看", "看一下", "看看", "查",
    "一下", "我要", "我想", "想", "要", "的", "了", "吗", "呢", "吧", "啊", "个", "盒", "瓶",
    "袋", "包", "件", "箱", "还有", "多少", "几", "那个", "这个", "我们", "现在", "一共",
    "please", "check", "show", "me", "the", "of", "for", "a", "an", "any", "some", "we", "do",
    "does", "is", "are", "what", "what's", "whats", "there", "have", "has", "got", "many",
    "much", "units", "boxes", "bottles", "packs", "can", "you", "find", "look", "up", "i",
    "need", "want", "to", "open", "search", "about", "our", "us", "our store", "file",
    "record", "log", "new", "customer", "with",
]  # fmt: skip
# Words that open a request and say nothing of it (taken out of a description or note).
_LEAD = [
    "我要", "我想", "我需要", "需要", "帮我", "请", "登记", "记录", "一个", "一下", "顾客", "客人",
    "呼叫", "联系", "i", "we", "need", "want", "to", "please", "file", "a", "an", "new",
    "record", "log", "the", "customer", "me", "call", "some",
]  # fmt: skip

_CJK_DIGITS = {
    "零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3",
    "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}  # fmt: skip
_WORD_DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_CJK_RUN = re.compile(f"[{''.join(_CJK_DIGITS)}0-9]{{6,}}")
_WORD_RUN = re.compile(
    r"\b(?:(?:" + "|".join(_WORD_DIGITS) + r"|\d)\b[\s-]*){6,}", flags=re.IGNORECASE
)
_SPACED_DIGITS = re.compile(r"(?<!\d)\d(?:[\s-]*\d){7,}(?!\d)")
_SPELLED = re.compile(r"\b[a-z](?:\s+[a-z]\b){1,7}")
_DIGITS = re.compile(r"\d{8,}")
_PUNCTUATION = re.compile(r"[^\w\s']+")
_HAN = re.compile(r"[\u3400-\u9fff]")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _syllables(name: str) -> list[str]:
    """The name's Chinese characters as toneless pinyin syllables (other text is left out:
    brand letters and sizes are matched by name)."""
    return [
        s
        for ch in _fold(name)
        if _HAN.match(ch)
        for s in lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
        if s.isalpha()
    ]


def _digit_runs(text: str) -> str:
    """Digits read one by one, in Chinese, English or as spaced figures, joined."""
    text = _CJK_RUN.sub(lambda m: "".join(_CJK_DIGITS.get(c, c) for c in m.group()), text)
    text = _WORD_RUN.sub(
        lambda m: (
            "".join(_WORD_DIGITS.get(w, w) for w in re.findall(r"[a-z]+|\d", m.group())) + " "
        ),
        text,
    )
    return _SPACED_DIGITS.sub(lambda m: re.sub(r"[\s-]", "", m.group()), text)


def normalise(text: str) -> str:
    """What the rules read: folded, punctuation gone, read-out digits and letters joined."""
    folded = _PUNCTUATION.sub(" ", _fold(text))
    folded = _digit_runs(folded)
    folded = _SPELLED.sub(lambda m: m.group().replace(" ", ""), folded)
    return " ".join(folded.split())


def _has(text: str, words: Iterable[str]) -> bool:
    return any(_word_in(text, w) for w in words)


def _word_in(text: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text) is not None
    return word in text


def _without(text: str, words: Iterable[str]) -> str:
    """`text` with every word of `words` taken out (longest first), spaces tidied."""
    for word in sorted(set(words), key=len, reverse=True):
        if word.isascii():
            text = re.sub(rf"(?<![a-z']){re.escape(word)}(?![a-z'])", " ", text)
        else:
            text = text.replace(word, " ")
    return " ".join(text.split())


class IntentReader:
    """Reads recognised speech (or typed text) against a product list."""

    def __init__(self, products: Iterable[KnownProduct] = ()) -> None:
        self.products = tuple(products)
        self._by_barcode = {p.barcode: p for p in self.products if p.barcode}

    def read(self, text: str) -> Intent:
        said = normalise(text)
        if not said:
            return Unknown(text)
        if _has(said, _COMPLAINT):
            return FileComplaint(description=_without(said, _COMPLAINT + _LEAD))
        cues = _COMPLAINT + _MEMBER + _STOCK + _HELP
        rest = _without(said, cues + _FILLER)
        number = next(iter(_DIGITS.findall(said)), None)
        if number is not None:
            if len(number) == CARD_DIGITS and not _has(said, _STOCK):
                return ScanMember(code=number)
            if len(number) in BARCODE_DIGITS:
                product = self._by_barcode.get(number)
                return _lookup(number, (product,)) if product else StockLookup(query=number)
        # Names are matched before single-character fillers go ("六个核桃" keeps its 个).
        found = self.match(_without(said, cues + [w for w in _FILLER if len(w) > 1]))
        if found:
            return _lookup(rest, found)
        if _has(said, _MEMBER):
            return ScanMember()
        if _has(said, _STOCK):
            return StockLookup(query=rest)
        if _has(said, _HELP):
            return Help(note=_without(said, _HELP + _LEAD))
        return Unknown(text)

    def match(self, query: str) -> tuple[KnownProduct, ...]:
        """The products `query` names best: by the Chinese of the name (the longest common run
        of characters, two at least), a word of it, its full pinyin, then its initials."""
        han = "".join(_HAN.findall(query))
        tokens = [t for t in query.split() if t.isascii() and t.isalpha()]
        # Pinyin may come as one word, as syllables apart, or among other words.
        spellings = {
            "".join(tokens[i:j]) for i in range(len(tokens)) for j in range(i + 1, len(tokens) + 1)
        }
        if not han and not spellings:
            return ()
        best: dict[int, list[KnownProduct]] = {}
        for product in self.products:
            score = _score(product, han, spellings)
            if score:
                best.setdefault(score, []).append(product)
        return tuple(best[max(best)]) if best else ()


def _score(product: KnownProduct, han: str, spellings: set[str]) -> int:
    if han and product._han:
        if han == product._han:
            return 100
        common = _longest_common_run(han, product._han)
        if common >= 2:
            return 60 + min(common, 30)  # the longer the part named, the surer
    score = 0
    for word in spellings:
        if len(word) >= 3 and word in product._words:
            score = max(score, 59)
        elif len(word) >= 4 and product._letters.startswith(word):
            score = max(score, 58)
        elif len(word) >= 5 and word in product._letters:
            score = max(score, 56)
        elif word == product._initials and len(word) >= 2:
            score = max(score, 54)
        elif len(word) >= 2 and product._initials.startswith(word):
            score = max(score, 52)
        elif len(word) >= 3 and word in product._initials:
            score = max(score, 50)
    return score


def _longest_common_run(a: str, b: str) -> int:
    """The length of the longest run of characters found in both (short names: quadratic is
    fine, and a name sharing no character is skipped at once)."""
    if not set(a) & set(b):
        return 0
    longest = 0
    previous = [0] * (len(b) + 1)
    for ch in a:
        current = [0] * (len(b) + 1)
        for j, other in enumerate(b, start=1):
            if ch == other:
                current[j] = previous[j - 1] + 1
                longest = max(longest, current[j])
        previous = current
    return longest


def _lookup(rest: str, found: tuple[KnownProduct, ...]) -> StockLookup:
    if len(found) == 1:
        return StockLookup(query=found[0].name, product=found[0], candidates=found)
    return StockLookup(query=rest, candidates=found)
