from __future__ import annotations

from typing import Any

from kivy.factory import Factory

from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen, label
from clerk_app.screens.labels import alert_kind


class AlertsScreen(ClerkScreen):
    """The store's open stock alerts (a tap opens the stock search for that product), then
    HQ's answers to the store's help requests, newest first (they also arrive live)."""

    kv_name = "alerts"
    alerts: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []

    def on_pre_enter(self, *_args: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.message = _("Looking up…")
        self.app.answers = 0  # seen now
        self.app.call(lambda core: core.open_alerts(), self._loaded, self.failed)
        self.app.call(lambda core: core.store_alerts(), self._answers, self.failed)

    def _loaded(self, alerts: list[dict[str, Any]]) -> None:
        self.alerts = alerts
        self.app.alerts = len(alerts)
        self.message = "" if alerts else _("No open alerts.")
        self.render()

    def _answers(self, entries: list[dict[str, Any]]) -> None:
        self.answers = [e for e in entries if e.get("helpRequest")]
        self.render()

    def render(self) -> None:
        box = self.ids.alerts
        box.clear_widgets()
        for alert in self.alerts:
            row = Factory.AlertRow()
            row.ids.name.text = alert["product"]["name"]
            row.ids.kind.text = alert_kind(alert["kind"])
            row.ids.numbers.text = _("{on_hand} left, safety {safety}, short {short}").format(
                on_hand=alert["onHand"], safety=alert["safetyStock"], short=alert["shortfall"]
            )
            row.ids.open.text = _("Stock")
            sku = alert["product"]["sku"]
            row.ids.open.bind(on_release=lambda *_a, sku=sku: self.app.go("stock", search=sku))
            box.add_widget(row)
        if self.answers:
            box.add_widget(label("Heading", _("Answers from HQ")))
        for entry in self.answers:
            box.add_widget(self._answer(entry["helpRequest"]))

    def _answer(self, request: dict[str, Any]) -> Any:
        card = Factory.Card()
        card.add_widget(label("Muted", _("You asked: {note}").format(note=request["note"])))
        if request.get("answer"):
            who = (request.get("answeredBy") or {}).get("displayName") or _("HQ")
            card.add_widget(
                label("Body", _("{who}: {answer}").format(who=who, answer=request["answer"]))
            )
        else:
            card.add_widget(label("Warning", _("Waiting for HQ's answer.")))
        return card
