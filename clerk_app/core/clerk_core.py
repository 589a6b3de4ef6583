"""ClerkCore: the one object the clerk app's screens talk to (ARCHITECTURE.md, "Clerk app brain").

Look-ups the clerk waits for (sign-in, a member scan) go straight to the API; everything the
clerk submits goes into the outbox first and is sent by `sync`, so nothing is lost offline or
applied twice. The session (server, token, who signed in) is kept in the data dir, so a
restarted app carries on where it was; the outbox never depends on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from clerk_app.core.api_client import ApiClient, ApiError, Manifest, default_manifest_path
from clerk_app.core.counter_jobs import CounterJobs
from clerk_app.core.live import AlertFeed
from clerk_app.core.outbox import EntryKind, EntryState, NewEntry, Outbox, result_of
from clerk_app.core.sync import Sync

SESSION_FILE = "session.json"


@dataclass(frozen=True)
class HandoverItem:
    """One ticked checklist item: its photos (files on the phone) and note."""

    item_id: str
    photos: tuple[Path, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Waiting:
    """One line of the outbox view."""

    entry_id: int
    label: str
    state: str  # PENDING, REFUSED or BLOCKED
    why: str  # in words: "retrying after: network: ConnectError", "refused: FORBIDDEN: ..."
    attempts: int


class NotSignedIn(Exception):
    """The action needs a signed-in clerk (or the sign-in expired: sign in again)."""


class ClerkCore(CounterJobs):
    def __init__(
        self,
        server_url: str,
        data_dir: Path,
        *,
        manifest: Manifest | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.api = ApiClient(
            server_url,
            manifest or Manifest.load(default_manifest_path()),
            transport=transport,
        )
        self.outbox = Outbox(data_dir)
        self._sync = Sync(self.outbox, self.api)
        self.staff: dict[str, Any] | None = None
        self._restore_session(server_url)

    # -- session ---------------------------------------------------------------------------

    def _session_path(self) -> Path:
        return self.data_dir / SESSION_FILE

    def _restore_session(self, server_url: str) -> None:
        path = self._session_path()
        if not path.exists():
            return
        saved = json.loads(path.read_text())
        if saved.get("server_url") == self.api.server_url:  # another server: sign in anew
            self.api.token = saved.get("token")
            self.staff = saved.get("staff")

    def _save_session(self) -> None:
        state = {"server_url": self.api.server_url, "token": self.api.token, "staff": self.staff}
        temporary = self._session_path().with_suffix(".tmp")
        temporary.write_text(json.dumps(state, ensure_ascii=False))
        temporary.replace(self._session_path())  # never half a file after a crash

    @property
    def signed_in(self) -> bool:
        return self.api.token is not None

    @property
    def sign_in_needed(self) -> str | None:
        """Set when the server refused the token during a sync: ask the clerk to sign in."""
        return self._sync.sign_in_needed

    async def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """Sign in; the clerk's name, role and store (the token stays on the phone only)."""
        data = await self.api.run("SignIn", {"username": username, "password": password})
        login = data["login"]
        self.api.token = login["token"]
        self.staff = login["staff"]
        self._save_session()
        return dict(login["staff"])

    def sign_out_locally(self) -> None:
        self.api.token = None
        self.staff = None
        self._session_path().unlink(missing_ok=True)

    def _store_code(self) -> str:
        store = (self.staff or {}).get("store")
        if not self.signed_in or not store:
            raise NotSignedIn("Sign in as a store's clerk first.")
        return str(store["code"])

    # -- look-ups --------------------------------------------------------------------------

    async def _look_up(self, operation: str, variables: dict[str, Any]) -> Any:
        """Run a look-up the clerk waits for; an expired sign-in becomes NotSignedIn."""
        if not self.signed_in:
            raise NotSignedIn("Sign in first.")
        try:
            return await self.api.run(operation, variables)
        except ApiError as error:
            if error.code == "UNAUTHENTICATED":
                self.sign_out_locally()
                raise NotSignedIn(error.message) from error
            raise

    async def scan(self, code: str) -> dict[str, Any]:
        """The member card for a scanned QR code or a typed card number (never a phone)."""
        data = await self._look_up("MemberByCode", {"code": code.strip()})
        return dict(data["memberByCode"])

    async def member_by_phone(self, phone: str) -> dict[str, Any]:
        """The same card for the number the customer says; the number is sent, never kept."""
        data = await self._look_up("MemberByPhone", {"phone": phone.strip()})
        return dict(data["memberByPhone"])

    async def enroll_member(
        self, phone: str, display_name: str, marketing_consent: bool, idempotency_key: str
    ) -> dict[str, Any]:
        """Enrol a customer at this store; the new member's card. Sent at once, never through
        the outbox: the number must not wait on the phone's disk. The screen keeps one key per
        form, so pressing again after a lost answer replays instead of enrolling twice."""
        data = await self._look_up(
            "EnrollMember",
            {
                "input": {
                    "phone": phone.strip(),
                    "displayName": display_name.strip(),
                    "marketingConsent": marketing_consent,
                    "tags": [],
                    "storeCode": self._store_code(),
                    "idempotencyKey": idempotency_key,
                }
            },
        )
        return dict(data["enrollMember"]["member"])

    async def search_stock(self, search: str, first: int = 20) -> list[dict[str, Any]]:
        """This store's stock rows matching a name or a barcode (the API's `search`)."""
        data = await self._look_up(
            "SearchStock",
            {"storeCode": self._store_code(), "search": search.strip() or None, "first": first},
        )
        return [dict(edge["node"]) for edge in data["stockLevels"]["edges"]]

    async def nearby_stock(self, sku: str, first: int = 5) -> list[dict[str, Any]]:
        """Other stores' stock of one product, nearest first (where to send the customer)."""
        data = await self._look_up(
            "NearbyStock", {"sku": sku, "storeCode": self._store_code(), "first": first}
        )
        return [dict(row) for row in data["nearbyStock"]]

    async def open_alerts(self) -> list[dict[str, Any]]:
        """The store's open stock alerts, for the alerts list and the home screen's badge."""
        data = await self._look_up("OpenStockAlerts", {"storeCode": self._store_code()})
        return [dict(edge["node"]) for edge in data["stockAlerts"]["edges"]]

    # -- submissions (outbox) --------------------------------------------------------------

    def queue_complaint(
        self,
        category: str,
        description: str,
        photos: list[Path],
        member_code: str | None = None,
    ) -> str:
        """Keep a complaint and its photos on the phone for `sync` to send; the complaint's
        idempotency key, which names it in the outbox."""
        store_code = self._store_code()
        label = description.strip().splitlines()[0][:40] if description.strip() else category
        group = [NewEntry(EntryKind.PHOTO, f"photo for {label}", file=p) for p in photos]
        complaint: dict[str, Any] = {
            "storeCode": store_code,
            "category": category,
            "description": description,
            "photoIds": [result_of(i, "id") for i in range(len(photos))],
        }
        if member_code:
            complaint["memberCode"] = member_code
        group.append(
            NewEntry(
                EntryKind.OPERATION,
                f"complaint: {label}",
                operation="FileComplaint",
                variables={"input": complaint},
                depends_on=tuple(range(len(photos))),
            )
        )
        ids = self.outbox.add(group)
        return self.outbox.get(ids[-1]).idempotency_key

    async def my_open_shift(self) -> dict[str, Any] | None:
        """The clerk's open shift with its checklist and the summary so far, or None."""
        data = await self._look_up("MyOpenShift", {})
        shift = data["myOpenShift"]
        return dict(shift) if shift else None

    def queue_start_shift(self, kind: str) -> str:
        """Start an OPENING, MIDDAY or CLOSING shift at the clerk's store (through the outbox)."""
        variables = {"input": {"storeCode": self._store_code(), "kind": kind}}
        entry = NewEntry(
            EntryKind.OPERATION, f"start shift: {kind}", "StartShift", variables=variables
        )
        [entry_id] = self.outbox.add([entry])
        return self.outbox.get(entry_id).idempotency_key

    def queue_handover(self, shift_id: str, items: list[HandoverItem], todos: list[str]) -> str:
        """Hand the shift over: every item's photos are uploaded first, then
        `completeHandover` names them; the handover's idempotency key."""
        self._store_code()
        group: list[NewEntry] = []
        sent_items: list[dict[str, Any]] = []
        for item in items:
            first = len(group)
            group += [NewEntry(EntryKind.PHOTO, "photo for handover", file=p) for p in item.photos]
            sent: dict[str, Any] = {
                "itemId": item.item_id,
                "photoIds": [result_of(i, "id") for i in range(first, len(group))],
            }
            if item.note:
                sent["note"] = item.note
            sent_items.append(sent)
        group.append(
            NewEntry(
                EntryKind.OPERATION,
                "handover",
                operation="CompleteHandover",
                variables={"input": {"shiftId": shift_id, "items": sent_items, "todos": todos}},
                depends_on=tuple(range(len(group))),
            )
        )
        ids = self.outbox.add(group)
        return self.outbox.get(ids[-1]).idempotency_key

    def result(self, idempotency_key: str) -> Any:
        """What the server answered to a delivered entry (None while it waits)."""
        for entry in self.outbox.entries(EntryState.DELIVERED):
            if entry.idempotency_key == idempotency_key:
                return entry.result
        return None

    def alert_feed(
        self,
        on_event: Callable[[dict[str, Any]], None],
        on_reset: Callable[[], None] = lambda: None,
        last_event_id: str | None = None,
    ) -> AlertFeed:
        """The store's stock alerts as they happen (`await feed.run()` follows them)."""
        store_code = self._store_code()
        assert self.api.token is not None
        return AlertFeed(
            self.api.server_url,
            self.api.manifest,
            self.api.token,
            store_code,
            on_event,
            on_reset,
            last_event_id,
        )

    async def sync(self) -> int:
        """Send what can be sent; the entries still waiting."""
        if not self.signed_in:
            return self.outbox.pending()
        left = await self._sync.run_once()
        if self._sync.sign_in_needed:
            self.sign_out_locally()
        return left

    def retry_now(self) -> None:
        """Send waiting entries at the next sync without waiting out their back-off."""
        self.outbox.make_due()

    def pending(self) -> int:
        return self.outbox.pending()

    def waiting(self) -> list[Waiting]:
        """What the outbox view lists: every entry the server does not have yet, oldest first,
        with why it waits."""
        states = (EntryState.PENDING, EntryState.REFUSED, EntryState.BLOCKED)
        return [
            Waiting(e.id, e.label, e.state.value, e.waiting_for, e.attempts)
            for e in self.outbox.entries(*states)
        ]

    async def close(self) -> None:
        await self.api.close()
        self.outbox.close()
