"""The outbox: everything a clerk submits, kept on the phone until the server has it, once.

One SQLite database in the app's data dir (WAL, synchronous=FULL: an entry that was accepted
survives the app being killed or the phone losing power). An entry is one intent: a photo
upload or a trusted operation, with the idempotency key it will always be sent with, so a
retry after a lost response replays the first result instead of acting twice. An entry may
need the results of others (a complaint needs its photos' ids): its variables then hold
`{"$result": <entry id>, "path": "id"}` placeholders, filled in just before it is sent, and
it waits until those entries are delivered.

States: PENDING (to send; `next_attempt_at` says when), DELIVERED (with the server's result),
REFUSED (the server said no for good: `BAD_USER_INPUT`, `FORBIDDEN`, ...; shown to the clerk
with the reason, never retried blindly) and BLOCKED (something it needs was refused).
This module is plain Python and never imports Kivy (clerk_app/core/ never does).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class EntryState(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    REFUSED = "REFUSED"
    BLOCKED = "BLOCKED"


class EntryKind(StrEnum):
    PHOTO = "PHOTO"  # POST /photos with the file
    OPERATION = "OPERATION"  # POST /graphql with a trusted document's id


@dataclass(frozen=True)
class Entry:
    id: int
    kind: EntryKind
    operation: str | None  # the trusted operation's name, for OPERATION entries
    variables: dict[str, Any]
    file: Path | None  # the outbox's own copy of the photo, for PHOTO entries
    idempotency_key: str
    depends_on: tuple[int, ...]
    state: EntryState
    attempts: int
    next_attempt_at: float
    last_error: str | None
    result: Any
    label: str  # what the clerk sees in the outbox view ("Complaint: 货架破损")

    @property
    def waiting_for(self) -> str:
        """Why it is still here, in words for the outbox view."""
        if self.state is EntryState.REFUSED:
            return f"refused: {self.last_error}"
        if self.state is EntryState.BLOCKED:
            return f"blocked: {self.last_error}"
        if self.last_error:
            return f"retrying after: {self.last_error}"
        if self.depends_on:
            return "waiting for its photos"
        return "waiting to be sent"


@dataclass(frozen=True)
class NewEntry:
    kind: EntryKind
    label: str
    operation: str | None = None
    variables: dict[str, Any] | None = None
    file: Path | None = None
    depends_on: tuple[int, ...] = ()  # indexes of earlier entries in the same `add` call


def result_of(index: int, path: str = "") -> dict[str, Any]:
    """A placeholder for the result of the `index`-th entry of the same `add` call."""
    return {"$result": index, "path": path}


_SCHEMA = """
CREATE TABLE IF NOT EXISTS entry (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  operation TEXT,
  variables TEXT NOT NULL,
  file TEXT,
  idempotency_key TEXT NOT NULL UNIQUE,
  depends_on TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at REAL NOT NULL DEFAULT 0,
  last_error TEXT,
  result TEXT,
  label TEXT NOT NULL,
  created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS entry_state ON entry (state, id);
"""


class Outbox:
    def __init__(self, data_dir: Path) -> None:
        self.files = data_dir / "outbox-files"
        self.files.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(data_dir / "outbox.sqlite3", isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # accepted means on disk
        self._db.executescript(_SCHEMA)
        self._remove_orphan_files()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def add(self, entries: list[NewEntry]) -> list[int]:
        """Accept a group of entries at once (a complaint and its photos): all or none.

        Photos are copied into the outbox first, so the camera's file may go; a copy whose
        entry never committed is removed at the next start."""
        copies: list[Path | None] = []
        for new in entries:
            if new.file is None:
                copies.append(None)
                continue
            kept = self.files / f"{uuid.uuid4().hex}{new.file.suffix.lower()}"
            shutil.copyfile(new.file, kept)
            copies.append(kept)
        ids: list[int] = []
        now = time.time()
        with self._transaction() as db:
            for new, copy in zip(entries, copies, strict=True):
                if any(not 0 <= d < len(ids) for d in new.depends_on):
                    raise ValueError("an entry may depend only on earlier entries of its group")
                depends_on = [ids[d] for d in new.depends_on]
                variables = _bind_placeholders(new.variables or {}, ids)
                cursor = db.execute(
                    "INSERT INTO entry (kind, operation, variables, file, idempotency_key,"
                    " depends_on, state, label, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        new.kind.value,
                        new.operation,
                        json.dumps(variables, ensure_ascii=False),
                        str(copy) if copy else None,
                        str(uuid.uuid4()),
                        json.dumps(depends_on),
                        EntryState.PENDING.value,
                        new.label,
                        now,
                    ),
                )
                ids.append(int(cursor.lastrowid or 0))
        return ids

    def get(self, entry_id: int) -> Entry:
        row = self._db.execute("SELECT * FROM entry WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise KeyError(entry_id)
        return _entry(row)

    def entries(self, *states: EntryState) -> list[Entry]:
        wanted = [s.value for s in states] or [s.value for s in EntryState]
        marks = ",".join("?" * len(wanted))
        rows = self._db.execute(
            f"SELECT * FROM entry WHERE state IN ({marks}) ORDER BY id",  # noqa: S608
            wanted,
        ).fetchall()
        return [_entry(row) for row in rows]

    def pending(self) -> int:
        """Entries the server does not have yet (refused and blocked ones included: they
        wait for the clerk)."""
        return int(
            self._db.execute(
                "SELECT count(*) FROM entry WHERE state != ?", (EntryState.DELIVERED.value,)
            ).fetchone()[0]
        )

    def next_ready(self, now: float) -> Entry | None:
        """The oldest pending entry whose turn has come and whose dependencies are delivered."""
        for entry in self.entries(EntryState.PENDING):
            if entry.next_attempt_at > now:
                continue
            states = [self.get(d).state for d in entry.depends_on]
            if all(s is EntryState.DELIVERED for s in states):
                return entry
        return None

    def resolved_variables(self, entry: Entry) -> dict[str, Any]:
        """The variables with every placeholder replaced by its entry's delivered result."""
        resolved: dict[str, Any] = _fill(entry.variables, self)
        return resolved

    def delivered(self, entry_id: int, result: Any) -> None:
        with self._transaction() as db:
            row = db.execute("SELECT file FROM entry WHERE id = ?", (entry_id,)).fetchone()
            db.execute(
                "UPDATE entry SET state = ?, result = ?, last_error = NULL,"
                " attempts = attempts + 1 WHERE id = ?",
                (EntryState.DELIVERED.value, json.dumps(result, ensure_ascii=False), entry_id),
            )
        if row is not None and row["file"]:
            Path(row["file"]).unlink(missing_ok=True)  # the server has it now

    def retry_later(self, entry_id: int, error: str, at: float) -> None:
        """Not before `at` (seconds since the epoch, by the sync loop's clock)."""
        self._db.execute(
            "UPDATE entry SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
            " WHERE id = ?",
            (error, at, entry_id),
        )

    def make_due(self) -> None:
        """Waiting entries go at the next sync, back-off or not (the clerk tapped "send now",
        or the phone says the network is back)."""
        self._db.execute(
            "UPDATE entry SET next_attempt_at = 0 WHERE state = ?", (EntryState.PENDING.value,)
        )

    def refused(self, entry_id: int, reason: str) -> None:
        """The server said no for good: this entry and everything that needs it stop."""
        with self._transaction() as db:
            db.execute(
                "UPDATE entry SET state = ?, last_error = ?, attempts = attempts + 1 WHERE id = ?",
                (EntryState.REFUSED.value, reason, entry_id),
            )
            for row in db.execute(
                "SELECT id, depends_on FROM entry WHERE state = ?", (EntryState.PENDING.value,)
            ).fetchall():
                if entry_id in json.loads(row["depends_on"]):
                    db.execute(
                        "UPDATE entry SET state = ?, last_error = ? WHERE id = ?",
                        (EntryState.BLOCKED.value, f"entry {entry_id} was refused", row["id"]),
                    )

    def _remove_orphan_files(self) -> None:
        kept = {row[0] for row in self._db.execute("SELECT file FROM entry WHERE file IS NOT NULL")}
        for path in self.files.iterdir():
            if str(path) not in kept:
                path.unlink(missing_ok=True)


def _bind_placeholders(value: Any, ids: list[int]) -> Any:
    """`result_of(i)` placeholders point at the i-th entry of the group: make them entry ids."""
    if isinstance(value, dict):
        if set(value) == {"$result", "path"}:
            index = value["$result"]
            if not 0 <= index < len(ids):
                raise ValueError("a placeholder may name only earlier entries of its group")
            return {"$result": ids[index], "path": value["path"]}
        return {k: _bind_placeholders(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_bind_placeholders(v, ids) for v in value]
    return value


def _fill(value: Any, outbox: Outbox) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$result", "path"}:
            result = outbox.get(int(value["$result"])).result
            for part in filter(None, str(value["path"]).split(".")):
                result = result[part]
            return result
        return {k: _fill(v, outbox) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, outbox) for v in value]
    return value


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        id=row["id"],
        kind=EntryKind(row["kind"]),
        operation=row["operation"],
        variables=json.loads(row["variables"]),
        file=Path(row["file"]) if row["file"] else None,
        idempotency_key=row["idempotency_key"],
        depends_on=tuple(json.loads(row["depends_on"])),
        state=EntryState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        result=json.loads(row["result"]) if row["result"] is not None else None,
        label=row["label"],
    )
