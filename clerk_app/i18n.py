"""Chinese and English with the standard library's gettext, switchable while the app runs.

The source strings are English; `locale/zh_CN/LC_MESSAGES/clerk.po` translates them. The .po is
compiled to a catalogue in memory when the language is chosen (a few milliseconds), so there is
no .mo to build or to forget. `tr` is an Observable (Kivy's documented pattern for live
language switching): a kv rule written `text: tr._("Stock")` binds to it, and `switch` re-runs
every such rule, so every screen changes language at once.
"""

from __future__ import annotations

import ast
import gettext
import io
import locale
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.event import Observable

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "clerk"
LANGUAGES = ("zh_CN", "en")


def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (plain entries; we use no plurals or contexts)."""
    messages: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None

    def flush() -> None:
        if msgid is not None and msgstr is not None:
            messages["".join(msgid)] = "".join(msgstr)

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("msgid "):
            flush()
            msgid, msgstr = [ast.literal_eval(line[6:])], None
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [ast.literal_eval(line[7:])]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        elif not line or line.startswith("#"):
            current = None if not line else current
    flush()
    return messages


def compile_mo(messages: dict[str, str]) -> bytes:
    """The GNU .mo bytes gettext reads (format revision 0, no hash table)."""
    keys = sorted(messages)
    ids = [k.encode() for k in keys]
    strs = [messages[k].encode() for k in keys]
    header = 7 * 4
    ids_table = header
    strs_table = ids_table + 8 * len(keys)
    data_start = strs_table + 8 * len(keys)
    data = b""
    id_entries, str_entries = [], []
    for blob in ids:
        id_entries.append((len(blob), data_start + len(data)))
        data += blob + b"\0"
    for blob in strs:
        str_entries.append((len(blob), data_start + len(data)))
        data += blob + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, len(keys), ids_table, strs_table, 0, 0)
    for length, offset in id_entries + str_entries:
        out += struct.pack("<2I", length, offset)
    return out + data


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogue(language: str) -> gettext.NullTranslations:
    path = po_path(language)
    if not path.exists():  # English is the source language
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_mo(parse_po(path.read_text("utf-8")))))


def system_language() -> str:
    """zh_CN when the phone (or desktop) speaks Chinese, else English."""
    try:  # Android: the phone's own setting, not the process's C locale
        from jnius import autoclass  # type: ignore[import-not-found,unused-ignore]

        tag = str(autoclass("java.util.Locale").getDefault().toString())
    except Exception:
        tag = ""
    if not tag:
        for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
            if os.environ.get(name):
                tag = os.environ[name]
                break
        else:
            tag = locale.getlocale()[0] or ""
    return "zh_CN" if tag.lower().startswith("zh") else "en"


class Lang(Observable):  # type: ignore[misc]
    """A kv rule that calls `tr._` re-evaluates when `switch` is called."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.observers: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
        self.language = language
        self._gettext = catalogue(language).gettext

    def _(self, text: str) -> str:
        return self._gettext(text)

    def fbind(self, name: str, func: Callable[..., Any], *largs: Any, **kwargs: Any) -> Any:
        if name == "_":  # kv binds with one argument tuple, given back as it came
            self.observers.append((func, largs, kwargs))
            return None
        return super().fbind(name, func, *largs, **kwargs)

    def funbind(self, name: str, func: Callable[..., Any], *largs: Any, **kwargs: Any) -> Any:
        if name == "_":
            key = (func, largs, kwargs)
            if key in self.observers:
                self.observers.remove(key)
            return None
        return super().funbind(name, func, *largs, **kwargs)

    def switch(self, language: str) -> None:
        self.language = language
        self._gettext = catalogue(language).gettext
        alive = []
        for observer in self.observers:
            func, largs, _kwargs = observer
            try:
                func(largs[0] if len(largs) == 1 else largs, None, None)
            except ReferenceError:  # a widget built from a kv rule and since thrown away
                continue
            alive.append(observer)
        self.observers = alive


tr = Lang(system_language())


def _(text: str) -> str:
    """For Python code (messages built outside kv): the current language's text."""
    return tr._(text)
