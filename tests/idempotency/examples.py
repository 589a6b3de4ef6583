"""One valid first call per keyed mutation: who sends it and the input (without the key).

Each entry prepares what its mutation needs (a transfer to ship, a complaint to resolve, ...)
through the API or the ledger, and returns the caller and an input that succeeds. Every field
given here is then changed in turn by the walker (tests/idempotency/test_every_keyed_mutation.py),
so an entry should fill the optional fields too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.domain import global_ids
from tests.complaints import helpers as complaints
from tests.conftest import Api
from tests.members.conftest import ENROLL, new_member
from tests.replenishment.test_replenishment_api import approved_order
from tests.sales.helpers import RECORD_SALE, receive, sale_input
from tests.shifts import helpers as shifts
from tests.transfers import helpers as transfers


@dataclass(frozen=True)
class FirstCall:
    username: str
    input: dict[str, Any]


Prepare = Callable[[Api], Awaitable[FirstCall]]
EXAMPLES: dict[str, Prepare] = {}
# Fields whose change is deliberately not CONFLICT, with the reason (none today: even
# createStaff's password is bound, as its keyed blind index).
NOT_BOUND: dict[str, set[str]] = {}
# Changes that are the same request by design: a phone number is bound as the blind index of
# the normalised number, so another spelling of it replays (api/resolvers/members.py).
SAME_REQUEST: dict[str, set[str]] = {"enrollMember": {"phone padded"}}
# Payload fields that say the answer is a replay (recordSale: `replayed` true, no stock report,
# as for a receipt number sent again): left out when the replay is compared with the first.
REPLAY_MARKERS: dict[str, set[str]] = {"recordSale": {"replayed", "stock"}}


def example(name: str) -> Callable[[Prepare], Prepare]:
    def register(prepare: Prepare) -> Prepare:
        EXAMPLES[name] = prepare
        return prepare

    return register


@example("createStaff")
async def _create_staff(api: Api) -> FirstCall:
    return FirstCall(
        "admin",
        {
            "username": "clerk.e1b",
            "displayName": "李雷",
            "role": "CLERK",
            "password": "a-long-password",
            "storeCode": "E1",
        },
    )


@example("requestTransfer")
async def _request_transfer(api: Api) -> FirstCall:
    return FirstCall("clerk.e1", transfers.request_input())


@example("shipTransfer")
async def _ship_transfer(api: Api) -> FirstCall:
    transfer_id = await transfers.approved(api)
    await transfers.stock(api, "E2", "SKU-CORE-1", 20)
    await transfers.stock(api, "E2", "SKU-CORE-2", 20)
    lines = transfers.lines(SKU_CORE_1=5, SKU_CORE_2=2)
    return FirstCall("clerk.e2", {"transferId": transfer_id, "lines": lines})


@example("receiveTransfer")
async def _receive_transfer(api: Api) -> FirstCall:
    transfer_id = await transfers.shipped(api)
    lines = transfers.lines(SKU_CORE_1=5, SKU_CORE_2=2)
    return FirstCall("clerk.e1", {"transferId": transfer_id, "lines": lines})


@example("receiveReplenishmentOrder")
async def _receive_replenishment(api: Api) -> FirstCall:
    order_id = await approved_order(api)
    expires = (date.today() + timedelta(days=60)).isoformat()
    lines = [{"sku": "SKU-CORE-1", "quantity": 30, "expiresOn": expires}]
    return FirstCall("clerk.e1", {"replenishmentOrderId": order_id, "lines": lines})


@example("issueMarkdown")
async def _issue_markdown(api: Api) -> FirstCall:
    now = datetime.now(UTC)
    return FirstCall(
        "ops",
        {
            "percentOff": 30,
            "startsAt": (now - timedelta(hours=1)).isoformat(),
            "endsAt": (now + timedelta(days=3)).isoformat(),
            "reason": "青团 season is over",
            "targets": [{"storeCode": "E1", "sku": "SKU-EAST-1"}],
        },
    )


@example("recordSale")
async def _record_sale(api: Api) -> FirstCall:
    await receive(api, "E1", "SKU-CORE-1", 10)
    return FirstCall("clerk.e1", sale_input())


@example("recordReturn")
async def _record_return(api: Api) -> FirstCall:
    await api.data(RECORD_SALE, {"input": sale_input()}, token=await api.token_for("clerk.e1"))
    return FirstCall(
        "clerk.e2",
        {
            "storeCode": "E2",
            "originalStoreCode": "E1",
            "receiptNo": "R-1",
            "lines": [{"sku": "SKU-CORE-1", "quantity": 1, "resaleable": True}],
        },
    )


@example("enrollMember")
async def _enroll_member(api: Api) -> FirstCall:
    return FirstCall("clerk.e1", {**new_member(tags=["sugar-free", "organic"]), "storeCode": "E1"})


@example("createChecklistTemplate")
async def _create_template(api: Api) -> FirstCall:
    return FirstCall("ops", shifts.template_input())


@example("updateChecklistTemplate")
async def _update_template(api: Api) -> FirstCall:
    template = await shifts.create_template(api)
    content = {k: v for k, v in shifts.template_input().items() if k != "code"}
    return FirstCall("ops", {"templateId": template["id"], **content, "name": "Opening v2"})


@example("startShift")
async def _start_shift(api: Api) -> FirstCall:
    return FirstCall("clerk.e1", {"storeCode": "E1", "kind": "OPENING"})


@example("recordShiftItem")
async def _record_shift_item(api: Api) -> FirstCall:
    await shifts.create_template(api)
    shift = await shifts.start(api, "clerk.e1")
    fridge = next(i for i in shift["items"] if i["text"] == shifts.FRIDGE["text"])
    return FirstCall(
        "clerk.e1", {"shiftId": shift["id"], "itemId": fridge["itemId"], "note": "4.1 °C"}
    )


@example("completeHandover")
async def _complete_handover(api: Api) -> FirstCall:
    shift = await shifts.start(api, "clerk.e1")  # no template: an empty checklist
    return FirstCall("clerk.e1", {"shiftId": shift["id"], "todos": ["Reorder milk"]})


@example("endShift")
async def _end_shift(api: Api) -> FirstCall:
    shift = await shifts.start(api, "clerk.e1")
    return FirstCall("clerk.e1", {"shiftId": shift["id"], "todos": ["Count the till"]})


@example("acceptHandover")
async def _accept_handover(api: Api) -> FirstCall:
    shift = await shifts.start(api, "clerk.e1")
    await api.data(
        shifts.COMPLETE, {"input": {"shiftId": shift["id"]}}, token=await api.token_for("clerk.e1")
    )
    return FirstCall("sm.e1", {"shiftId": shift["id"]})


@example("fileComplaint")
async def _file_complaint(api: Api) -> FirstCall:
    sale = {"input": sale_input(receipt="R-9")}
    await api.data(RECORD_SALE, sale, token=await api.token_for("clerk.e1"))
    return FirstCall("clerk.e1", {**complaints.complaint_input(), "receiptNo": "R-9"})


async def _complaint(api: Api, *moves: str) -> str:
    complaint_id: str = (await complaints.filed(api))["id"]
    for mutation, fields in (
        (complaints.START, {}),
        (complaints.RESOLVE, {"resolution": "Replaced"}),
        (complaints.CLOSE, {}),
    )[: len(moves)]:
        result = await complaints.move(api, mutation, "handler.east", complaint_id, **fields)
        assert "errors" not in result, result
    return complaint_id


@example("startComplaintWork")
async def _start_work(api: Api) -> FirstCall:
    complaint_id = await _complaint(api)
    return FirstCall("handler.east", {"complaintId": complaint_id, "note": "Calling back"})


@example("resolveComplaint")
async def _resolve(api: Api) -> FirstCall:
    complaint_id = await _complaint(api, "start")
    return FirstCall(
        "handler.east",
        {
            "complaintId": complaint_id,
            "resolution": "Replaced",
            "replacement": {"storeCode": "E2", "sku": "SKU-CORE-1", "quantity": 2},
        },
    )


@example("closeComplaint")
async def _close(api: Api) -> FirstCall:
    complaint_id = await _complaint(api, "start", "resolve")
    return FirstCall("handler.east", {"complaintId": complaint_id, "note": "Satisfied"})


@example("reopenComplaint")
async def _reopen(api: Api) -> FirstCall:
    complaint_id = await _complaint(api, "start", "resolve")
    return FirstCall("clerk.e1", {"complaintId": complaint_id, "reason": "Still broken"})


@example("reassignComplaint")
async def _reassign(api: Api) -> FirstCall:
    await complaints.add_staff(api, "handler.east2", "COMPLAINT_HANDLER", "EAST")
    complaint_id = await _complaint(api)
    return FirstCall(
        "handler.east",
        {"complaintId": complaint_id, "assigneeUsername": "handler.east2", "note": "Yours"},
    )


@example("collectReplacement")
async def _collect(api: Api) -> FirstCall:
    member = await api.data(ENROLL, {"input": new_member()}, token=await api.token_for("clerk.e1"))
    card = member["enrollMember"]["member"]["cardNumber"]
    complaint_id: str = (await complaints.filed(api, memberCode=card))["id"]
    for mutation, fields in (
        (complaints.START, {}),
        (
            complaints.RESOLVE,
            {
                "resolution": "Replaced",
                "replacement": {"storeCode": "E2", "sku": "SKU-CORE-1", "quantity": 2},
            },
        ),
    ):
        result = await complaints.move(api, mutation, "handler.east", complaint_id, **fields)
        assert "errors" not in result, result
    await transfers.stock(api, "E2", "SKU-CORE-1", 5)
    [[pickup]] = await complaints.sql(api, "SELECT id FROM complaint_pickup")
    return FirstCall("clerk.e2", {"pickupId": global_ids.encode("ReplacementPickup", pickup)})


@example("requestHelp")
async def _request_help(api: Api) -> FirstCall:
    from tests.shifts.helpers import upload_photo

    photo = await upload_photo(api, await api.token_for("clerk.e1"))
    return FirstCall("clerk.e1", {"storeCode": "E1", "note": "冷柜不制冷", "photoId": photo})


@example("answerHelpRequest")
async def _answer_help(api: Api) -> FirstCall:
    from tests.help.helpers import asked

    request = await asked(api)
    return FirstCall("ops", {"helpRequestId": request["id"], "answer": "先检查电源"})


@example("callCustomer")
async def _call_customer(api: Api) -> FirstCall:
    member = await complaints.enrol_member(api)
    complaint = await complaints.filed(api, memberCode=member["cardNumber"])
    return FirstCall("clerk.e1", {"complaintId": complaint["id"], "reason": "回访处理结果"})


def _days(start: int, end: int) -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {
        "startDate": (today + timedelta(days=start)).isoformat(),
        "endDate": (today + timedelta(days=end)).isoformat(),
    }


@example("createPromotion")
async def _create_promotion(api: Api) -> FirstCall:
    window = {**_days(1, 8), "dailyStart": "14:00", "dailyEnd": "16:00", "weekdays": [6, 7]}
    return FirstCall(
        "ops",
        {
            "name": "周末下午饮料 9 折",
            "mechanism": "PERCENT_OFF",
            "percentOff": 10,
            "window": window,
            "storeCodes": ["E1"],
            "regionCodes": ["WEST"],
            "storeTypes": ["BUSINESS_DISTRICT", "COMMUNITY"],
            "skus": ["SKU-CORE-1"],
            "categories": ["STATIONERY"],
            "stacking": "BEST_OF",
            "couponsAllowed": True,
            "membersOnly": False,
            "budgetCents": 100000,
            "talkingPoints": ["周末下午饮料九折", "会员积分照常"],
            "draft": False,
        },
    )


@example("approvePromotion")
async def _approve_promotion(api: Api) -> FirstCall:
    request = await api.data(
        "mutation($i: CreatePromotionInput!) { createPromotion(input: $i) { promotion { id } } }",
        {
            "i": {
                "name": "暖宝宝第二件半价",
                "mechanism": "SECOND_ITEM_DISCOUNT",
                "percentOff": 50,
                "window": _days(1, 8),
                "skus": ["SKU-CORE-2"],
            }
        },
        token=await api.token_for("sm.e1"),
    )
    promotion_id = request["createPromotion"]["promotion"]["id"]
    return FirstCall("ops", {"promotionId": promotion_id, "approve": True, "reason": "Go ahead"})


async def _evidence_promotion(api: Api) -> str:
    data = await api.data(
        "mutation($i: CreatePromotionInput!) { createPromotion(input: $i) { promotion { id } } }",
        {
            "i": {
                "name": "新品海报",
                "mechanism": "PERCENT_OFF",
                "percentOff": 10,
                "window": _days(3, 8),
                "storeCodes": ["E1"],
                "skus": ["SKU-CORE-1"],
            }
        },
        token=await api.token_for("ops"),
    )
    promotion_id: str = data["createPromotion"]["promotion"]["id"]
    return promotion_id


@example("attachPromotionPosters")
async def _attach_promotion_posters(api: Api) -> FirstCall:
    from tests.shifts.helpers import upload_photo

    photo = await upload_photo(api, await api.token_for("clerk.e1"))
    promotion_id = await _evidence_promotion(api)
    return FirstCall(
        "clerk.e1", {"promotionId": promotion_id, "storeCode": "E1", "photoIds": [photo]}
    )


@example("recordPromotionBriefing")
async def _record_promotion_briefing(api: Api) -> FirstCall:
    promotion_id = await _evidence_promotion(api)
    return FirstCall(
        "sm.e1",
        {
            "promotionId": promotion_id,
            "storeCode": "E1",
            "briefedUsernames": ["clerk.e1"],
            "note": "海报和话术",
        },
    )


@example("cancelPromotion")
async def _cancel_promotion(api: Api) -> FirstCall:
    promotion_id = await _evidence_promotion(api)
    return FirstCall("ops", {"promotionId": promotion_id, "reason": "供应商断货"})


@example("revisePromotion")
async def _revise_promotion(api: Api) -> FirstCall:
    promotion_id = await _evidence_promotion(api)
    return FirstCall(
        "ops",
        {
            "promotionId": promotion_id,
            "name": "新品海报 8 折",
            "mechanism": "PERCENT_OFF",
            "percentOff": 20,
            "window": _days(3, 9),
            "storeCodes": ["E1"],
            "regionCodes": ["WEST"],
            "storeTypes": ["BUSINESS_DISTRICT", "COMMUNITY"],
            "skus": ["SKU-CORE-1"],
            "categories": ["STATIONERY"],
            "stacking": "BEST_OF",
            "couponsAllowed": True,
            "membersOnly": False,
            "budgetCents": 100000,
            "talkingPoints": ["新品八折"],
            "draft": False,
        },
    )


@example("recordSurveyAnswer")
async def _record_survey_answer(api: Api) -> FirstCall:
    await api.data(
        RECORD_SALE, {"input": sale_input(receipt="R-NPS")}, token=await api.token_for("clerk.e1")
    )
    complaint_id = (await complaints.filed(api))["id"]
    member = await api.data(ENROLL, {"input": new_member()}, token=await api.token_for("clerk.e1"))
    return FirstCall(
        "clerk.e1",
        {
            "storeCode": "E1",
            "score": 9,
            "receiptNo": "R-NPS",
            "memberCode": member["enrollMember"]["member"]["cardNumber"],
            "complaintId": complaint_id,
            "comment": "Quick and friendly",
        },
    )


@example("completeTrainingTask")
async def _complete_training_task(api: Api) -> FirstCall:
    from sqlalchemy import text

    async with api.engine.begin() as conn:
        task_id = await conn.scalar(
            text(
                "INSERT INTO training_task (store_id, staff_id, month, reason)"
                " SELECT s.store_id, s.id, DATE '2026-10-01', 'bottom three months'"
                " FROM staff s WHERE s.username = 'clerk.e1' RETURNING id"
            )
        )
    task = global_ids.encode("TrainingTask", int(task_id))
    return FirstCall("sm.e1", {"taskId": task, "note": "Coached at the till"})


@example("publishGoodPractice")
async def _publish_good_practice(api: Api) -> FirstCall:
    return FirstCall(
        "sm.e1",
        {
            "storeCode": "E1",
            "clerkUsername": "clerk.e1",
            "title": "Offer the member card at every receipt",
            "body": "Ask once, with the card ready.",
        },
    )


@example("recordStockCount")
async def _record_stock_count(api: Api) -> FirstCall:
    await receive(api, "E1", "SKU-CORE-1", 10)
    return FirstCall(
        "clerk.e1",
        {"storeCode": "E1", "lines": [{"sku": "SKU-CORE-1", "counted": 7}], "note": "A1"},
    )


__all__ = ["EXAMPLES", "NOT_BOUND", "REPLAY_MARKERS", "SAME_REQUEST", "FirstCall"]
