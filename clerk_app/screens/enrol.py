from __future__ import annotations

import uuid
from typing import Any

from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen


class EnrolScreen(ClerkScreen):
    """Enrol a customer: the clerk types the number the customer says. It is sent at once and
    cleared from the screen; the card that comes back has no phone on it."""

    kv_name = "enrol"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.form_key = str(uuid.uuid4())  # one per form: a retry replays, never enrols twice

    def on_pre_enter(self, *_args: Any) -> None:
        self.message = ""

    def enrol(self) -> None:
        name = self.ids.name.text.strip()
        phone = self.ids.phone.text.strip()
        if not name or not phone:
            self.message = _("Type the customer's name and the number they say.")
            return
        consent = self.ids.consent.state == "down"
        key = self.form_key
        self.ids.phone.text = ""  # gone from the screen at once
        self.message = _("Sending…")
        self.app.call(
            lambda core: core.enroll_member(phone, name, consent, key), self._done, self.failed
        )

    def _done(self, card: dict[str, Any]) -> None:
        self.form_key = str(uuid.uuid4())
        self.ids.name.text = ""
        self.ids.consent.state = "normal"
        self.message = ""
        self.app.go("member", card=card)

    def failed(self, error: BaseException) -> None:
        if getattr(error, "code", None) == "CONFLICT":
            self.message = _("This number is already a member: find them by phone.")
        else:
            super().failed(error)
