"""Shared steps for promotion tests: a promotion input, creating one, counting rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from tests.conftest import Api

PROMOTION_FIELDS = """id name mechanism status stacking couponsAllowed membersOnly percentOff
  amountOffCents buyQuantity getQuantity thresholdCents thresholdRepeats memberPriceCents
  pointsMultiplier window { startDate endDate dailyStart dailyEnd weekdays } skus
  stores { code } budgetCents talkingPoints createdBy approval decidedBy decisionReason"""

CREATE = f"""mutation($input: CreatePromotionInput!) {{
  createPromotion(input: $input) {{ promotion {{ {PROMOTION_FIELDS} }} }}
}}"""

APPROVE = f"""mutation($input: ApprovePromotionInput!) {{
  approvePromotion(input: $input) {{ promotion {{ {PROMOTION_FIELDS} }} }}
}}"""

TODAY = datetime.now(UTC).date()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def promotion_input(**fields: Any) -> dict[str, Any]:
    """10 % off SKU-CORE-1 in the east, running from yesterday to a week ahead."""
    base: dict[str, Any] = {
        "name": "春季饮料 9 折",
        "mechanism": "PERCENT_OFF",
        "percentOff": 10,
        "window": {"startDate": day(-1), "endDate": day(7)},
        "regionCodes": ["EAST"],
        "skus": ["SKU-CORE-1"],
        "talkingPoints": ["饮料今天九折"],
    }
    base.update(fields)
    return base


def errors_of(result: dict[str, Any]) -> tuple[str, str | None, list[str]]:
    """The first error's code, reason and listed problems."""
    [error, *_] = result["errors"]
    extensions = error["extensions"]
    return extensions["code"], extensions.get("reason"), extensions.get("problems", [])


async def create(api: Api, username: str = "ops", **fields: Any) -> dict[str, Any]:
    data = await api.data(
        CREATE, {"input": promotion_input(**fields)}, token=await api.token_for(username)
    )
    promotion: dict[str, Any] = data["createPromotion"]["promotion"]
    return promotion


async def count(api: Api, table: str) -> int:
    async with api.engine.connect() as conn:
        return int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


PRICE = """query($store: String!, $lines: [BasketLineInput!]!, $member: String, $coupons: [ID!],
              $at: DateTime) {
  priceBasket(storeCode: $store, lines: $lines, memberCode: $member, couponIds: $coupons, at: $at) {
    store { code } pricedAt subtotalCents discountCents totalCents
    coupons { couponId appliedCents }
    lines { lineNo sku quantity subtotalCents promotionDiscountCents couponDiscountCents
            discountCents totalCents pointsMultiplier explanation
            promotion { id name talkingPoints } pointsPromotion { id } }
  }
}"""


def line(sku: str, quantity: int, price: int) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, "unitPriceCents": price}


async def price(
    api: Api, store: str, lines: list[dict[str, Any]], username: str = "clerk.e1", **more: Any
) -> dict[str, Any]:
    result = await api.gql(
        PRICE, {"store": store, "lines": lines, **more}, token=await api.token_for(username)
    )
    return result


async def priced(
    api: Api, store: str, lines: list[dict[str, Any]], username: str = "clerk.e1", **more: Any
) -> dict[str, Any]:
    result = await price(api, store, lines, username, **more)
    assert "errors" not in result, result["errors"]
    basket: dict[str, Any] = result["data"]["priceBasket"]
    return basket


async def enrol(api: Api, phone: str = "13800138001") -> str:
    """A member enrolled at E1; their card number."""
    data = await api.data(
        "mutation($i: EnrollMemberInput!) { enrollMember(input: $i) { member { cardNumber } } }",
        {"i": {"phone": phone, "displayName": "王芳", "marketingConsent": False}},
        token=await api.token_for("clerk.e1"),
    )
    card: str = data["enrollMember"]["member"]["cardNumber"]
    return card


async def coupon(api: Api, card: str, value_cents: int, *, days: int = 30) -> str:
    """A complaint-compensation coupon credited to the member directly; its global id."""
    from api.domain import global_ids

    async with api.engine.begin() as conn:
        coupon_id = await conn.scalar(
            text(
                "INSERT INTO member_coupon (member_id, value_cents, issued_by_id, expires_at) "
                "SELECT m.id, :value, s.id, now() + make_interval(days => :days) "
                "FROM member m, staff s WHERE m.card_number = :card AND s.username = 'ops' "
                "RETURNING id"
            ),
            {"value": value_cents, "days": days, "card": card},
        )
    return global_ids.encode("MemberCoupon", int(coupon_id))
