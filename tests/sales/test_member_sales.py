"""recordSale and recordReturn with a member: points earned on what was paid, redeemed
atomically, reversed on returns, and the purchase on the member card at any store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text

from api.domain import global_ids
from api.domain.members import points as member_points
from db.engine import create_session_factory
from db.models import Store
from db.models.members import MemberTier
from tests.conftest import Api
from tests.members.conftest import ENROLL, MASKED, NATIONAL, assert_no_phone, new_member
from tests.sales.helpers import RECORD_SALE, code_of, count, receive, sale_input
from tests.sales.test_returns import RETURN

CARD = """query($c: String!) { memberByCode(code: $c) {
  points tier recentPurchases(first: 5) { edges { node { receiptNo totalCents store { code } } } }
} }"""
# 2 x 200 with 50 off: 350 paid.
LINE = {"sku": "SKU-CORE-1", "quantity": 2, "unitPriceCents": 200, "discountCents": 50}


async def enrol(api: Api) -> dict[str, Any]:
    data = await api.data(ENROLL, {"input": new_member()}, token=await api.token_for("clerk.e1"))
    member: dict[str, Any] = data["enrollMember"]["member"]
    return member


async def card(api: Api, number: str) -> dict[str, Any]:
    data = await api.data(CARD, {"c": number}, token=await api.token_for("sm.e1"))
    result: dict[str, Any] = data["memberByCode"]
    return result


async def give_points(api: Api, member: dict[str, Any], points: int) -> None:
    async with create_session_factory(api.engine)() as s, s.begin():
        await member_points.grant_bonus(
            s, member_id=global_ids.expect(member["id"], "Member", argument="id"), points=points
        )


async def test_a_member_sale_earns_points_and_shows_on_the_card_at_any_store(api: Api) -> None:
    member = await enrol(api)
    await receive(api, "E2", "SKU-CORE-1", 10)
    before = (await card(api, member["cardNumber"]))["points"]
    sale = sale_input("R-M1", store="E2", lines=[LINE], memberCode=member["cardNumber"])
    await api.data(RECORD_SALE, {"input": sale}, token=await api.token_for("clerk.e2"))
    after = await card(api, member["cardNumber"])
    assert after["points"] - before == member_points.points_for(350, MemberTier(after["tier"]))
    assert after["points"] > before
    purchase = after["recentPurchases"]["edges"][0]["node"]
    assert purchase == {"receiptNo": "R-M1", "totalCents": 350, "store": {"code": "E2"}}
    # A replay of the receipt earns nothing more.
    await api.data(RECORD_SALE, {"input": sale}, token=await api.token_for("clerk.e2"))
    assert (await card(api, member["cardNumber"]))["points"] == after["points"]


async def test_redeemed_points_are_money_off_and_earning_is_on_what_was_paid(api: Api) -> None:
    member = await enrol(api)
    await give_points(api, member, 100)
    start = (await card(api, member["cardNumber"]))["points"]
    sale = sale_input("R-M2", lines=[LINE], memberCode=member["cardNumber"], pointsRedeemed=50)
    data = await api.data(RECORD_SALE, {"input": sale}, token=await api.token_for("clerk.e1"))
    assert data["recordSale"]["sale"]["pointsRedeemed"] == 50
    tier = MemberTier((await card(api, member["cardNumber"]))["tier"])
    earned = member_points.points_for(350 - 50 * member_points.CENTS_PER_POINT_REDEEMED, tier)
    assert (await card(api, member["cardNumber"]))["points"] == start - 50 + earned


async def test_redeeming_more_than_the_balance_refuses_the_whole_sale(api: Api) -> None:
    member = await enrol(api)
    balance = (await card(api, member["cardNumber"]))["points"]
    sales_before = await count(api, "sale")
    sale = sale_input(
        "R-M3", lines=[LINE], memberCode=member["cardNumber"], pointsRedeemed=balance + 1
    )
    result = await api.gql(RECORD_SALE, {"input": sale}, token=await api.token_for("clerk.e1"))
    assert code_of(result) in ("CONFLICT", "BAD_USER_INPUT"), result
    assert await count(api, "sale") == sales_before
    assert (await card(api, member["cardNumber"]))["points"] == balance


async def test_bad_member_codes_refuse_the_sale_and_write_nothing(api: Api) -> None:
    member = await enrol(api)
    sales_before = await count(api, "sale")
    forged = member["cardNumber"][:-1] + str((int(member["cardNumber"][-1]) + 1) % 10)
    for code, expected in [
        (forged, "BAD_USER_INPUT"),  # Luhn check digit wrong
        ("M1.not-a-signed-code", "BAD_USER_INPUT"),
        ("4000000000000002", "NOT_FOUND"),  # well-formed card of nobody
    ]:
        sale = sale_input("R-M4", lines=[LINE], memberCode=code)
        result = await api.gql(RECORD_SALE, {"input": sale}, token=await api.token_for("clerk.e1"))
        assert code_of(result) in (expected, "BAD_USER_INPUT"), (code, result)
    assert await count(api, "sale") == sales_before


async def test_a_return_takes_back_points_in_proportion(api: Api) -> None:
    member = await enrol(api)
    await give_points(api, member, 1000)
    lines = [{"sku": "SKU-CORE-1", "quantity": 10, "unitPriceCents": 10000}]  # 1000 yuan
    sale = sale_input("R-M5", lines=lines, memberCode=member["cardNumber"])
    await api.data(RECORD_SALE, {"input": sale}, token=await api.token_for("clerk.e1"))
    after_sale = (await card(api, member["cardNumber"]))["points"]
    returned = await api.data(
        RETURN,
        {
            "input": {
                "storeCode": "E2",
                "originalStoreCode": "E1",
                "receiptNo": "R-M5",
                "lines": [{"sku": "SKU-CORE-1", "quantity": 5, "resaleable": True}],
            }
        },
        token=await api.token_for("clerk.e2"),
    )
    reversed_points = returned["recordReturn"]["saleReturn"]["pointsReversed"]
    assert reversed_points > 0
    assert (await card(api, member["cardNumber"]))["points"] == after_sale - reversed_points
    async with api.engine.connect() as conn:
        stored = await conn.scalar(text("SELECT points_reversed FROM sale_return"))
        store_id = await conn.scalar(select(Store.id).where(Store.code == "E2"))
    assert stored == reversed_points and store_id is not None


SALE_WITH_MEMBER = """mutation($input: RecordSaleInput!) {
  recordSale(input: $input) { sale { receiptNo member { displayName points phoneMasked } } }
}"""


async def test_the_member_nested_under_a_sale_follows_the_phone_rules(api: Api) -> None:
    member = await enrol(api)
    await receive(api, "E1", "SKU-CORE-1", 10)
    sale = sale_input("R-M6", lines=[LINE], memberCode=member["cardNumber"])
    response = await api.post(
        SALE_WITH_MEMBER, {"input": sale}, token=await api.token_for("clerk.e1")
    )
    assert_no_phone(response.text)
    body = response.json()
    assert body["data"]["recordSale"]["sale"]["member"]["displayName"] == "王芳"
    assert body["data"]["recordSale"]["sale"]["member"]["phoneMasked"] is None
    assert {
        "path": ["recordSale", "sale", "member", "phoneMasked"],
        "reason": "PERMISSION_REQUIRED",
        "permission": "VIEW_MEMBER_PHONE_MASKED",
    } in body["extensions"]["hiddenFields"]
    # The store's manager replaying the receipt sees the masked form, and only that.
    manager = await api.post(SALE_WITH_MEMBER, {"input": sale}, token=await api.token_for("sm.e1"))
    assert manager.json()["data"]["recordSale"]["sale"]["member"]["phoneMasked"] == MASKED
    assert NATIONAL not in manager.text
