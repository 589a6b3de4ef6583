"""recordSale with promotions and coupons: claims checked by the pricing engine (the line
named when one does not apply), the promotion stored on the line, coupons redeemed once, also
under concurrent replays and races between receipts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from api.domain import global_ids, sales
from api.domain.access import Actor
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict
from db.engine import create_session_factory
from db.models import Staff, TokenKind
from tests.conftest import Api
from tests.promotions.helpers import count, coupon, create, day, enrol, errors_of, line, priced
from tests.sales.helpers import SOLD_AT, sale_input

RUNNING = {"startDate": day(-2), "endDate": day(7)}  # the receipts are from yesterday
RECORD = """mutation($input: RecordSaleInput!) {
  recordSale(input: $input) {
    replayed
    sale { id totalCents discountCents lines { sku discountCents promotion { id name } } }
  }
}"""


def claimed(promotion_id: str | None, discount: int, quantity: int = 2) -> dict[str, Any]:
    return {
        "sku": "SKU-CORE-1",
        "quantity": quantity,
        "unitPriceCents": 200,
        "discountCents": discount,
        "promotionId": promotion_id,
    }


async def record(api: Api, username: str = "clerk.e1", **fields: Any) -> dict[str, Any]:
    return await api.gql(
        RECORD, {"input": sale_input(**fields)}, token=await api.token_for(username)
    )


async def test_a_claimed_promotion_is_stored_on_the_line(api: Api) -> None:
    promotion = await create(api, window=RUNNING)
    result = await record(api, lines=[claimed(promotion["id"], 40), line("SKU-CORE-2", 1, 150)])
    sale = result["data"]["recordSale"]["sale"]
    assert [(x["discountCents"], x["promotion"]) for x in sale["lines"]] == [
        (40, {"id": promotion["id"], "name": "春季饮料 9 折"}),
        (0, None),
    ]
    assert sale["totalCents"] == 400 - 40 + 150
    async with api.engine.connect() as conn:
        stored = (
            await conn.execute(text("SELECT promotion_id FROM sale_line ORDER BY line_no"))
        ).scalars()
        assert list(stored) == [
            global_ids.expect(promotion["id"], "Promotion", argument="id"),
            None,
        ]


async def test_a_claim_the_rules_do_not_give_names_the_line_and_writes_nothing(api: Api) -> None:
    east = await create(api, window=RUNNING)
    elsewhere = await create(api, percentOff=20, storeCodes=["E2"], regionCodes=[])
    cases: list[tuple[str, dict[str, Any], str]] = [
        # Not in the west, not at E1 (E2's), the wrong discount, a line offer on another SKU.
        (
            "clerk.w1",
            {"store": "W1", "lines": [claimed(east["id"], 40)]},
            "lines[0].promotionId: promotion",
        ),
        ("clerk.e1", {"lines": [claimed(elsewhere["id"], 80)]}, "lines[0].promotionId: promotion"),
        (
            "clerk.e1",
            {"lines": [claimed(east["id"], 50)]},
            "lines[0].discountCents: 50, but the rules give 40",
        ),
        (
            "clerk.e1",
            {
                "lines": [
                    line("SKU-CORE-2", 1, 150),
                    {**line("SKU-CORE-2", 1, 150), "promotionId": east["id"]},
                ]
            },
            "lines[1].promotionId: promotion",
        ),
    ]
    for username, fields, problem in cases:
        code, reason, problems = errors_of(await record(api, username, **fields))
        assert (code, reason) == ("BAD_USER_INPUT", "INPUT_PROBLEMS"), fields
        assert problems[0].startswith(problem), problems
    assert "no promotion applies" in problems[0]
    assert await count(api, "sale") == 0


async def test_a_claim_outside_its_hours_is_refused(api: Api) -> None:
    sold = datetime.fromisoformat(SOLD_AT)  # yesterday, Shanghai time
    hour = (sold.hour + 2) % 22
    window = {
        **RUNNING,
        "dailyStart": f"{hour:02d}:00",
        "dailyEnd": f"{hour + 1:02d}:00",
    }
    promotion = await create(api, window=window)
    result = await record(api, lines=[claimed(promotion["id"], 40)])
    assert errors_of(result)[:2] == ("BAD_USER_INPUT", "INPUT_PROBLEMS")


async def test_a_coupon_is_redeemed_once_and_a_replay_redeems_nothing(api: Api) -> None:
    card = await enrol(api)
    promotion = await create(api, window=RUNNING)
    coupon_id = await coupon(api, card, 300)
    basket = await priced(
        api,
        "E1",
        [line("SKU-CORE-1", 2, 200)],
        member=card,
        coupons=[coupon_id],
        at=SOLD_AT,
    )
    assert basket["lines"][0]["discountCents"] == 40 + 300  # 10 %, then the coupon
    fields: dict[str, Any] = {
        "memberCode": card,
        "couponIds": [coupon_id],
        "lines": [claimed(promotion["id"], 340)],
    }
    first = await record(api, **fields)
    assert first["data"]["recordSale"]["sale"]["totalCents"] == 60
    redeemed = await _coupon_rows(api)
    again = await record(api, **fields)
    assert again["data"]["recordSale"]["replayed"] is True
    assert await _coupon_rows(api) == redeemed
    other = await record(api, receiptNo="R-2", **fields)
    code, _, problems = errors_of(other)
    assert code == "BAD_USER_INPUT" and "was redeemed already" in problems[0]
    assert await count(api, "sale") == 1


async def test_with_a_coupon_every_line_must_be_as_priced(api: Api) -> None:
    card = await enrol(api)
    coupon_id = await coupon(api, card, 100)
    result = await record(api, memberCode=card, couponIds=[coupon_id], lines=[claimed(None, 0)])
    code, _, problems = errors_of(result)
    assert code == "BAD_USER_INPUT"
    assert problems == [
        "lines[0].discountCents: 0, but the rules give 100 (priceBasket explains it)"
    ]


async def test_concurrent_replays_redeem_the_coupon_once(api: Api) -> None:
    card = await enrol(api)
    coupon_id = await coupon(api, card, 300)
    fields: dict[str, Any] = {
        "memberCode": card,
        "couponIds": [coupon_id],
        "lines": [claimed(None, 300)],
    }
    token = await api.token_for("clerk.e1")
    answers = await asyncio.gather(
        *(api.gql(RECORD, {"input": sale_input(**fields)}, token=token) for _ in range(3))
    )
    assert all("errors" not in a for a in answers), answers
    assert sorted(a["data"]["recordSale"]["replayed"] for a in answers) == [False, True, True]
    assert await count(api, "sale") == 1
    [(sale_id, redeemed_sale_id)] = await _coupon_rows(api)
    assert redeemed_sale_id == sale_id


async def test_two_receipts_racing_for_one_coupon_one_wins(api: Api) -> None:
    """The second receipt passes its check before the first commits, then finds the coupon
    gone when it redeems: CONFLICT, and its sale is not written."""
    card = await enrol(api)
    coupon_id = await coupon(api, card, 300)
    sessions = create_session_factory(api.engine)
    async with sessions() as s:
        staff = await s.scalar(select(Staff).where(Staff.username == "clerk.e1"))
        assert staff is not None
    actor = Actor(staff.id, staff.username, staff.role, staff.store_id, None, 0, TokenKind.SESSION)
    coupon_row = global_ids.expect(coupon_id, "MemberCoupon", argument="id")

    def sale(receipt: str) -> sales.NewSale:
        return sales.NewSale(
            store_code="E1",
            receipt_no=receipt,
            sold_at=datetime.fromisoformat(SOLD_AT),
            lines=[sales.SaleLineInput("SKU-CORE-1", 2, 200, 300)],
            member_code=card,
            coupon_ids=(coupon_row,),
        )

    now = datetime.now(UTC)
    async with sessions() as first, sessions() as second:
        await first.begin()
        await sales.record_sale(first, actor, sale("R-A"), now=now)

        async def racing() -> None:
            async with second.begin():
                await sales.record_sale(second, actor, sale("R-B"), now=now)

        task = asyncio.create_task(racing())
        await asyncio.sleep(0.2)  # let the second reach the lock the first holds
        assert not task.done()
        await first.commit()
        with pytest.raises(Conflict) as lost:
            await task
    assert lost.value.reason is ErrorReason.COUPON_UNAVAILABLE
    assert await count(api, "sale") == 1


async def _coupon_rows(api: Api) -> list[tuple[Any, ...]]:
    async with api.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT s.id, c.redeemed_sale_id FROM member_coupon c "
                "LEFT JOIN sale s ON s.id = c.redeemed_sale_id ORDER BY c.id"
            )
        )
        return [tuple(r) for r in rows]
