from __future__ import annotations

from typing import Any

from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen


class ScanScreen(ClerkScreen):
    """Find a member: scan the code, type the card number, or type the phone number the
    customer says (sent to the server, then cleared: it is never shown back)."""

    kv_name = "scan"

    def on_pre_enter(self, *_args: Any) -> None:
        self.message = ""

    def scan(self) -> None:
        self.app.scanner.scan(self.find, self._scan_failed)

    def _scan_failed(self, reason: str) -> None:
        self.message = reason

    def find(self, code: str) -> None:
        code = code.strip()
        if not code:
            self.message = _("Type the card number first.")
            return
        self.message = _("Looking up…")
        self.app.call(lambda core: core.scan(code), self._found, self.failed)

    def find_by_phone(self) -> None:
        phone = self.ids.phone.text.strip()
        self.ids.phone.text = ""  # gone from the screen at once
        if not phone:
            self.message = _("Type the number the customer says first.")
            return
        self.message = _("Looking up…")
        self.app.call(lambda core: core.member_by_phone(phone), self._found, self.failed)

    def _found(self, card: dict[str, Any]) -> None:
        self.message = ""
        self.ids.code.text = ""
        self.app.go("member", card=card)
