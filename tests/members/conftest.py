"""Member test helpers: a phone number whose digits are searched for in every response."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Api

PHONE_TYPED = "+86 139-7531 8642"
PHONE_E164 = "+8613975318642"
NATIONAL = "13975318642"
MASKED = "********642"

ENROLL = """mutation($input: EnrollMemberInput!) {
  enrollMember(input: $input) { member { id cardNumber displayName tier points } }
}"""

CARD = """fragment Card on Member {
  id cardNumber displayName tier points tags marketingConsent
  enrolledStore { code }
  preferences { tags topCategories { key } topProducts { key } promotionTypes { key share } }
  recentPurchases(first: 5) { edges { node { receiptNo totalCents store { code } } } }
}"""


def phone_runs(national: str = NATIONAL, shortest: int = 5) -> set[str]:
    """Every run of `shortest` or more consecutive digits of the number."""
    return {
        national[i:j] for i in range(len(national)) for j in range(i + shortest, len(national) + 1)
    }


def assert_no_phone(text: str, national: str = NATIONAL) -> None:
    digits_only = re.sub(r"[\s\-]", "", text)
    leaked = {run for run in phone_runs(national) if run in digits_only}
    assert not leaked, f"phone digits leaked: {sorted(leaked)[:3]}"
    assert "****" not in text


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def new_member(**extra: Any) -> dict[str, Any]:
    return {
        "phone": PHONE_TYPED,
        "displayName": "王芳",
        "marketingConsent": True,
        "tags": ["sugar-free"],
        **extra,
    }


@pytest.fixture
async def enrolled(api: Api) -> dict[str, Any]:
    """A member enrolled by clerk.e1 at E1."""
    data = await api.data(ENROLL, {"input": new_member()}, token=await api.token_for("clerk.e1"))
    member: dict[str, Any] = data["enrollMember"]["member"]
    return member
