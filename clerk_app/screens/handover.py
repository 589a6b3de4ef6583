from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory

from clerk_app.core import HandoverItem
from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen, label
from clerk_app.screens.labels import cents, shift_kind

KINDS = ("OPENING", "MIDDAY", "CLOSING")


class Ticked:
    """What the clerk has done for one checklist item on this phone."""

    def __init__(self) -> None:
        self.done = False
        self.photos: list[Path] = []
        self.note = ""


class HandoverScreen(ClerkScreen):
    """The shift's checklist with a photo per required item, the summary so far, and the
    handover (photos first, then `completeHandover`, all through the outbox)."""

    kv_name = "handover"
    shift: dict[str, Any] | None = None
    loaded = False
    _todos = ""  # the to-dos field's text, kept across redraws

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ticked: dict[str, Ticked] = {}

    def on_pre_enter(self, *_args: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.message = _("Looking up…")
        self.app.call(lambda core: core.my_open_shift(), self._loaded, self.failed)

    def _loaded(self, shift: dict[str, Any] | None) -> None:
        self.message = ""
        if shift is None or self.shift is None or shift["id"] != self.shift["id"]:
            self.ticked = {}
            # Another shift (or none): from the top, once the list has its new height.
            Clock.schedule_once(lambda _dt: setattr(self.ids.scroll, "scroll_y", 1))
        self.shift, self.loaded = shift, True
        for item in (shift or {}).get("items", []):
            state = self.ticked.setdefault(item["itemId"], Ticked())
            state.done = state.done or bool(item["done"])
        self.render()

    def render(self) -> None:
        box = self.ids.checklist
        box.clear_widgets()
        self.ids.hand_over.disabled = self.shift is None
        self.ids.hand_over.opacity = 1 if self.shift else 0
        if not self.loaded:
            return
        if self.shift is None:
            box.add_widget(label("Heading", _("No open shift. Start one:")))
            for kind in KINDS:
                button = Factory.BigButton(text=shift_kind(kind))
                button.bind(on_release=lambda _b, kind=kind: self.start(kind))
                box.add_widget(button)
            return
        shift = self.shift
        box.add_widget(self._summary(shift))
        for item in sorted(shift["items"], key=lambda i: i["position"]):
            box.add_widget(self._item(item))
        box.add_widget(label("Muted", _("For the next shift (one per line)")))
        todos = Factory.Field(multiline=True, height="96dp", text=self._todos)
        todos.bind(text=lambda _w, value: setattr(self, "_todos", value))
        box.add_widget(todos)

    def _summary(self, shift: dict[str, Any]) -> Any:
        card = Factory.Card()
        card.add_widget(label("Heading", shift_kind(shift["kind"])))
        so_far = shift.get("summarySoFar") or {}
        lines = [
            _("Sales: {n}, {amount}").format(
                n=so_far.get("salesCount", 0), amount=cents(so_far.get("salesCents", 0))
            ),
            _("Returns: {n}, {amount}").format(
                n=so_far.get("returnsCount", 0), amount=cents(so_far.get("refundedCents", 0))
            ),
            _("New members: {n}").format(n=so_far.get("membersEnrolled", 0)),
            _("Open alerts: {a} · open complaints: {c}").format(
                a=so_far.get("openStockAlerts", 0), c=so_far.get("openComplaints", 0)
            ),
        ]
        for line in lines:
            card.add_widget(label("Body", line))
        return card

    def _item(self, item: dict[str, Any]) -> Any:
        state = self.ticked[item["itemId"]]
        row = Factory.ChecklistRow()
        row.ids.text.text = item["text"]
        needs = []
        if item["requiresPhoto"]:
            needs.append(_("photo: {n}").format(n=len(state.photos)))
        if item["requiresNote"]:
            needs.append(_("note needed"))
        row.ids.needs.text = " · ".join(needs)
        row.ids.done.text = _("Done") if state.done else _("Not done")
        row.ids.done.state = "down" if state.done else "normal"
        row.ids.done.bind(on_release=lambda b, s=state: self._toggle(s, b.state == "down"))
        if item["requiresPhoto"]:
            row.ids.photo.text = _("Photo")
            row.ids.photo.bind(on_release=lambda _b, s=state: self.add_photo(s))
        else:
            row.ids.buttons.remove_widget(row.ids.photo)
        if item["requiresNote"]:
            row.ids.note.text = state.note
            row.ids.note.bind(text=lambda _w, value, s=state: setattr(s, "note", value))
        else:
            row.remove_widget(row.ids.note)
        return row

    def _toggle(self, state: Ticked, done: bool) -> None:
        state.done = done
        self.render()

    def add_photo(self, state: Ticked) -> None:
        def taken(path: Path) -> None:
            state.photos.append(path)
            state.done = True
            self.render()

        self.app.camera.take(taken)

    def start(self, kind: str) -> None:
        self.app.call(lambda core: core.queue_start_shift(kind), self._started, self.failed)

    def _started(self, _key: str) -> None:
        self.app.call(lambda core: core.sync(), lambda _left: self.refresh(), self.failed)

    def missing(self) -> list[str]:
        """What the server would refuse, said before anything is queued."""
        problems = []
        for item in (self.shift or {}).get("items", []):
            state = self.ticked[item["itemId"]]
            if not state.done:
                problems.append(_("{item}: not done").format(item=item["text"]))
            elif item["requiresPhoto"] and not state.photos and not item["done"]:
                problems.append(_("{item}: needs a photo").format(item=item["text"]))
            elif item["requiresNote"] and not state.note.strip() and not item.get("note"):
                problems.append(_("{item}: needs a note").format(item=item["text"]))
        return problems

    def hand_over(self) -> None:
        if self.shift is None:
            return
        problems = self.missing()
        if problems:
            self.message = "\n".join(problems)
            return
        items = [
            HandoverItem(item_id, tuple(state.photos), state.note.strip() or None)
            for item_id, state in self.ticked.items()
        ]
        todos = [line.strip() for line in self._todos.splitlines() if line.strip()]
        shift_id = self.shift["id"]
        self.app.call(
            lambda core: core.queue_handover(shift_id, items, todos), self._queued, self.failed
        )

    def _queued(self, _key: str) -> None:
        self.shift, self.ticked, self._todos = None, {}, ""
        self.loaded = False
        self.render()
        self.message = _("Handed over. It is sent as soon as the network allows.")
        self.app.sync()
