"""The clerk's counter jobs beyond the member card: asking HQ for help, returns and stock-take.

Mixed into `ClerkCore` (one facade for the screens); plain Python like the rest of the core.
Everything submitted goes through the outbox with its idempotency key: a help request waits
for its photo's id, a return and a stock count are one keyed entry each, so a lost answer or
a killed app never returns goods twice or counts a shelf twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk_app.core.api_client import ApiClient
from clerk_app.core.live import HELP_ANSWERS, LiveFeed
from clerk_app.core.outbox import EntryKind, NewEntry, Outbox, result_of

# Why goods come back, and whether they go back on the shelf (the API's `resaleable`): a
# damaged, spoilt or faulty unit is written off after it is taken back.
RETURN_REASONS: dict[str, bool] = {
    "CHANGED_MIND": True,
    "WRONG_ITEM": True,
    "DAMAGED": False,
    "EXPIRED": False,
    "QUALITY": False,
}


@dataclass(frozen=True)
class ReturnPick:
    """Units of one receipt line the customer brings back."""

    sku: str
    quantity: int


def parse_receipt_code(code: str, own_store: str) -> tuple[str, str]:
    """(store code, receipt number) from a scanned or typed receipt: `E1/R-7`, `E1:R-7` or
    `E1 R-7` name the store it was bought at; a bare `R-7` is this store's."""
    text = code.strip()
    for separator in ("/", ":", " "):
        store, found, number = text.partition(separator)
        if found and store.strip() and number.strip():
            return store.strip().upper(), number.strip()
    return own_store, text


@dataclass
class StockTake:
    """A stock-take in progress: barcodes scanned shelf by shelf, counted on the phone.

    `book` holds the balance the app last read for each SKU, so the clerk sees the variance
    before sending; the server's answer (the balance it actually replaced) is the report.
    """

    shelf: str = "A1"
    counts: dict[str, Counter[str]] = field(default_factory=dict)  # shelf -> sku -> units
    names: dict[str, str] = field(default_factory=dict)
    book: dict[str, int] = field(default_factory=dict)

    def start_shelf(self, shelf: str) -> None:
        self.shelf = shelf.strip() or self.shelf

    def add(self, row: dict[str, Any], units: int = 1) -> int:
        """Count units of a stock row (from the search); the shelf's total for it."""
        sku = str(row["product"]["sku"])
        self.names[sku] = str(row["product"]["name"])
        self.book[sku] = int(row.get("onHand") or 0)
        shelf = self.counts.setdefault(self.shelf, Counter())
        shelf[sku] = max(0, shelf[sku] + units)
        return shelf[sku]

    def totals(self) -> dict[str, int]:
        """Every SKU's count over all shelves."""
        total: Counter[str] = Counter()
        for shelf in self.counts.values():
            total.update(shelf)
        return {sku: total.get(sku, 0) for sku in sorted(set(total) | set(self.names))}

    def variances(self) -> list[dict[str, Any]]:
        """What sending now would report, against the balances the app read."""
        return [
            {
                "sku": sku,
                "name": self.names.get(sku, sku),
                "book": self.book.get(sku, 0),
                "counted": n,
                "variance": n - self.book.get(sku, 0),
            }
            for sku, n in self.totals().items()
        ]


class CounterJobs:
    """Help, returns and stock-take for `ClerkCore` (which provides these attributes)."""

    api: ApiClient
    outbox: Outbox
    _store_code: Callable[[], str]
    _look_up: Callable[..., Any]

    # -- help ------------------------------------------------------------------------------

    def queue_help(self, note: str, photo: Path | None = None) -> str:
        """Ask HQ for help from this store (the photo, if any, uploaded first); the key."""
        variables: dict[str, Any] = {"storeCode": self._store_code(), "note": note.strip()}
        group: list[NewEntry] = []
        if photo is not None:
            group.append(NewEntry(EntryKind.PHOTO, "photo for help", file=photo))
            variables["photoId"] = result_of(0, "id")
        label = note.strip().splitlines()[0][:40] if note.strip() else "help"
        group.append(
            NewEntry(
                EntryKind.OPERATION,
                f"help: {label}",
                operation="RequestHelp",
                variables={"input": variables},
                depends_on=tuple(range(len(group))),
            )
        )
        ids = self.outbox.add(group)
        return self.outbox.get(ids[-1]).idempotency_key

    async def store_alerts(self, first: int = 20) -> list[dict[str, Any]]:
        """HQ's answers to this store's help requests, newest first (the alerts list)."""
        data = await self._look_up("StoreAlerts", {"storeCode": self._store_code(), "first": first})
        return [dict(edge["node"]) for edge in data["storeAlerts"]["edges"]]

    def help_feed(
        self,
        on_event: Callable[[dict[str, Any]], None],
        on_reset: Callable[[], None] = lambda: None,
        last_event_id: str | None = None,
    ) -> LiveFeed:
        """HQ's answers as they are given (`await feed.run()` follows them)."""
        store_code = self._store_code()
        assert self.api.token is not None
        return LiveFeed(
            self.api.server_url,
            self.api.manifest,
            self.api.token,
            store_code,
            on_event,
            on_reset,
            last_event_id,
            subscription=HELP_ANSWERS,
        )

    # -- returns ---------------------------------------------------------------------------

    def read_receipt(self, code: str) -> tuple[str, str]:
        return parse_receipt_code(code, self._store_code())

    async def receipt(self, code: str) -> dict[str, Any]:
        """The receipt scanned or typed, with what is left to return on each line."""
        bought_at, number = self.read_receipt(code)
        data = await self._look_up(
            "ReceiptForReturn",
            {"storeCode": self._store_code(), "receiptNo": number, "originalStoreCode": bought_at},
        )
        return dict(data["receiptForReturn"])

    def queue_return(
        self, original_store_code: str, receipt_no: str, picks: list[ReturnPick], reason: str
    ) -> str:
        """Take the picked units back at this store, for `reason` (RETURN_REASONS); the key."""
        if reason not in RETURN_REASONS:
            raise ValueError(f"unknown return reason {reason!r}")
        lines = [
            {"sku": p.sku, "quantity": p.quantity, "resaleable": RETURN_REASONS[reason]}
            for p in picks
            if p.quantity > 0
        ]
        if not lines:
            raise ValueError("pick at least one unit to return")
        variables = {
            "input": {
                "storeCode": self._store_code(),
                "originalStoreCode": original_store_code,
                "receiptNo": receipt_no,
                "lines": lines,
            }
        }
        entry = NewEntry(
            EntryKind.OPERATION,
            f"return: {receipt_no} ({reason.lower()})",
            operation="ClerkRecordReturn",
            variables=variables,
        )
        [entry_id] = self.outbox.add([entry])
        return self.outbox.get(entry_id).idempotency_key

    # -- stock-take ------------------------------------------------------------------------

    def queue_stock_count(self, take: StockTake) -> str:
        """Send the stock-take's totals as one keyed count (COUNT movements); the key. The
        delivered entry's result is the variance report against the server's book."""
        totals = take.totals()
        if not totals:
            raise ValueError("nothing counted")
        shelves = ", ".join(sorted(take.counts))
        variables = {
            "input": {
                "storeCode": self._store_code(),
                "lines": [{"sku": sku, "counted": n} for sku, n in totals.items()],
                "note": f"shelves {shelves}"[:200],
            }
        }
        entry = NewEntry(
            EntryKind.OPERATION,
            f"stock-take: {len(totals)} SKUs",
            operation="RecordStockCount",
            variables=variables,
        )
        [entry_id] = self.outbox.add([entry])
        return self.outbox.get(entry_id).idempotency_key
