from __future__ import annotations

from pathlib import Path
from typing import Any

from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen


class HelpScreen(ClerkScreen):
    """Ask HQ for help: a note and, if it helps, one photo. It goes into the outbox at once;
    HQ's answer arrives live and stays in the alerts list."""

    kv_name = "help"
    photo: Path | None = None

    def prepare(self, note: str = "", **_ignored: Any) -> None:
        self.ids.note.text = note
        self.photo = None
        self.message = ""
        self.render()

    def render(self) -> None:
        self.ids.photo.text = (
            _("Photo: {name}").format(name=self.photo.name) if self.photo else _("No photo")
        )

    def add_photo(self) -> None:
        self.app.camera.take(self._photo_taken)

    def _photo_taken(self, path: Path) -> None:
        self.photo = path
        self.render()

    def send(self) -> None:
        note = self.ids.note.text.strip()
        if not note:
            self.message = _("Write what you need.")
            return
        photo = self.photo
        self.app.call(lambda core: core.queue_help(note, photo), self._queued, self.failed)

    def _queued(self, _key: str) -> None:
        self.ids.note.text = ""
        self.photo = None
        self.render()
        self.message = _("Asked. HQ's answer shows in Alerts.")
        self.app.sync()
