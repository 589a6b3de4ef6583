"""The clerk app's outbox and sync loop: accepted means kept, sent in order, exactly once.

The network here is a small in-memory stand-in that keeps what it applied by idempotency key,
as the API does; the same properties are proved against the real API by the app's end-to-end
tests. The outbox itself is the real SQLite database in a temporary data dir."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from clerk_app.core.outbox import Entry, EntryKind, EntryState, NewEntry, Outbox, result_of
from clerk_app.core.sync import (
    Delivered,
    Outcome,
    Refused,
    SignInNeeded,
    Sync,
    Transient,
    backoff_seconds,
)


class ProcessKilled(BaseException):
    """The app dies between the server applying a request and the outbox hearing of it."""


class FlakyServer:
    """Applies each idempotency key once and replays its first result, like the API; drops
    requests, loses responses or dies on the attempts it is told to."""

    def __init__(self) -> None:
        self.applied: dict[str, Any] = {}
        self.calls = 0
        self.drop_requests: set[int] = set()  # call numbers that never reach the server
        self.lose_responses: set[int] = set()  # applied, but the answer is lost
        self.die_after: set[int] = set()  # applied, then the app is killed
        self.refuse: dict[str, str] = {}  # operation -> reason
        self.expired = False
        self.seen_variables: list[dict[str, Any]] = []

    async def send(self, entry: Entry, variables: dict[str, Any]) -> Outcome:
        self.calls += 1
        call = self.calls
        if call in self.drop_requests:
            return Transient("no network")
        if self.expired:
            return SignInNeeded("token expired")
        if entry.operation in self.refuse:
            return Refused(self.refuse[entry.operation])
        self.seen_variables.append(variables)
        if entry.idempotency_key not in self.applied:
            n = len(self.applied) + 1
            self.applied[entry.idempotency_key] = {"id": f"{entry.kind.value.lower()}-{n}"}
        if call in self.die_after:
            raise ProcessKilled
        if call in self.lose_responses:
            return Transient("response lost")
        return Delivered(self.applied[entry.idempotency_key])


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def photo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(b"\xff\xd8 not really a jpeg " + name.encode())
    return path


def complaint_with_photos(tmp_path: Path, n: int) -> list[NewEntry]:
    photos = [
        NewEntry(EntryKind.PHOTO, f"photo {i}", file=photo(tmp_path, f"c{n}-{i}.jpg"))
        for i in (1, 2)
    ]
    complaint = NewEntry(
        EntryKind.OPERATION,
        f"complaint {n}",
        operation="FileComplaint",
        variables={
            "input": {
                "description": f"shelf {n}",
                "photoIds": [result_of(0, "id"), result_of(1, "id")],
            }
        },
        depends_on=(0, 1),
    )
    return [*photos, complaint]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "app-data"
    path.mkdir()
    return path


async def sync_until_done(
    outbox: Outbox, server: FlakyServer, clock: Clock, rounds: int = 50
) -> int:
    sync = Sync(outbox, server, clock=clock, rng=random.Random(7))
    left = outbox.pending()
    for _ in range(rounds):
        left = await sync.run_once()
        if left == 0:
            break
        clock.now += 400  # past any back-off
    return left


async def test_a_complaint_waits_for_its_photos_and_gets_their_ids(
    tmp_path: Path, data_dir: Path
) -> None:
    outbox = Outbox(data_dir)
    photo_id, other_id, complaint_id = outbox.add(complaint_with_photos(tmp_path, 1))
    clock = Clock()
    assert outbox.next_ready(clock()) == outbox.get(photo_id)
    server = FlakyServer()
    assert await sync_until_done(outbox, server, clock) == 0
    assert server.seen_variables[-1]["input"]["photoIds"] == ["photo-1", "photo-2"]
    assert [e.state for e in outbox.entries()] == [EntryState.DELIVERED] * 3
    assert list(outbox.files.iterdir()) == []  # delivered photos leave the phone
    assert outbox.get(complaint_id).result == {"id": "operation-3"}
    assert outbox.get(other_id).attempts == 1


async def test_three_complaints_land_exactly_once_through_a_faulty_network(
    tmp_path: Path, data_dir: Path
) -> None:
    outbox = Outbox(data_dir)
    for n in (1, 2, 3):
        outbox.add(complaint_with_photos(tmp_path, n))
    server = FlakyServer()
    server.drop_requests = {1, 2, 5, 9}
    server.lose_responses = {3, 7, 11, 14}
    server.die_after = {6, 12}
    clock = Clock()
    for _ in range(40):  # the app is killed twice and restarted each time
        try:
            left = await sync_until_done(outbox, server, clock)
        except ProcessKilled:
            outbox.close()
            outbox = Outbox(data_dir)
            continue
        if left == 0:
            break
    assert outbox.pending() == 0
    assert len(server.applied) == 9  # 6 photos and 3 complaints, each applied once
    complaints = [v for v in server.seen_variables if "input" in v]
    assert {v["input"]["description"] for v in complaints} == {"shelf 1", "shelf 2", "shelf 3"}


async def test_the_outbox_survives_a_restart_with_the_same_keys(
    tmp_path: Path, data_dir: Path
) -> None:
    outbox = Outbox(data_dir)
    ids = outbox.add(complaint_with_photos(tmp_path, 1))
    keys = [outbox.get(i).idempotency_key for i in ids]
    outbox.close()
    again = Outbox(data_dir)
    assert [again.get(i).idempotency_key for i in ids] == keys
    assert again.pending() == 3
    assert all(e.file is None or e.file.exists() for e in again.entries())


def test_a_group_is_accepted_whole_or_not_at_all(tmp_path: Path, data_dir: Path) -> None:
    outbox = Outbox(data_dir)
    bad = [
        NewEntry(EntryKind.PHOTO, "photo", file=photo(tmp_path, "a.jpg")),
        NewEntry(EntryKind.OPERATION, "complaint", operation="FileComplaint", depends_on=(5,)),
    ]
    with pytest.raises(ValueError, match="earlier entries"):
        outbox.add(bad)
    assert outbox.entries() == []
    outbox.close()
    assert list(Outbox(data_dir).files.iterdir()) == []  # the copied photo is cleaned up


async def test_a_refusal_is_kept_for_the_clerk_and_blocks_what_needs_it(
    tmp_path: Path, data_dir: Path
) -> None:
    outbox = Outbox(data_dir)
    first = NewEntry(EntryKind.OPERATION, "handover", operation="CompleteHandover")
    needs_it = NewEntry(
        EntryKind.OPERATION, "follow-up", operation="FileComplaint", depends_on=(0,)
    )
    refused_id, blocked_id = outbox.add([first, needs_it])
    server = FlakyServer()
    server.refuse["CompleteHandover"] = "BAD_USER_INPUT: missingItems: SHELF_FRONT"
    assert await sync_until_done(outbox, server, Clock(), rounds=3) == 2
    refused, blocked = outbox.get(refused_id), outbox.get(blocked_id)
    assert refused.state is EntryState.REFUSED and refused.attempts == 1
    assert refused.waiting_for == "refused: BAD_USER_INPUT: missingItems: SHELF_FRONT"
    assert blocked.state is EntryState.BLOCKED
    assert server.calls == 1  # never retried blindly


async def test_an_expired_sign_in_stops_sending_and_keeps_everything(
    tmp_path: Path, data_dir: Path
) -> None:
    outbox = Outbox(data_dir)
    outbox.add(complaint_with_photos(tmp_path, 1))
    server = FlakyServer()
    server.expired = True
    sync = Sync(outbox, server, clock=Clock())
    assert await sync.run_once() == 3
    assert sync.sign_in_needed == "token expired"
    server.expired = False
    assert await sync.run_once() == 0


def test_back_off_doubles_up_to_five_minutes_with_jitter() -> None:
    rng = random.Random(1)
    delays = [backoff_seconds(n, rng) for n in range(12)]
    assert 0.8 <= delays[0] <= 1.2 and 3.2 <= delays[2] <= 4.8
    assert all(240 <= d <= 360 for d in delays[9:])
    assert len({round(backoff_seconds(3, rng), 6) for _ in range(5)}) > 1
