from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.uix.boxlayout import BoxLayout

from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen, label


class StockScreen(ClerkScreen):
    """Search this store's stock by name, pinyin initials ("blg" for 板蓝根) or barcode (the
    API's search); tap a product for the nearby stores that have it."""

    kv_name = "stock"
    rows: list[dict[str, Any]] = []
    chosen: dict[str, Any] | None = None
    nearby: list[dict[str, Any]] = []

    def prepare(self, search: str = "", **_ignored: Any) -> None:
        self.ids.search.text = search
        if search:
            self.search()

    def search(self) -> None:
        text = self.ids.search.text.strip()
        if not text:
            self.message = _("Type a name, pinyin initials or a barcode.")
            return
        self.message = _("Looking up…")
        self.app.call(lambda core: core.search_stock(text), self._found, self.failed)

    def _found(self, rows: list[dict[str, Any]]) -> None:
        self.rows, self.chosen, self.nearby = rows, None, []
        self.message = "" if rows else _("Nothing matches.")
        self.render()

    def choose(self, row: dict[str, Any]) -> None:
        self.chosen = row
        sku = row["product"]["sku"]
        self.app.call(lambda core: core.nearby_stock(sku), self._nearby, self.failed)

    def _nearby(self, stores: list[dict[str, Any]]) -> None:
        self.nearby = stores
        self.render()

    def render(self) -> None:
        box = self.ids.results
        box.clear_widgets()
        for row in self.rows:
            box.add_widget(self._row(row))
            if self.chosen is row:
                box.add_widget(self._nearby_card())

    def _row(self, row: dict[str, Any]) -> BoxLayout:
        product = row["product"]
        line = Factory.StockRow()
        line.ids.name.text = product["name"]
        details = _("{unit} · safety {safety}").format(
            unit=product.get("unit") or "", safety=row["safetyStock"]
        )
        if row.get("inTransit"):
            details += " · " + _("{n} on the way").format(n=row["inTransit"])
        line.ids.details.text = details
        line.ids.on_hand.text = str(row["onHand"])
        low = row["onHand"] <= row["safetyStock"]
        line.ids.on_hand.color = (0.75, 0.10, 0.05, 1) if low else (0.05, 0.30, 0.60, 1)
        line.ids.nearby.text = _("Other stores")
        line.ids.nearby.bind(on_release=lambda *_a: self.choose(row))
        return line

    def _nearby_card(self) -> BoxLayout:
        card = Factory.Card()
        card.add_widget(label("Heading", _("Nearby stores")))
        if not self.nearby:
            card.add_widget(label("Muted", _("No other store nearby has it.")))
        for place in self.nearby:
            card.add_widget(
                label(
                    "Body",
                    _("{store}: {n} ({km} km)").format(
                        store=place["store"]["name"],
                        n=place["onHand"],
                        km=f"{place['distanceKm']:.1f}",
                    ),
                )
            )
        return card
