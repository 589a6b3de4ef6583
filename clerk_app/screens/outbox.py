from __future__ import annotations

from typing import Any

from kivy.factory import Factory

from clerk_app.core import Waiting
from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen


def why(entry: Waiting) -> str:
    """The outbox's reason, in the clerk's language (the server's own words kept as they are)."""
    text = entry.why
    for prefix, words in (
        ("refused: ", _("Refused by the server: {reason}")),
        ("blocked: ", _("Cannot be sent: {reason}")),
        ("retrying after: ", _("Will try again ({reason})")),
    ):
        if text.startswith(prefix):
            return words.format(reason=text[len(prefix) :])
    if text == "waiting for its photos":
        return _("Waiting for its photos to be sent")
    return _("Waiting to be sent")


def what(entry: Waiting) -> str:
    """The entry's label (written by the core in English words around the clerk's text)."""
    for prefix, words in (
        ("complaint: ", _("Complaint: {what}")),
        ("photo for ", _("Photo for {what}")),
    ):
        if entry.label.startswith(prefix):
            return words.format(what=entry.label[len(prefix) :])
    return entry.label


class OutboxScreen(ClerkScreen):
    """What is waiting to be sent, and why; "Send now" skips the back-off."""

    kv_name = "outbox"
    entries: list[Waiting] = []

    def on_pre_enter(self, *_args: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.app.call(lambda core: core.waiting(), self._loaded, self.failed)

    def _loaded(self, entries: list[Waiting]) -> None:
        self.entries = entries
        self.app.pending = len(entries)
        self.render()

    def render(self) -> None:
        self.message = (
            _("Everything has been sent.")
            if not self.entries
            else _("{n} waiting to be sent.").format(n=len(self.entries))
        )
        box = self.ids.entries
        box.clear_widgets()
        for entry in self.entries:
            row = Factory.OutboxRow()
            row.ids.what.text = what(entry)
            row.ids.why.text = why(entry)
            if entry.state != "PENDING":
                row.ids.why.color = (0.70, 0.10, 0.05, 1)
            box.add_widget(row)

    def send_now(self) -> None:
        self.message = _("Sending…")

        def sent(_left: int) -> None:
            self.refresh()

        self.app.call(lambda core: core.retry_now())
        self.app.call(lambda core: core.sync(), sent, self.failed)
