"""Each write records its channel from the request (the clerk app's trusted documents APP, the
tills' POS, anything else API); digital adoption per clerk and store counts them, the digital
experts rank the clerks, and HQ's reward rule marks who earns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from tests.complaints.helpers import complaint_input, filed
from tests.conftest import Api
from tests.members.conftest import ENROLL, new_member
from tests.sales.helpers import sale_input
from tests.shifts.helpers import start
from tests.trusted.conftest import persisted

ADOPTION = """query($m: Date!, $store: String) { digitalAdoption(month: $m, storeCode: $store) {
  clerks { store { code } clerk { username } writes inApp appShare byKind { kind writes inApp } }
  stores { store { code } clerk { username } writes inApp appShare } } }"""
EXPERTS = """query($m: Date!) { digitalExperts(month: $m) {
  rule { minWrites minAppShare topN reward }
  ranking { clerk { username } writes inApp rewarded } } }"""
SET_RULE = """mutation($i: SetDigitalRewardRuleInput!) { setDigitalRewardRule(input: $i) {
  digitalRewardRule { minWrites minAppShare topN reward } } }"""


async def sql(api: Api, statement: str) -> list[Any]:
    async with api.engine.begin() as conn:
        result = await conn.execute(text(statement))
        return list(result) if result.returns_rows else []


async def app_writes(api: Api) -> None:
    """Through the app: an enrolment, a complaint, a handover, a stock-take; the same kinds once
    each through plain API requests; a sale from a till."""
    clerk = await api.token_for("clerk.e1")
    enrolled = await persisted(api, "EnrollMember", {"input": new_member()}, token=clerk)
    assert "errors" not in enrolled.json(), enrolled.json()
    await api.data(ENROLL, {"input": new_member(phone="13800000002")}, token=clerk)
    complaint = await persisted(api, "FileComplaint", {"input": complaint_input()}, token=clerk)
    assert "errors" not in complaint.json(), complaint.json()
    await filed(api)
    shift = await start(api, "clerk.e1")
    handed = await persisted(
        api, "CompleteHandover", {"input": {"shiftId": shift["id"]}}, token=clerk
    )
    assert "errors" not in handed.json(), handed.json()
    for column, value in ((", channel", ", 'APP'"), ("", "")):  # the app's, then the default
        await sql(
            api,
            "INSERT INTO stock_movement (store_id, product_id, kind, quantity, balance_after,"
            f" staff_id{column}) SELECT st.id, p.id, 'COUNT', 0, 0, s.id{value}"
            " FROM store st, product p, staff s"
            " WHERE st.code = 'E1' AND p.sku = 'SKU-CORE-1' AND s.username = 'clerk.e1'",
        )
    sold = await persisted(api, "RecordSale", {"input": sale_input("R-POS")}, token=clerk)
    assert "errors" not in sold.json(), sold.json()


def this_month() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1).isoformat()


async def test_each_write_records_the_channel_of_its_request(api: Api) -> None:
    await app_writes(api)
    assert sorted(r[0] for r in await sql(api, "SELECT channel FROM member")) == ["API", "APP"]
    assert sorted(r[0] for r in await sql(api, "SELECT channel FROM complaint")) == [
        "API",
        "APP",
    ]
    assert [r[0] for r in await sql(api, "SELECT handover_channel FROM shift")] == ["APP"]
    kinds = await sql(api, "SELECT kind, channel FROM stock_movement ORDER BY id")
    assert [tuple(r) for r in kinds] == [("COUNT", "APP"), ("COUNT", "API"), ("SALE", "POS")]
    # The setting lasts one transaction: a later plain request writes API again.
    await api.data(
        ENROLL, {"input": new_member(phone="13800000003")}, token=await api.token_for("sm.e1")
    )
    last = await sql(api, "SELECT channel FROM member ORDER BY id DESC LIMIT 1")
    assert last[0][0] == "API"


async def test_digital_adoption_experts_and_the_reward_rule(api: Api) -> None:
    await app_writes(api)
    month = this_month()
    manager = await api.token_for("sm.e1")
    got = (await api.data(ADOPTION, {"m": month, "store": "E1"}, token=manager))["digitalAdoption"]
    [clerk] = got["clerks"]
    assert clerk == {
        "store": {"code": "E1"},
        "clerk": {"username": "clerk.e1"},
        "writes": 7,  # 2 enrolments, 2 complaints, 1 handover, 2 stock-takes
        "inApp": 4,
        "appShare": 4 / 7,
        "byKind": [
            {"kind": "ENROLMENT", "writes": 2, "inApp": 1},
            {"kind": "HANDOVER", "writes": 1, "inApp": 1},
            {"kind": "COMPLAINT", "writes": 2, "inApp": 1},
            {"kind": "STOCKTAKE", "writes": 2, "inApp": 1},
        ],
    }
    assert got["stores"] == [
        {"store": {"code": "E1"}, "clerk": None, "writes": 7, "inApp": 4, "appShare": 4 / 7}
    ]
    result = await api.gql(
        ADOPTION, {"m": month, "store": "W1"}, token=manager
    )  # outside the manager's store
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    ops = await api.token_for("ops")
    experts = (await api.data(EXPERTS, {"m": month}, token=ops))["digitalExperts"]
    assert experts["rule"] == {"minWrites": 20, "minAppShare": 0.8, "topN": 10, "reward": ""}
    assert experts["ranking"] == [
        {"clerk": {"username": "clerk.e1"}, "writes": 7, "inApp": 4, "rewarded": False}
    ]
    rule = {"minWrites": 5, "minAppShare": 0.5, "topN": 1, "reward": " 200 yuan voucher "}
    for bad in ({"minWrites": 0}, {"minAppShare": 1.5}, {"topN": 101}, {"reward": " "}):
        result = await api.gql(SET_RULE, {"i": rule | bad}, token=ops)
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bad
    result = await api.gql(SET_RULE, {"i": rule}, token=manager)
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    saved = (await api.data(SET_RULE, {"i": rule}, token=ops))["setDigitalRewardRule"]
    assert saved["digitalRewardRule"]["reward"] == "200 yuan voucher"
    experts = (await api.data(EXPERTS, {"m": month}, token=ops))["digitalExperts"]
    assert experts["ranking"][0]["rewarded"] is True  # 7 writes, 57 % in the app
    stricter = await api.data(SET_RULE, {"i": rule | {"minAppShare": 0.6}}, token=ops)
    assert stricter["setDigitalRewardRule"]["digitalRewardRule"]["minAppShare"] == 0.6
    experts = (await api.data(EXPERTS, {"m": month}, token=ops))["digitalExperts"]
    assert experts["ranking"][0]["rewarded"] is False
