from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.uix.boxlayout import BoxLayout

from clerk_app.core.counter_jobs import RETURN_REASONS, ReturnPick
from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen
from clerk_app.screens.labels import cents, return_reason


class ReturnsScreen(ClerkScreen):
    """A return at this store against any store's receipt: scan or type the receipt, pick
    the lines and a reason, confirm (扫码→选退货原因→确认). The return goes through the outbox
    with its idempotency key, so pressing again or a lost answer never refunds twice."""

    kv_name = "returns"

    def __init__(self, **kwargs: Any) -> None:
        self.receipt: dict[str, Any] | None = None
        self.picked: dict[str, int] = {}
        self.reason = ""
        self._reasons: dict[str, Any] = {}
        self._rows: dict[str, Any] = {}
        super().__init__(**kwargs)
        self.render()

    def prepare(self, receipt: str = "", **_ignored: Any) -> None:
        self.clear()
        self.ids.receipt.text = receipt
        if receipt:
            self.find()

    def clear(self) -> None:
        self.receipt, self.picked, self.reason = None, {}, ""
        self.ids.receipt.text = ""
        self.message = ""
        self.render()

    def scan(self) -> None:
        self.app.scanner.scan(self._scanned, self._scan_failed)

    def _scanned(self, code: str) -> None:
        self.ids.receipt.text = code
        self.find()

    def _scan_failed(self, reason: str) -> None:
        self.message = reason

    def find(self) -> None:
        code = self.ids.receipt.text.strip()
        if not code:
            self.message = _("Scan or type the receipt number.")
            return
        self.message = _("Looking up…")
        self.app.call(lambda core: core.receipt(code), self._found, self.failed)

    def _found(self, receipt: dict[str, Any]) -> None:
        self.receipt, self.picked, self.reason = receipt, {}, ""
        self.message = _("Pick what comes back, then the reason.")
        self.render()

    def pick(self, sku: str, change: int) -> None:
        assert self.receipt is not None
        line = next(x for x in self.receipt["lines"] if x["sku"] == sku)
        self.picked[sku] = max(0, min(line["returnable"], self.picked.get(sku, 0) + change))
        self._rows[sku].ids.count.text = str(self.picked[sku])  # in place: the list stays put

    def choose(self, reason: str) -> None:
        self.reason = reason

    def render(self) -> None:
        box = self.ids.lines
        box.clear_widgets()
        reasons = self.ids.reasons
        reasons.clear_widgets()
        self._reasons = {}
        if self.receipt is None:
            self.ids.heading.text = ""
            return
        self.ids.heading.text = _("Receipt {number} · store {store}").format(
            number=self.receipt["receiptNo"], store=self.receipt["storeCode"]
        )
        for line in self.receipt["lines"]:
            box.add_widget(self._line(line))
        for key in RETURN_REASONS:
            button = Factory.ChoiceButton(
                text=return_reason(key),
                group="return-reason",
                state="down" if key == self.reason else "normal",
                allow_no_selection=False,
            )
            button.bind(on_release=lambda _b, key=key: self.choose(key))
            self._reasons[key] = button
            reasons.add_widget(button)

    def _line(self, line: dict[str, Any]) -> BoxLayout:
        row = Factory.ReturnRow()
        row.ids.name.text = line["name"]
        row.ids.details.text = _("Bought {n}, can return {left} · {paid}").format(
            n=line["quantity"], left=line["returnable"], paid=cents(line["lineTotalCents"])
        )
        row.ids.count.text = str(self.picked.get(line["sku"], 0))
        sku = line["sku"]
        row.ids.less.bind(on_release=lambda *_a: self.pick(sku, -1))
        row.ids.more.bind(on_release=lambda *_a: self.pick(sku, 1))
        self._rows[sku] = row
        return row

    def confirm(self) -> None:
        if self.receipt is None:
            self.message = _("Scan or type the receipt number.")
            return
        picks = [ReturnPick(sku, n) for sku, n in self.picked.items() if n > 0]
        if not picks:
            self.message = _("Pick at least one item.")
            return
        if not self.reason:
            self.message = _("Choose why it comes back.")
            return
        store, number, reason = self.receipt["storeCode"], self.receipt["receiptNo"], self.reason
        self.app.call(
            lambda core: core.queue_return(store, number, picks, reason), self._queued, self.failed
        )

    def _queued(self, _key: str) -> None:
        self.clear()
        self.message = _("Return saved. It is sent as soon as the network allows.")
        self.app.sync()
