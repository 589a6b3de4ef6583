"""From what the clerk said to the screen for it: the intent reader (core/intents.py, plain
Python) decides, this only opens the screen with what was heard filled in."""

from __future__ import annotations

from typing import Any

from clerk_app.core.intents import (
    FileComplaint,
    Help,
    IntentReader,
    ScanMember,
    StockLookup,
)
from clerk_app.i18n import _

# The API searches names, pinyin initials and barcodes itself, so the reader needs no product
# list: a product it cannot name is searched as said.
_READER = IntentReader()


def open_for(app: Any, said: str) -> str:
    """Open the screen `said` asks for; the screen's name (home when not understood)."""
    intent = _READER.read(said)
    if isinstance(intent, StockLookup):
        app.go("stock", search=intent.query)
        return "stock"
    if isinstance(intent, ScanMember):
        app.go("scan")
        if intent.code:
            app.root.get_screen("scan").find(intent.code)
        return "scan"
    if isinstance(intent, FileComplaint):
        app.go("complaint", description=intent.description)
        return "complaint"
    if isinstance(intent, Help):
        app.go("help", note=intent.note)
        return "help"
    app.go("home")
    app.root.get_screen("home").message = _("Not understood: “{said}”. Tap a tile.").format(
        said=said
    )
    return "home"
