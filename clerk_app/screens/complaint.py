from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen, label
from clerk_app.screens.labels import CATEGORIES, category_name

MAX_PHOTOS = 6


class ComplaintScreen(ClerkScreen):
    """File a complaint with photos. It goes into the outbox at once (nothing is lost
    offline) and is sent when the network allows; the outbox view shows it until then."""

    kv_name = "complaint"
    category = StringProperty("")
    member_code: str | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.photos: list[Path] = []
        self._choices: dict[str, Any] = {}
        self.render()

    def prepare(
        self, member_code: str | None = None, description: str = "", **_ignored: Any
    ) -> None:
        self.clear()
        self.member_code = member_code
        self.ids.description.text = description  # what the clerk said, to correct or keep
        self.render()

    def clear(self) -> None:
        self.category = ""
        self.photos = []
        self.member_code = None
        self.ids.description.text = ""

    def render(self) -> None:
        grid = self.ids.categories
        grid.clear_widgets()
        self._choices = {}
        for key in CATEGORIES:
            button = Factory.ChoiceButton(
                text=category_name(key),
                group="complaint-category",
                state="down" if key == self.category else "normal",
                allow_no_selection=False,
            )
            button.bind(on_release=lambda _b, key=key: self.choose(key))
            self._choices[key] = button
            grid.add_widget(button)
        box = self.ids.photos
        box.clear_widgets()
        for photo in self.photos:
            box.add_widget(label("Body", photo.name))
        self.ids.photo_count.text = _("Photos: {n}").format(n=len(self.photos))
        self.ids.member.text = (
            _("For member {card}").format(card=self.member_code) if self.member_code else ""
        )

    def choose(self, key: str) -> None:
        self.category = key

    def add_photo(self) -> None:
        if len(self.photos) >= MAX_PHOTOS:
            self.message = _("At most {n} photos.").format(n=MAX_PHOTOS)
            return
        self.app.camera.take(self._photo_taken)

    def _photo_taken(self, path: Path) -> None:
        self.photos.append(path)
        self.render()

    def send(self) -> None:
        description = self.ids.description.text.strip()
        if not self.category:
            self.message = _("Choose what the complaint is about.")
            return
        if not description:
            self.message = _("Write what happened.")
            return
        category, photos, member = self.category, list(self.photos), self.member_code
        self.app.call(
            lambda core: core.queue_complaint(category, description, photos, member),
            self._queued,
            self.failed,
        )

    def _queued(self, _key: str) -> None:
        self.clear()
        self.render()
        self.message = _("Saved. It is sent as soon as the network allows.")
        self.app.sync()
