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
