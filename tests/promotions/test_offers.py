"""applicableOffers: the promotions a customer can use now, ranked by the member's purchases
and taste for each mechanism (scores worked by hand), with talking points and coupons."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.promotions.helpers import coupon, create, day, enrol, errors_of
from tests.sales.helpers import sale_input

OFFERS = """query($store: String!, $member: String) {
  applicableOffers(storeCode: $store, memberCode: $member) {
    offers { score reason talkingPoints promotion { id name } }
    coupons { couponId valueCents talkingPoint }
  }
}"""
RECORD = "mutation($i: RecordSaleInput!) { recordSale(input: $i) { sale { id } } }"
RUNNING = {"startDate": day(-2), "endDate": day(7)}


async def offers(api: Api, member: str | None = None, store: str = "E1") -> Any:
    result = await api.gql(
        OFFERS, {"store": store, "member": member}, token=await api.token_for("clerk.e1")
    )
    return result


async def test_offers_are_ranked_by_what_the_member_buys_and_how(api: Api) -> None:
    card = await enrol(api)
    water = await create(api, name="饮料 9 折", window=RUNNING, talkingPoints=["饮料九折"])
    pens = await create(
        api,
        name="笔立减 5 角",
        window=RUNNING,
        mechanism="AMOUNT_OFF",
        percentOff=None,
        amountOffCents=50,
        skus=["SKU-CORE-2"],
        talkingPoints=["中性笔每支减 5 角"],
    )
    token = await api.token_for("clerk.e1")
    pen = {"sku": "SKU-CORE-2", "quantity": 1, "unitPriceCents": 150}
    claimed_water = {
        "sku": "SKU-CORE-1",
        "quantity": 2,
        "unitPriceCents": 200,
        "discountCents": 40,
        "promotionId": water["id"],
    }
    for receipt, lines in (("R-1", [pen]), ("R-2", [pen]), ("R-3", [claimed_water])):
        await api.data(
            RECORD, {"i": sale_input(receipt, lines=lines, memberCode=card)}, token=token
        )
    member_price = await create(
        api,
        name="会员价水",
        window=RUNNING,
        mechanism="MEMBER_PRICE",
        percentOff=None,
        memberPriceCents=150,
    )
    five = await coupon(api, card, 500)
    data = (await offers(api, card))["data"]["applicableOffers"]
    # Shares as the member card has them (3 decimals). Pens: bought in 2 of 3 visits. Water
    # 10 %: 1 of 3, plus half of 1 of 3 using 10 % off. Member price: water, 1 of 3, a
    # mechanism never used.
    assert [(o["promotion"]["id"], o["score"]) for o in data["offers"]] == [
        (pens["id"], 0.667),
        (water["id"], 0.4995),
        (member_price["id"], 0.333),
    ]
    assert data["offers"][0]["reason"] == "buys SKU-CORE-2 in 67% of visits"
    assert data["offers"][1]["talkingPoints"] == ["饮料九折"]
    assert data["offers"][1]["reason"] == (
        "buys SKU-CORE-1 in 33% of visits; used PERCENT_OFF offers in 33% of visits"
    )
    [offered] = data["coupons"]
    assert (offered["couponId"], offered["valueCents"]) == (five, 500)
    assert offered["talkingPoint"].startswith("You have a ¥5 coupon, valid until ")
    # Without a member: no members-only offers, no coupons, oldest first.
    anonymous = (await offers(api))["data"]["applicableOffers"]
    assert [o["promotion"]["id"] for o in anonymous["offers"]] == [water["id"], pens["id"]]
    assert anonymous["coupons"] == []


async def test_offers_only_at_stores_in_scope_and_in_force(api: Api) -> None:
    await create(api, window={"startDate": day(3), "endDate": day(7)})
    assert (await offers(api))["data"]["applicableOffers"]["offers"] == []
    assert errors_of(await offers(api, store="W1"))[:2] == ("FORBIDDEN", "OUTSIDE_SCOPE")
