"""createPromotion over HTTP: every mechanism, the window and scope, bad input refused with
nothing written, the overlap refusal naming the promotion already running, idempotency."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.promotions.helpers import CREATE, count, create, day, errors_of, promotion_input

MECHANISMS: list[dict[str, Any]] = [
    {"mechanism": "PERCENT_OFF", "percentOff": 15},
    {"mechanism": "AMOUNT_OFF", "amountOffCents": 50},
    {"mechanism": "BUY_X_GET_Y", "buyQuantity": 2, "getQuantity": 1},
    {
        "mechanism": "SPEND_THRESHOLD",
        "thresholdCents": 10000,
        "amountOffCents": 3000,
        "thresholdRepeats": True,
    },
    {"mechanism": "SECOND_ITEM_DISCOUNT", "percentOff": 50},
    {"mechanism": "MEMBER_PRICE", "memberPriceCents": 150},
    {"mechanism": "POINTS_MULTIPLIER", "pointsMultiplier": 2},
]


async def test_hq_schedules_every_mechanism(api: Api) -> None:
    for numbers in MECHANISMS:  # BEST_OF: they may all overlap
        promotion = await create(api, **{"percentOff": None, **numbers})
        for key, value in numbers.items():
            assert promotion[key] == value
        assert promotion["status"] == "ACTIVE"  # yesterday to a week ahead
        assert promotion["membersOnly"] is (numbers["mechanism"] == "MEMBER_PRICE")
        assert promotion["approval"] is None and promotion["createdBy"] == "ops"
    assert await count(api, "promotion") == len(MECHANISMS)


async def test_scope_and_window_as_planned(api: Api) -> None:
    promotion = await create(
        api,
        regionCodes=[],
        storeCodes=["W1"],
        storeTypes=[],
        skus=[],
        categories=["BEVERAGES", "STATIONERY"],
        window={
            "startDate": day(3),
            "endDate": day(10),
            "dailyStart": "14:00",
            "dailyEnd": "16:00",
            "weekdays": [6, 7],
        },
        budgetCents=500000,
    )
    assert promotion["status"] == "SCHEDULED"
    assert [s["code"] for s in promotion["stores"]] == ["W1"]
    assert promotion["skus"] == ["SKU-CORE-1", "SKU-CORE-2"]
    assert promotion["window"] == {
        "startDate": day(3),
        "endDate": day(10),
        "dailyStart": "14:00",
        "dailyEnd": "16:00",
        "weekdays": [6, 7],
    }
    assert promotion["budgetCents"] == 500000


async def test_store_types_narrow_the_region(api: Api) -> None:
    promotion = await create(api, storeTypes=["SCHOOL"])
    assert [s["code"] for s in promotion["stores"]] == ["E2"]


async def test_a_clerk_sees_only_the_stores_in_scope(api: Api) -> None:
    promotion = await create(api, regionCodes=["EAST", "WEST"])
    data = await api.data(
        "query($id: ID!) { promotion(id: $id) { stores { code } } }",
        {"id": promotion["id"]},
        token=await api.token_for("clerk.w1"),
    )
    assert data["promotion"]["stores"] == [{"code": "W1"}]


BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"mechanism": "AMOUNT_OFF", "percentOff": None, "amountOffCents": -50}, "amountOffCents"),
    ({"percentOff": -10}, "percentOff: -10 is not 1 to 90"),
    ({"window": {"startDate": day(5), "endDate": day(2)}}, "window.endDate: before"),
    ({"window": {"startDate": day(-9), "endDate": day(-5)}}, "window.endDate: has passed"),
    (
        {
            "window": {
                "startDate": day(1),
                "endDate": day(2),
                "dailyStart": "16:00",
                "dailyEnd": "14:00",
            }
        },
        "window.dailyEnd",
    ),
    ({"skus": ["SKU-NOPE"]}, "skus: unknown SKU 'SKU-NOPE'"),
    ({"storeCodes": ["NOPE"], "regionCodes": []}, "storeCodes: no store 'NOPE'"),
    ({"regionCodes": ["NORTH"]}, "regionCodes: no region 'NORTH'"),
    ({"categories": ["TOYS"], "skus": []}, "categories: no product in 'TOYS'"),
    ({"skus": []}, "skus, categories"),
    ({"amountOffCents": 100}, "amountOffCents: not used by PERCENT_OFF"),
    ({"mechanism": "BUY_X_GET_Y", "percentOff": None, "buyQuantity": 2}, "getQuantity: required"),
    (
        {
            "mechanism": "SPEND_THRESHOLD",
            "percentOff": None,
            "thresholdCents": 3000,
            "amountOffCents": 3000,
            "thresholdRepeats": False,
        },
        "amountOffCents: must be less than thresholdCents",
    ),
    (
        {"mechanism": "MEMBER_PRICE", "percentOff": None, "memberPriceCents": 250},
        "memberPriceCents: not below SKU-CORE-1's price 200",
    ),
    ({"regionCodes": ["WEST"], "skus": ["SKU-EAST-1"]}, "skus: SKU-EAST-1 is a regional SKU"),
    ({"name": " "}, "name: 1 to 200 characters"),
]


async def test_bad_input_is_refused_with_nothing_written(api: Api) -> None:
    token = await api.token_for("ops")
    for fields, problem in BAD_INPUT:
        result = await api.gql(CREATE, {"input": promotion_input(**fields)}, token=token)
        code, reason, problems = errors_of(result)
        assert (code, reason) == ("BAD_USER_INPUT", "INPUT_PROBLEMS"), fields
        assert any(problem in p for p in problems), (fields, problems)
    assert await count(api, "promotion") == 0
    assert await count(api, "promotion_store") == 0
    assert await count(api, "idempotency_record") == 0


async def test_a_bad_hour_is_bad_input(api: Api) -> None:
    window = {"startDate": day(1), "endDate": day(2), "dailyStart": "2pm", "dailyEnd": "16:00"}
    result = await api.gql(
        CREATE, {"input": promotion_input(window=window)}, token=await api.token_for("ops")
    )
    assert errors_of(result)[:2] == ("BAD_USER_INPUT", "INPUT_PROBLEMS")


async def test_a_clerk_may_not_create_promotions(api: Api) -> None:
    result = await api.gql(
        CREATE, {"input": promotion_input()}, token=await api.token_for("clerk.e1")
    )
    assert errors_of(result)[:2] == ("FORBIDDEN", "PERMISSION_REQUIRED")


async def test_an_exclusive_overlap_is_refused_naming_the_promotion_running(api: Api) -> None:
    first = await create(
        api, name="独家 9 折", stacking="EXCLUSIVE", storeCodes=["E1"], regionCodes=[]
    )
    result = await api.gql(
        CREATE,
        {
            "input": promotion_input(
                name="第二件半价", mechanism="SECOND_ITEM_DISCOUNT", percentOff=50
            )
        },
        token=await api.token_for("ops"),
    )
    code, reason, _ = errors_of(result)
    assert (code, reason) == ("CONFLICT", "PROMOTION_OVERLAP")
    extensions = result["errors"][0]["extensions"]
    assert extensions["promotionId"] == first["id"]
    assert extensions["storeCode"] == "E1"
    assert "独家 9 折" in result["errors"][0]["message"]
    assert await count(api, "promotion") == 1


async def test_overlaps_the_rules_allow(api: Api) -> None:
    await create(api, stacking="EXCLUSIVE", storeCodes=["E1"], regionCodes=[])
    # Another store, another SKU, other hours, or points (another lane): no stacking.
    await create(api, regionCodes=["WEST"])
    await create(api, skus=["SKU-CORE-2"])
    await create(api, mechanism="POINTS_MULTIPLIER", percentOff=None, pointsMultiplier=2)
    # Two BEST_OF promotions may overlap: the better one wins each line.
    await create(api, storeCodes=["E2"], regionCodes=[])
    await create(api, storeCodes=["E2"], regionCodes=[], percentOff=20)
    assert await count(api, "promotion") == 6


async def test_hours_that_do_not_meet_do_not_overlap(api: Api) -> None:
    morning = {"startDate": day(1), "endDate": day(3), "dailyStart": "08:00", "dailyEnd": "12:00"}
    afternoon = {**morning, "dailyStart": "12:00", "dailyEnd": "18:00"}
    weekend = {"startDate": day(1), "endDate": day(9), "weekdays": [6, 7]}
    await create(api, stacking="EXCLUSIVE", window=morning)
    await create(api, stacking="EXCLUSIVE", window=afternoon)
    result = await api.gql(
        CREATE,
        {"input": promotion_input(stacking="EXCLUSIVE", window=weekend)},
        token=await api.token_for("ops"),
    )
    assert errors_of(result)[:2] == ("CONFLICT", "PROMOTION_OVERLAP")


async def test_a_draft_does_not_block_and_is_not_blocked(api: Api) -> None:
    await create(api, stacking="EXCLUSIVE", draft=True)
    draft = await create(api, stacking="EXCLUSIVE")
    assert draft["status"] == "ACTIVE"


async def test_the_idempotency_key_replays_and_refuses_other_content(api: Api) -> None:
    token = await api.token_for("ops")
    variables = {"input": promotion_input(idempotencyKey="k-1")}
    first = await api.data(CREATE, variables, token=token)
    again = await api.data(CREATE, variables, token=token)
    assert again == first
    assert await count(api, "promotion") == 1
    other = await api.gql(
        CREATE, {"input": promotion_input(idempotencyKey="k-1", percentOff=20)}, token=token
    )
    assert errors_of(other)[:2] == ("CONFLICT", "IDEMPOTENCY_KEY_REUSED")
