"""ClerkCore against the real API (in process, real PostgreSQL), through a network that drops
requests and loses responses: complaints with photos land exactly once, across restarts."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import text

from api.app import create_app
from clerk_app.core import ClerkCore, NotSignedIn
from tests.conftest import Api
from tests.conftest import test_settings as settings_for
from tests.org_fixture import PASSWORD

SERVER = "http://testserver"
ENROLL = """mutation($input: EnrollMemberInput!) {
  enrollMember(input: $input) { member { cardNumber } }
}"""


class Killed(BaseException):
    """The app process dies: nothing after this line of the app runs."""


class FaultyNetwork(httpx.AsyncBaseTransport):
    """Between the phone and the server: `plan` says, request by request, "ok", "drop" (never
    arrives) or "lose" (the server acts, the answer is lost). Past the plan, all is well."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.plan: list[str] = []
        self.arrived = 0
        self.kill_at: set[int] = set()  # arrivals at the server after which the app dies

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        step = self.plan.pop(0) if self.plan else "ok"
        if step == "drop":
            raise httpx.ConnectError("network unreachable", request=request)
        response = await self.inner.handle_async_request(request)
        self.arrived += 1
        if self.arrived in self.kill_at:  # the server acted; the app never hears of it
            self.kill_at.discard(self.arrived)
            await response.aread()
            raise Killed
        if step == "lose":
            await response.aread()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


@pytest.fixture
async def network(org_db: str) -> AsyncIterator[FaultyNetwork]:
    app = create_app(settings_for(org_db))
    async with app.router.lifespan_context(app):
        yield FaultyNetwork(httpx.ASGITransport(app=app, client=("10.1.1.1", 5000)))


def jpeg(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def core(data_dir: Path, network: FaultyNetwork) -> ClerkCore:
    return ClerkCore(SERVER, data_dir, transport=network)


async def test_sign_in_and_scan_a_member(tmp_path: Path, network: FaultyNetwork, api: Api) -> None:
    token = await api.token_for("clerk.e1")
    enrolled = await api.data(
        ENROLL,
        {
            "input": {
                "phone": "+86 139 7531 8642",
                "displayName": "王芳",
                "marketingConsent": False,
                "tags": [],
                "storeCode": "E1",
            }
        },
        token=token,
    )
    card_number = enrolled["enrollMember"]["member"]["cardNumber"]
    clerk = core(tmp_path / "phone", network)
    with pytest.raises(NotSignedIn):
        await clerk.scan(card_number)
    staff = await clerk.sign_in("clerk.e1", PASSWORD)
    assert staff["store"]["code"] == "E1"
    card = await clerk.scan(card_number)
    assert card["displayName"] == "王芳" and card["tier"]
    assert not {k for k in card if "phone" in k.lower()}
    await clerk.close()
    # The session survives a restart of the app.
    again = core(tmp_path / "phone", network)
    assert (await again.scan(card_number))["cardNumber"] == card_number
    await again.close()


async def test_three_complaints_with_photos_land_exactly_once(
    tmp_path: Path, org_db: str, api: Api
) -> None:
    app = create_app(settings_for(org_db))
    async with app.router.lifespan_context(app):
        network = FaultyNetwork(httpx.ASGITransport(app=app, client=("10.1.1.2", 5000)))
        phone = tmp_path / "phone"
        clerk = core(phone, network)
        await clerk.sign_in("clerk.e1", PASSWORD)
        network.plan = ["drop"] * 40  # the API is unreachable while the clerk files them
        for n in range(3):
            photos = [jpeg(tmp_path, f"{n}-{i}.jpg", (40 * n, 80 * i, 90)) for i in range(2)]
            clerk.queue_complaint("SERVICE", f"货架破损 {n}", photos)
            for photo in photos:
                photo.unlink()  # the camera's files may go: the outbox keeps copies
        assert await clerk.sync() == 9
        # The network returns, flaky: lost answers, dropped requests, and the app is killed
        # twice mid-sync, just after the server acted.
        network.plan = ["ok", "lose", "drop", "ok", "lose", "ok", "ok", "lose", "drop", "lose"]
        network.kill_at = {3, 7}
        left, restarts = 9, 0
        for _ in range(60):
            try:
                left = await clerk.sync()
            except Killed:
                restarts += 1
                clerk = core(phone, network)  # the old one is simply gone
                continue
            if left == 0:
                break
            clerk.retry_now()  # as the app does when the phone reports the network back
        assert left == 0 and restarts == 2
        await clerk.close()
    async with api.engine.connect() as conn:
        complaints = (
            await conn.execute(text("SELECT id, description FROM complaint ORDER BY id"))
        ).all()
        photos = await conn.scalar(text("SELECT count(*) FROM photo"))
        attached = await conn.scalar(text("SELECT count(*) FROM photo_attachment"))
    assert sorted(d for _, d in complaints) == ["货架破损 0", "货架破损 1", "货架破损 2"]
    assert photos == 6
    assert attached == 6
