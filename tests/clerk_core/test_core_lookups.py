"""ClerkCore's look-ups for the screens, against the real API in process: stock search by name
and barcode, nearby stores, open alerts, the member by phone, and the outbox listing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import segno
from sqlalchemy import text

from api.app import create_app
from clerk_app.core import ClerkCore, NotSignedIn
from clerk_app.core.codes import decode_file
from tests.conftest import Api
from tests.conftest import test_settings as settings_for
from tests.org_fixture import PASSWORD
from tests.sales.helpers import receive

SERVER = "http://testserver"
ENROLL = """mutation($input: EnrollMemberInput!) {
  enrollMember(input: $input) { member { cardNumber } }
}"""
THRESHOLDS = """mutation($sku: String!, $safety: Int!, $target: Int!) {
  setStockThresholds(storeCode: "E1", sku: $sku, safetyStock: $safety, reorderTarget: $target) {
    stockLevel { onHand } } }"""


@pytest.fixture
async def clerk(org_db: str, tmp_path: Path) -> AsyncIterator[ClerkCore]:
    app = create_app(settings_for(org_db))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5000))
        core = ClerkCore(SERVER, tmp_path / "phone", transport=transport)
        yield core
        await core.close()


async def test_stock_search_nearby_and_alerts(clerk: ClerkCore, api: Api) -> None:
    with pytest.raises(NotSignedIn):
        await clerk.search_stock("农夫")
    await clerk.sign_in("clerk.e1", PASSWORD)
    await receive(api, "E1", "SKU-CORE-1", 3)
    await receive(api, "E2", "SKU-CORE-1", 40)
    rows = await clerk.search_stock("农夫")
    assert [(r["product"]["sku"], r["onHand"]) for r in rows] == [("SKU-CORE-1", 3)]
    by_barcode = await clerk.search_stock("6900000000011")
    assert [r["product"]["name"] for r in by_barcode] == ["农夫山泉 550ml"]
    nearby = await clerk.nearby_stock("SKU-CORE-1")
    assert [(n["store"]["code"], n["onHand"]) for n in nearby][:1] == [("E2", 40)]
    assert await clerk.open_alerts() == []
    manager = await api.token_for("sm.e1")
    await api.data(THRESHOLDS, {"sku": "SKU-CORE-1", "safety": 5, "target": 20}, token=manager)
    alerts = await clerk.open_alerts()
    assert [(a["kind"], a["onHand"], a["safetyStock"], a["shortfall"]) for a in alerts] == [
        ("LOW_STOCK", 3, 5, 17)  # 20 - 3 - 0 in transit
    ]


async def test_the_member_by_phone_and_by_a_scanned_qr_image(
    clerk: ClerkCore, api: Api, tmp_path: Path
) -> None:
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
    await clerk.sign_in("clerk.e1", PASSWORD)
    card = await clerk.member_by_phone("13975318642")
    assert card["cardNumber"] == card_number and card["displayName"] == "王芳"
    assert not {k for k in card if "phone" in k.lower()}
    # The desktop scanner: a picture of the printed card's QR code, read by zxing-cpp.
    picture = tmp_path / "card.png"
    segno.make(card_number, micro=False).save(str(picture), scale=6)
    assert decode_file(picture) == card_number
    assert (await clerk.scan(decode_file(picture) or ""))["displayName"] == "王芳"


async def test_a_picture_without_a_code(tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("L", (80, 80), 255).save(blank)
    assert decode_file(blank) is None


async def test_the_outbox_listing_says_why_each_entry_waits(
    tmp_path: Path, org_db: str, api: Api
) -> None:
    app = create_app(settings_for(org_db))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("10.1.2.4", 5000))
        clerk = ClerkCore(SERVER, tmp_path / "phone", transport=transport)
        await clerk.sign_in("clerk.e1", PASSWORD)
        photo = tmp_path / "p.jpg"
        from PIL import Image

        Image.new("RGB", (32, 32), (200, 10, 10)).save(photo, "JPEG")
        clerk.queue_complaint("HYGIENE", "冷柜漏水", [photo])
        clerk.queue_complaint("NOT_A_CATEGORY", "bad", [])
        waiting = clerk.waiting()
        assert [(w.label, w.state, w.why) for w in waiting] == [
            ("photo for 冷柜漏水", "PENDING", "waiting to be sent"),
            ("complaint: 冷柜漏水", "PENDING", "waiting for its photos"),
            ("complaint: bad", "PENDING", "waiting to be sent"),
        ]
        assert await clerk.sync() == 1
        [refused] = clerk.waiting()
        assert refused.label == "complaint: bad" and refused.state == "REFUSED"
        assert refused.why.startswith("refused: BAD_USER_INPUT")
        await clerk.close()
    async with api.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM complaint")) == 1


async def test_enrolment_sends_the_number_once_and_never_returns_it(
    clerk: ClerkCore, api: Api
) -> None:
    await clerk.sign_in("clerk.e1", PASSWORD)
    card = await clerk.enroll_member("139 1234 5678", "赵敏", False, "enrol-form-1")
    again = await clerk.enroll_member("139 1234 5678", "赵敏", False, "enrol-form-1")
    assert again["cardNumber"] == card["cardNumber"]  # a retried form replays
    assert card["displayName"] == "赵敏" and card["enrolledStore"]["code"] == "E1"
    assert "12345678" not in str(card)
    async with api.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM member")) == 1
    assert (await clerk.member_by_phone("13912345678"))["cardNumber"] == card["cardNumber"]
