"""HQ cancels a promotion or revises it as a new version: the history kept, an active one ends
now and its new version runs from now, sale lines keep the version that priced them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from api.domain import global_ids
from tests.conftest import Api
from tests.promotions.helpers import (
    PROMOTION_FIELDS,
    create,
    day,
    errors_of,
    line,
    priced,
    promotion_input,
)
from tests.promotions.test_redemption import RUNNING
from tests.promotions.test_sale_claims import claimed, record

REVISE = f"""mutation($input: RevisePromotionInput!) {{
  revisePromotion(input: $input) {{ promotion {{ {PROMOTION_FIELDS} version previousVersionId }} }}
}}"""
CANCEL = f"""mutation($input: CancelPromotionInput!) {{
  cancelPromotion(input: $input) {{ promotion {{ {PROMOTION_FIELDS} cancelReason }} }}
}}"""
READ = "query($id: ID!) { promotion(id: $id) { status version } }"


async def revise(api: Api, promotion_id: str, username: str = "ops", **fields: Any) -> Any:
    payload = {**promotion_input(**fields), "promotionId": promotion_id}
    return await api.gql(REVISE, {"input": payload}, token=await api.token_for(username))


async def cancel(api: Api, promotion_id: str, reason: str = "供应商断货", user: str = "ops") -> Any:
    payload = {"promotionId": promotion_id, "reason": reason}
    return await api.gql(CANCEL, {"input": payload}, token=await api.token_for(user))


async def read(api: Api, promotion_id: str) -> dict[str, Any]:
    data = await api.data(READ, {"id": promotion_id}, token=await api.token_for("ops"))
    found: dict[str, Any] = data["promotion"]
    return found


async def test_revising_an_active_promotion_writes_a_new_version(api: Api) -> None:
    old = await create(api, window=RUNNING)
    assert "errors" not in await record(api, receipt="R-1", lines=[claimed(old["id"], 40)])
    result = await revise(api, old["id"], window=RUNNING, percentOff=20)
    new = result["data"]["revisePromotion"]["promotion"]
    assert (new["version"], new["previousVersionId"], new["status"]) == (2, old["id"], "ACTIVE")
    assert new["percentOff"] == 20
    assert await read(api, old["id"]) == {"status": "ENDED", "version": 1}
    now = datetime.now(UTC).isoformat()
    # From now the new version prices the line (20 % of 4.00); the old one no longer applies.
    assert "errors" not in await record(
        api, receipt="R-2", soldAt=now, lines=[claimed(new["id"], 80)]
    )
    refused = await record(api, receipt="R-3", soldAt=now, lines=[claimed(old["id"], 40)])
    assert errors_of(refused)[0] == "BAD_USER_INPUT"
    # A till's receipt from yesterday is still priced by the version in force then.
    assert "errors" not in await record(api, receipt="R-4", lines=[claimed(old["id"], 40)])
    async with api.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT s.receipt_no, l.promotion_id FROM sale s JOIN sale_line l"
                " ON l.store_id = s.store_id AND l.sale_id = s.id ORDER BY s.receipt_no"
            )
        )
        kept = {r.receipt_no: global_ids.encode("Promotion", r.promotion_id) for r in rows}
    assert kept == {"R-1": old["id"], "R-2": new["id"], "R-4": old["id"]}


async def test_revising_a_scheduled_one_replaces_it(api: Api) -> None:
    old = await create(api, window={"startDate": day(3), "endDate": day(7)})
    result = await revise(api, old["id"], window={"startDate": day(4), "endDate": day(8)})
    new = result["data"]["revisePromotion"]["promotion"]
    assert (new["version"], new["status"]) == (2, "SCHEDULED")
    assert await read(api, old["id"]) == {"status": "CANCELLED", "version": 1}
    again = await revise(api, old["id"])  # a cancelled version cannot be revised
    assert errors_of(again)[:2] == ("CONFLICT", "WRONG_STATUS")
    assert errors_of(await revise(api, new["id"], username="sm.e1"))[0] == "FORBIDDEN"


async def test_a_cancelled_promotion_stops_applying(api: Api) -> None:
    promotion = await create(api, window=RUNNING)
    basket = [line("SKU-CORE-1", 2, 200)]
    assert (await priced(api, "E1", basket))["discountCents"] == 40
    assert errors_of(await cancel(api, promotion["id"], user="sm.e1"))[0] == "FORBIDDEN"
    assert errors_of(await cancel(api, promotion["id"], reason="  "))[0] == "BAD_USER_INPUT"
    cancelled = (await cancel(api, promotion["id"]))["data"]["cancelPromotion"]["promotion"]
    assert (cancelled["status"], cancelled["cancelReason"]) == ("CANCELLED", "供应商断货")
    assert (await priced(api, "E1", basket))["discountCents"] == 0
    assert "errors" not in await cancel(api, promotion["id"])  # again: a no-op
