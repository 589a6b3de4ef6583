"""A full shift handover from the phone: start the shift, a photo per required item, a note,
the summary so far, and the handover landing once through a flaky network."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from PIL import Image

from api.app import create_app
from clerk_app.core import ClerkCore, HandoverItem
from tests.clerk_core.test_core_against_api import FaultyNetwork
from tests.conftest import Api
from tests.conftest import test_settings as settings_for
from tests.org_fixture import PASSWORD
from tests.shifts.helpers import create_template, sql


def jpeg(path: Path, colour: tuple[int, int, int]) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 48), colour).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


async def test_a_full_handover_with_photos(tmp_path: Path, org_db: str, api: Api) -> None:
    await create_template(api)  # shelf (photo), poster (photo), fridge (note), floor
    app = create_app(settings_for(org_db, data_dir=tmp_path / "server"))
    async with app.router.lifespan_context(app):
        network = FaultyNetwork(httpx.ASGITransport(app=app, client=("10.1.3.1", 5000)))
        clerk = ClerkCore("http://testserver", tmp_path / "phone", transport=network)
        await clerk.sign_in("clerk.e1", PASSWORD)
        assert await clerk.my_open_shift() is None
        clerk.queue_start_shift("OPENING")
        assert await clerk.sync() == 0
        shift = await clerk.my_open_shift()
        assert shift is not None and shift["status"] == "OPEN"
        items = {i["text"]: i for i in shift["items"]}
        assert [i["text"] for i in shift["items"]] == [
            "Shelf facing done",
            "Promotion poster up",
            "Fridge temperature logged",
            "Floor swept",
        ]
        assert shift["summarySoFar"]["salesCount"] == 0
        ticked = [
            HandoverItem(
                items["Shelf facing done"]["itemId"],
                (jpeg(tmp_path / "s1.jpg", (10, 20, 30)), jpeg(tmp_path / "s2.jpg", (30, 20, 10))),
            ),
            HandoverItem(
                items["Promotion poster up"]["itemId"], (jpeg(tmp_path / "p.jpg", (90, 0, 0)),)
            ),
            HandoverItem(items["Fridge temperature logged"]["itemId"], note="4°C"),
            HandoverItem(items["Floor swept"]["itemId"]),
        ]
        key = clerk.queue_handover(shift["id"], ticked, ["补货: 农夫山泉"])
        network.plan = ["ok", "lose", "drop", "ok", "lose"]  # lost answers are replayed
        for _ in range(20):
            if await clerk.sync() == 0:
                break
            clerk.retry_now()
        assert clerk.pending() == 0
        handed = clerk.result(key)["completeHandover"]["shift"]
        assert handed["status"] == "HANDED_OVER"
        assert handed["summary"]["todos"] == ["补货: 农夫山泉"]
        assert await clerk.my_open_shift() is None
        await clerk.close()
    photos = await sql(api, "SELECT count(*) FROM photo")
    attached = await sql(api, "SELECT count(*) FROM photo_attachment")
    assert photos == [(3,)] and attached == [(3,)]
    shifts = await sql(api, "SELECT status FROM shift")
    assert shifts == [("HANDED_OVER",)]
