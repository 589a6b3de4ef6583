from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.uix.boxlayout import BoxLayout

from clerk_app.core.counter_jobs import StockTake
from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen


class StockTakeScreen(ClerkScreen):
    """Stock-take: shelf by shelf, scan each item's barcode (or type it); every scan counts
    one. The variance against the book balance shows as you go; sending puts one keyed count
    in the outbox, and the server sets each balance to what was counted."""

    kv_name = "stocktake"

    def __init__(self, **kwargs: Any) -> None:
        self.take = StockTake()
        super().__init__(**kwargs)
        self.render()

    def on_pre_enter(self, *_args: Any) -> None:
        self.ids.shelf.text = self.take.shelf

    def next_shelf(self) -> None:
        shelf = self.ids.shelf.text.strip()
        if not shelf:
            self.message = _("Type the shelf's name first.")
            return
        self.take.start_shelf(shelf)
        self.message = _("Counting shelf {shelf}.").format(shelf=shelf)
        self.render()

    def scan(self) -> None:
        self.app.scanner.scan(self.count, self._scan_failed)

    def _scan_failed(self, reason: str) -> None:
        self.message = reason

    def count_typed(self) -> None:
        code = self.ids.code.text.strip()
        self.ids.code.text = ""
        self.count(code)

    def count(self, code: str) -> None:
        code = code.strip()
        if not code:
            self.message = _("Scan or type a barcode.")
            return
        self.app.call(lambda core: core.search_stock(code), self._found, self.failed)

    def _found(self, rows: list[dict[str, Any]]) -> None:
        if len(rows) != 1:
            self.message = _("Nothing matches.") if not rows else _("Scan the barcode itself.")
            return
        n = self.take.add(rows[0])
        self.message = _("{name}: {n} on shelf {shelf}").format(
            name=rows[0]["product"]["name"], n=n, shelf=self.take.shelf
        )
        self.render()

    def change(self, sku: str, units: int) -> None:
        row = {"product": {"sku": sku, "name": self.take.names[sku]}, "onHand": self.take.book[sku]}
        self.take.add(row, units)
        self.render()

    def render(self) -> None:
        box = self.ids.counted
        box.clear_widgets()
        variances = self.take.variances()
        for line in variances:
            box.add_widget(self._row(line))
        self.ids.summary.text = (
            _("{n} products counted on {shelves} shelves").format(
                n=len(variances), shelves=len(self.take.counts)
            )
            if variances
            else _("Nothing counted yet.")
        )

    def _row(self, line: dict[str, Any]) -> BoxLayout:
        row = Factory.CountRow()
        row.ids.name.text = line["name"]
        row.ids.numbers.text = _("Counted {counted} · book {book} · difference {variance}").format(
            counted=line["counted"], book=line["book"], variance=f"{line['variance']:+d}"
        )
        row.ids.numbers.color = (0.75, 0.10, 0.05, 1) if line["variance"] else (0.1, 0.4, 0.2, 1)
        sku = line["sku"]
        row.ids.less.bind(on_release=lambda *_a: self.change(sku, -1))
        row.ids.more.bind(on_release=lambda *_a: self.change(sku, 1))
        return row

    def send(self) -> None:
        if not self.take.totals():
            self.message = _("Nothing counted yet.")
            return
        take = self.take
        self.app.call(lambda core: core.queue_stock_count(take), self._queued, self.failed)

    def _queued(self, _key: str) -> None:
        self.take = StockTake()
        self.ids.shelf.text = self.take.shelf
        self.render()
        self.message = _("Count saved. It is sent as soon as the network allows.")
        self.app.sync()
