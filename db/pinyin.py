"""Pinyin initials of product names, so "blg" finds 板蓝根 (stock search, typed or spoken).

Only the Chinese characters count, one lower-case letter per character's first reading
(板蓝根颗粒 10袋 -> "blgkld"); Latin letters and digits are left to the name search.
"""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

MAX_LENGTH = 64
_HAN = re.compile(r"[\u3400-\u9fff]")


def initials(name: str) -> str:
    han = [ch for ch in unicodedata.normalize("NFKC", name) if _HAN.match(ch)]
    letters = lazy_pinyin("".join(han), style=Style.FIRST_LETTER, errors="ignore")
    return "".join(s[:1] for s in letters if s[:1].isalpha()).lower()[:MAX_LENGTH]


def looks_like_initials(term: str) -> bool:
    """A search term that may be pinyin initials: 2 or more ASCII letters, nothing else."""
    return 2 <= len(term) <= MAX_LENGTH and term.isascii() and term.isalpha()
