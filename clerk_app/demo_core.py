"""A ClerkCore stand-in with a shop's worth of sample answers, for the UI tests and the
screenshot gallery (no server needed). Same method names and shapes as ClerkCore; it records
what the screens asked for, so tests can check it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clerk_app.core import NotSignedIn, Waiting
from clerk_app.core.api_client import ApiError
from clerk_app.demo_counter import DemoCounterJobs

STAFF = {
    "id": "staff-1",
    "username": "clerk.e1",
    "displayName": "李秀英",
    "role": "CLERK",
    "store": {"code": "E1", "name": "东城店"},
}
CARD: dict[str, Any] = {
    "id": "m-1",
    "cardNumber": "880012345678",
    "displayName": "王芳",
    "tier": "GOLD",
    "tierSince": "2026-03-01T00:00:00+08:00",
    "points": 1280,
    "tags": ["长者"],
    "marketingConsent": False,
    "enrolledStore": {"code": "E1", "name": "东城店"},
    "preferences": {
        "topCategories": [{"key": "中成药", "share": 0.6}, {"key": "保健品", "share": 0.3}],
        "topProducts": [{"key": "板蓝根颗粒", "share": 0.4}],
        "promotionTypes": [],
    },
    "recentPurchases": {"edges": []},
    "openComplaints": [
        {
            "id": "c-1",
            "status": "OPEN",
            "category": "SERVICE",
            "filedAt": "2026-11-28T10:00:00+08:00",
            "resolutionDueAt": "2026-12-01T10:00:00+08:00",
        }
    ],
    "coupons": [{"id": "cp-1", "valueCents": 1000, "expiresAt": "2026-12-31T23:59:59+08:00"}],
    "pendingPickups": [
        {
            "id": "p-1",
            "status": "READY",
            "quantity": 2,
            "product": {"sku": "BLG-10", "name": "板蓝根颗粒 10袋"},
            "store": {"code": "E1", "name": "东城店"},
        }
    ],
}


def stock_row(
    sku: str, name: str, on_hand: int, safety: int, in_transit: int = 0
) -> dict[str, Any]:
    return {
        "onHand": on_hand,
        "inTransit": in_transit,
        "safetyStock": safety,
        "reorderTarget": safety * 3,
        "discrepancy": 0,
        "lastSoldAt": None,
        "product": {
            "sku": sku,
            "barcode": "69" + sku.encode().hex()[:11],
            "name": name,
            "category": "中成药",
            "unit": "盒",
            "priceCents": 1850,
        },
    }


STOCK = [
    stock_row("BLG-10", "板蓝根颗粒 10袋", 4, 6, in_transit=12),
    stock_row("BLG-20", "板蓝根颗粒 20袋", 23, 5),
]
NEARBY = [
    {"onHand": 31, "distanceKm": 1.2, "store": {"code": "E2", "name": "西门店"}},
    {"onHand": 8, "distanceKm": 3.8, "store": {"code": "E3", "name": "火车站店"}},
]
ALERTS = [
    {
        "id": "a-1",
        "kind": "LOW_STOCK",
        "raisedAt": "2026-12-02T08:00:00+08:00",
        "onHand": 4,
        "safetyStock": 6,
        "shortfall": 14,
        "product": {"sku": "BLG-10", "name": "板蓝根颗粒 10袋"},
    }
]


def shift_item(n: int, text: str, photo: bool = False, note: bool = False) -> dict[str, Any]:
    return {
        "itemId": f"item-{n}",
        "position": n,
        "text": text,
        "requiresPhoto": photo,
        "requiresNote": note,
        "done": False,
        "doneAt": None,
        "note": None,
    }


SHIFT: dict[str, Any] = {
    "id": "shift-1",
    "kind": "OPENING",
    "status": "OPEN",
    "startedAt": "2026-12-02T06:02:00+08:00",
    "endedAt": None,
    "windowStart": "2026-12-02T06:00:00+08:00",
    "windowEnd": "2026-12-02T14:00:00+08:00",
    "store": {"code": "E1", "name": "东城店"},
    "items": [
        shift_item(1, "货架整理完毕", photo=True),
        shift_item(2, "冷柜温度已记录", note=True),
        shift_item(3, "地面已清扫"),
    ],
    "todos": [],
    "summarySoFar": {
        "salesCount": 42,
        "salesCents": 318650,
        "returnsCount": 1,
        "refundedCents": 1850,
        "membersEnrolled": 3,
        "openStockAlerts": 1,
        "openComplaints": 1,
    },
}


class DemoCore(DemoCounterJobs):
    def __init__(self, server_url: str = "", data_dir: Path | None = None) -> None:
        self.server_url = server_url
        self.staff: dict[str, Any] | None = None
        self.signed_in = False
        self.sign_in_needed: str | None = None
        self.online = True
        self.queued: list[dict[str, Any]] = []
        self.asked: list[tuple[str, Any]] = []
        self.waiting_entries: list[Waiting] = []
        self.shift: dict[str, Any] | None = dict(SHIFT)
        self.handovers: list[dict[str, Any]] = []

    def _check(self) -> None:
        if not self.signed_in:
            raise NotSignedIn("Sign in first.")
        if not self.online:
            raise OSError("network unreachable")

    async def sign_in(self, username: str, password: str) -> dict[str, Any]:
        self.asked.append(("sign_in", username))
        if password != "secret":  # noqa: S105 (the demo's password)
            raise ApiError("UNAUTHENTICATED", "wrong username or password", {})
        self.signed_in, self.staff = True, dict(STAFF)
        return dict(STAFF)

    def sign_out_locally(self) -> None:
        self.signed_in, self.staff = False, None

    async def scan(self, code: str) -> dict[str, Any]:
        self._check()
        self.asked.append(("scan", code))
        if code.strip() != CARD["cardNumber"]:
            raise ApiError("NOT_FOUND", "no member with that code", {})
        return dict(CARD)

    async def member_by_phone(self, phone: str) -> dict[str, Any]:
        self._check()
        self.asked.append(("member_by_phone", phone))
        return dict(CARD)

    async def enroll_member(
        self, phone: str, display_name: str, marketing_consent: bool, idempotency_key: str
    ) -> dict[str, Any]:
        self._check()
        self.asked.append(
            ("enroll_member", (phone, display_name, marketing_consent, idempotency_key))
        )
        return {
            **CARD,
            "displayName": display_name,
            "tier": "BASIC",
            "points": 0,
            "coupons": [],
            "pendingPickups": [],
            "openComplaints": [],
        }

    async def search_stock(self, search: str, first: int = 20) -> list[dict[str, Any]]:
        self._check()
        self.asked.append(("search_stock", search))
        wanted = search.strip().lower()
        return [
            r
            for r in STOCK
            if wanted in r["product"]["name"]
            or wanted in (r["product"]["sku"].lower(), r["product"]["barcode"])
        ]

    async def nearby_stock(self, sku: str, first: int = 5) -> list[dict[str, Any]]:
        self._check()
        self.asked.append(("nearby_stock", sku))
        return list(NEARBY)

    async def open_alerts(self) -> list[dict[str, Any]]:
        self._check()
        return list(ALERTS)

    def queue_complaint(
        self, category: str, description: str, photos: list[Path], member_code: str | None = None
    ) -> str:
        if not self.signed_in:
            raise NotSignedIn("Sign in first.")
        self.queued.append(
            {
                "category": category,
                "description": description,
                "photos": list(photos),
                "memberCode": member_code,
            }
        )
        label = description.splitlines()[0][:40]
        for _photo in photos:
            self.waiting_entries.append(
                Waiting(
                    len(self.waiting_entries) + 1,
                    f"photo for {label}",
                    "PENDING",
                    "retrying after: network: ConnectError",
                    1,
                )
            )
        self.waiting_entries.append(
            Waiting(
                len(self.waiting_entries) + 1,
                f"complaint: {label}",
                "PENDING",
                "waiting for its photos",
                0,
            )
        )
        return f"key-{len(self.queued)}"

    async def my_open_shift(self) -> dict[str, Any] | None:
        self._check()
        return dict(self.shift) if self.shift else None

    def queue_start_shift(self, kind: str) -> str:
        self.asked.append(("start_shift", kind))
        self.shift = {**SHIFT, "kind": kind}
        return "start-key"

    def queue_handover(self, shift_id: str, items: list[Any], todos: list[str]) -> str:
        self.handovers.append({"shiftId": shift_id, "items": list(items), "todos": list(todos)})
        self.shift = None
        return "handover-key"

    async def sync(self) -> int:
        if self.online and self.signed_in:
            self.waiting_entries = [w for w in self.waiting_entries if w.state != "PENDING"]
        return len(self.waiting_entries)

    def retry_now(self) -> None:
        self.asked.append(("retry_now", None))

    def pending(self) -> int:
        return len(self.waiting_entries)

    def waiting(self) -> list[Waiting]:
        return list(self.waiting_entries)

    async def close(self) -> None:
        return None
