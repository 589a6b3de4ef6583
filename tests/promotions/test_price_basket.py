"""priceBasket over HTTP: the promotions in force at that store at that store-local time, the
member's prices and coupons, each line's discount with the promotion that gave it."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from tests.conftest import Api
from tests.promotions.helpers import (
    TODAY,
    coupon,
    create,
    day,
    enrol,
    errors_of,
    line,
    price,
    priced,
)

SHANGHAI, URUMQI = ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Urumqi")


def at(hour: int, tz: ZoneInfo) -> str:
    return datetime.combine(TODAY, time(hour), tz).isoformat()


async def test_a_clerk_prices_a_basket_with_the_promotion_that_gave_each_discount(api: Api) -> None:
    ten = await create(api, talkingPoints=["饮料九折"])
    threshold = await create(
        api,
        name="文具满 5 元减 1 元",
        mechanism="SPEND_THRESHOLD",
        percentOff=None,
        skus=["SKU-CORE-1", "SKU-CORE-2"],
        thresholdCents=500,
        amountOffCents=100,
        thresholdRepeats=True,
    )
    basket = await priced(
        api,
        "E1",
        [line("SKU-CORE-1", 3, 200), line("SKU-CORE-2", 4, 150), line("SKU-EAST-1", 1, 2800)],
    )
    water, pens, qingtuan = basket["lines"]
    # Water: 10 % of 6 yuan. Pens: 6 yuan, not on a line offer, reach 5 yuan once: 1 yuan off.
    assert (water["promotion"]["id"], water["discountCents"]) == (ten["id"], 60)
    assert water["promotion"]["talkingPoints"] == ["饮料九折"]
    assert (pens["promotion"]["id"], pens["discountCents"], pens["totalCents"]) == (
        threshold["id"],
        100,
        500,
    )
    assert (qingtuan["promotion"], qingtuan["discountCents"]) == (None, 0)
    assert (basket["subtotalCents"], basket["discountCents"], basket["totalCents"]) == (
        600 + 600 + 2800,
        160,
        3840,
    )
    assert water["explanation"] == ["春季饮料 9 折: 10% off, ¥0.60 off"]
    # Outside the promotions' scope (the west), nothing applies.
    west = await priced(api, "W1", [line("SKU-CORE-1", 3, 200)], "clerk.w1")
    assert west["discountCents"] == 0 and west["lines"][0]["promotion"] is None


async def test_hours_are_read_in_each_stores_own_time_zone(api: Api) -> None:
    window = {"startDate": day(-1), "endDate": day(1), "dailyStart": "14:00", "dailyEnd": "16:00"}
    await create(api, regionCodes=["EAST", "WEST"], window=window)
    lines = [line("SKU-CORE-1", 1, 1000)]
    shanghai_3pm = await priced(api, "E1", lines, "ops", at=at(15, SHANGHAI))
    shanghai_5pm = await priced(api, "E1", lines, "ops", at=at(17, SHANGHAI))
    assert (shanghai_3pm["discountCents"], shanghai_5pm["discountCents"]) == (100, 0)
    # 5 pm in Shanghai is 3 pm in Urumqi: the western store runs it then.
    urumqi = await priced(api, "W1", lines, "ops", at=at(17, SHANGHAI))
    assert urumqi["discountCents"] == 100
    assert urumqi["pricedAt"].endswith("+06:00")


async def test_weekdays_and_dates_bound_the_window(api: Api) -> None:
    weekday = datetime.combine(TODAY, time(12), SHANGHAI).isoweekday()
    await create(api, window={"startDate": day(-1), "endDate": day(5), "weekdays": [weekday]})
    await create(api, percentOff=30, window={"startDate": day(2), "endDate": day(5)})
    basket = await priced(api, "E1", [line("SKU-CORE-1", 1, 1000)], at=at(12, SHANGHAI))
    assert basket["discountCents"] == 100  # today's weekday; the 30 % starts the day after tomorrow


async def test_member_prices_and_members_only_need_the_member(api: Api) -> None:
    card = await enrol(api)
    await create(api, mechanism="MEMBER_PRICE", percentOff=None, memberPriceCents=150)
    await create(api, mechanism="POINTS_MULTIPLIER", percentOff=None, pointsMultiplier=3)
    lines = [line("SKU-CORE-1", 2, 200)]
    anonymous = await priced(api, "E1", lines)
    member = await priced(api, "E1", lines, member=card)
    assert anonymous["discountCents"] == 0 and anonymous["lines"][0]["pointsMultiplier"] == 1
    assert member["discountCents"] == 100  # 2 x (2.00 - 1.50)
    assert member["lines"][0]["pointsMultiplier"] == 3


async def test_coupons_come_off_after_promotions_and_must_be_the_members(api: Api) -> None:
    card = await enrol(api)
    other = await enrol(api, "13800138002")
    await create(api)
    mine = await coupon(api, card, 500)
    theirs = await coupon(api, other, 500)
    basket = await priced(api, "E1", [line("SKU-CORE-1", 5, 200)], member=card, coupons=[mine])
    [water] = basket["lines"]
    assert (water["promotionDiscountCents"], water["couponDiscountCents"]) == (100, 500)
    assert basket["totalCents"] == 400
    assert basket["coupons"] == [{"couponId": mine, "appliedCents": 500}]
    for more in ({"member": card, "coupons": [theirs]}, {"coupons": [mine]}):
        result = await price(api, "E1", [line("SKU-CORE-1", 1, 200)], **more)
        assert errors_of(result)[:2] == ("BAD_USER_INPUT", "INPUT_PROBLEMS"), more


async def test_drafts_and_requests_do_not_price(api: Api) -> None:
    await create(api, draft=True)
    await create(api, "sm.e1", regionCodes=[], percentOff=50)
    basket = await priced(api, "E1", [line("SKU-CORE-1", 1, 1000)])
    assert basket["discountCents"] == 0


async def test_bad_baskets_and_stores_outside_scope(api: Api) -> None:
    result = await price(api, "E1", [line("SKU-CORE-2", 1, 100), line("SKU-CORE-1", 0, -5)])
    code, reason, problems = errors_of(result)
    assert (code, reason) == ("BAD_USER_INPUT", "INPUT_PROBLEMS")
    assert problems == ["lines[1].quantity: 1-100000", "lines[1].unitPriceCents: 0-100000000"]
    unknown = await price(api, "E1", [line("SKU-CORE-1", 1, 100), line("SKU-NOPE", 1, 100)])
    assert errors_of(unknown)[0] == "NOT_FOUND"
    assert unknown["errors"][0]["extensions"]["argument"] == "sku"
    assert errors_of(await price(api, "W1", [line("SKU-CORE-1", 1, 100)]))[:2] == (
        "FORBIDDEN",
        "OUTSIDE_SCOPE",
    )
    assert errors_of(await price(api, "NOPE", [line("SKU-CORE-1", 1, 100)]))[0] == "NOT_FOUND"
