"""Issue 6's "done when", automated against the served demo: a clerk starts a shift, uploads a
JPEG carrying GPS EXIF, is refused completion while a required photo is missing (the error
lists the item), completes with it, and the summary shows the shift's sales."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.photos.samples import jpeg_with_gps
from tests.shifts.helpers import COMPLETE, START
from tests.test_processes import free_port, run_cli, start_serve, stop, wait_ready

STORE = "SH-001"
SALE = (
    """mutation($input: RecordSaleInput!) { recordSale(input: $input) { sale { totalCents } } }"""
)


@pytest.fixture
def demo(empty_db: str, tmp_path: Path) -> Iterator[str]:
    env = {**os.environ, "DATABASE_URL": empty_db, "CHAINSTORE_DATA_DIR": str(tmp_path)}
    run_cli("seed", "--demo", env=env)
    port = free_port()
    process = start_serve("--port", str(port), env=env)
    try:
        wait_ready(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            stop(process)


def gql(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = client.post(
        "/graphql", json={"query": query, "variables": variables}
    ).json()
    return body


def test_clerk_hands_over_a_shift_with_a_photo_on_the_served_demo(demo: str) -> None:
    login = httpx.post(
        f"{demo}/graphql",
        json={
            "query": 'mutation { login(username: "clerk.sh-001.1", password: "chainstore-demo")'
            " { token } }"
        },
    ).json()
    headers = {"authorization": f"Bearer {login['data']['login']['token']}"}
    with httpx.Client(base_url=demo, headers=headers, timeout=30) as client:
        started = gql(client, START, {"input": {"storeCode": STORE, "kind": "OPENING"}})
        assert "errors" not in started, started
        shift = started["data"]["startShift"]["shift"]
        items = {i["text"]: i for i in shift["items"]}
        photo_items = [i for i in shift["items"] if i["requiresPhoto"]]
        assert len(photo_items) == 2, items  # shelf facing and the promotion poster

        for n, cents in enumerate((1250, 880)):
            sale = gql(
                client,
                SALE,
                {
                    "input": {
                        "storeCode": STORE,
                        "receiptNo": f"SHIFT-{n}",
                        "soldAt": datetime.now(UTC).isoformat(),
                        "lines": [{"sku": "SKU-000001", "quantity": 1, "unitPriceCents": cents}],
                    }
                },
            )
            assert "errors" not in sale, sale

        photo_ids = []
        for colour in ((200, 30, 30), (30, 30, 200)):
            upload = client.post(
                "/photos",
                files={"file": ("shelf.jpg", jpeg_with_gps(colour=colour), "image/jpeg")},
            )
            assert upload.status_code == 201, upload.text
            photo_ids.append(upload.json()["id"])
        shelf_photo, poster_photo = photo_ids

        done = [
            {"itemId": i["itemId"], "note": "4 °C" if i["requiresNote"] else None}
            for i in shift["items"]
        ]
        shelf, poster = photo_items
        done_without_poster = [
            {**d, "photoIds": [shelf_photo]} if d["itemId"] == shelf["itemId"] else d for d in done
        ]
        refused = gql(
            client,
            COMPLETE,
            {"input": {"shiftId": shift["id"], "items": done_without_poster}},
        )
        [error] = refused["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["missingItems"] == [
            {"itemId": poster["itemId"], "text": poster["text"], "missing": ["PHOTO"]}
        ]
        assert poster["text"] in error["message"]

        with_photo = [
            {**d, "photoIds": [poster_photo]} if d["itemId"] == poster["itemId"] else d
            for d in done_without_poster
        ]
        completed = gql(
            client,
            COMPLETE,
            {"input": {"shiftId": shift["id"], "items": with_photo, "idempotencyKey": "h-1"}},
        )
        assert "errors" not in completed, completed
        handed = completed["data"]["completeHandover"]["shift"]
        assert handed["status"] == "HANDED_OVER"
        assert (handed["summary"]["salesCount"], handed["summary"]["salesCents"]) == (2, 2130)
        photos = {i["itemId"]: [p["id"] for p in i["photos"]] for i in handed["items"]}
        assert photos[shelf["itemId"]] == [shelf_photo]
        assert photos[poster["itemId"]] == [poster_photo]
        urls = {p["id"]: p["url"] for i in handed["items"] for p in i["photos"]}
        # The stored photo is served to the clerk, without the GPS EXIF it was uploaded with.
        image = client.get(urls[poster_photo])
        assert image.status_code == 200
        assert b"GPS" not in image.content and b"31.2290" not in image.content
