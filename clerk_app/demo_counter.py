"""DemoCore's help, returns and stock-take answers (the screenshot gallery and the UI tests):
same method names and shapes as ClerkCore's CounterJobs, recording what the screens asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clerk_app.core.api_client import ApiError
from clerk_app.core.counter_jobs import ReturnPick, StockTake, parse_receipt_code

RECEIPT: dict[str, Any] = {
    "storeCode": "E1",
    "receiptNo": "R-20261202-0042",
    "soldAt": "2026-12-02T10:15:00+08:00",
    "returnableUntil": "2027-01-01T10:15:00+08:00",
    "lines": [
        {
            "lineNo": 1,
            "sku": "BLG-10",
            "name": "板蓝根颗粒 10袋",
            "quantity": 2,
            "returnable": 2,
            "lineTotalCents": 3700,
        },
        {
            "lineNo": 2,
            "sku": "VC-100",
            "name": "维生素C片 100片",
            "quantity": 1,
            "returnable": 1,
            "lineTotalCents": 2590,
        },
    ],
}
STORE_ALERTS: list[dict[str, Any]] = [
    {
        "id": "sa-1",
        "kind": "HELP_ANSWERED",
        "occurredAt": "2026-12-02T09:20:00+08:00",
        "helpRequest": {
            "id": "h-1",
            "status": "ANSWERED",
            "note": "收银机打印不出小票",
            "answer": "先关机重启, 仍不行请换备用机, 维修明早到。",
            "answeredAt": "2026-12-02T09:20:00+08:00",
            "answeredBy": {"displayName": "总部值班 陈明"},
        },
    }
]


class DemoCounterJobs:
    signed_in: bool
    staff: dict[str, Any] | None
    asked: list[tuple[str, Any]]

    def _check(self) -> None: ...

    def _own_store(self) -> str:
        return str((self.staff or {}).get("store", {}).get("code") or "E1")

    def queue_help(self, note: str, photo: Path | None = None) -> str:
        self.asked.append(("queue_help", (note, photo)))
        return f"help-key-{len(self.asked)}"

    async def store_alerts(self, first: int = 20) -> list[dict[str, Any]]:
        self._check()
        return [dict(a) for a in STORE_ALERTS]

    def read_receipt(self, code: str) -> tuple[str, str]:
        return parse_receipt_code(code, self._own_store())

    async def receipt(self, code: str) -> dict[str, Any]:
        self._check()
        self.asked.append(("receipt", code))
        _store, number = self.read_receipt(code)
        if number != RECEIPT["receiptNo"]:
            raise ApiError("NOT_FOUND", f"No receipt {number!r}.", {})
        return {**RECEIPT, "lines": [dict(x) for x in RECEIPT["lines"]]}

    def queue_return(
        self, original_store_code: str, receipt_no: str, picks: list[ReturnPick], reason: str
    ) -> str:
        self.asked.append(("queue_return", (original_store_code, receipt_no, picks, reason)))
        return f"return-key-{len(self.asked)}"

    def queue_stock_count(self, take: StockTake) -> str:
        self.asked.append(("queue_stock_count", take.totals()))
        return f"count-key-{len(self.asked)}"
