"""Regional requests: store and region managers ask for their own scope; HQ approves (the
overlap rules checked then) or rejects with a reason, and never the requester."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Forbidden
from api.domain.promotions import approval, store
from api.domain.promotions.rules import NewPromotion, Window
from db.models import PromotionMechanism, Role, Staff, TokenKind
from tests.conftest import Api
from tests.promotions.helpers import (
    APPROVE,
    CREATE,
    TODAY,
    count,
    create,
    errors_of,
    promotion_input,
)


async def decide(api: Api, promotion_id: str, username: str = "ops", **fields: object) -> dict:
    return await api.gql(
        APPROVE,
        {"input": {"promotionId": promotion_id, "approve": True, **fields}},
        token=await api.token_for(username),
    )


async def test_a_store_manager_requests_for_their_store_and_hq_approves(api: Api) -> None:
    request = await create(api, "sm.e1", regionCodes=[])
    assert (request["status"], request["approval"]) == ("DRAFT", "PENDING")
    assert [s["code"] for s in request["stores"]] == ["E1"]
    result = await decide(api, request["id"], reason="Fine")
    approved = result["data"]["approvePromotion"]["promotion"]
    assert (approved["status"], approved["approval"], approved["decidedBy"]) == (
        "ACTIVE",
        "APPROVED",
        "ops",
    )
    again = await decide(api, request["id"], reason="Fine")  # deciding again: as decided
    assert again["data"]["approvePromotion"]["promotion"] == approved


async def test_a_region_manager_requests_for_their_region(api: Api) -> None:
    request = await create(api, "rm.east", regionCodes=["EAST"])
    assert [s["code"] for s in request["stores"]] == ["E1", "E2"]
    assert request["approval"] == "PENDING"


async def test_a_request_outside_ones_scope_is_forbidden_and_writes_nothing(api: Api) -> None:
    for fields in ({"storeCodes": ["W1"], "regionCodes": []}, {"regionCodes": ["EAST"]}):
        result = await api.gql(
            CREATE, {"input": promotion_input(**fields)}, token=await api.token_for("sm.e1")
        )
        assert errors_of(result)[:2] == ("FORBIDDEN", "OUTSIDE_SCOPE")
    assert await count(api, "promotion") == 0


async def test_only_hq_decides_and_a_rejection_needs_a_reason(api: Api) -> None:
    request = await create(api, "sm.e1", regionCodes=[])
    for username in ("sm.e1", "rm.east", "clerk.e1"):
        assert errors_of(await decide(api, request["id"], username))[:2] == (
            "FORBIDDEN",
            "PERMISSION_REQUIRED",
        )
    no_reason = await decide(api, request["id"], approve=False)
    assert errors_of(no_reason)[:2] == ("BAD_USER_INPUT", "INPUT_PROBLEMS")
    rejected = await decide(
        api, request["id"], approve=False, reason="Clashes with the spring plan"
    )
    promotion = rejected["data"]["approvePromotion"]["promotion"]
    assert (promotion["status"], promotion["approval"]) == ("CANCELLED", "REJECTED")
    assert promotion["decisionReason"] == "Clashes with the spring plan"
    late = await decide(api, request["id"])  # a rejected request cannot be approved after all
    assert errors_of(late)[:2] == ("CONFLICT", "WRONG_STATUS")


async def test_hq_plans_are_not_requests(api: Api) -> None:
    plan = await create(api)
    assert errors_of(await decide(api, plan["id"]))[:2] == ("CONFLICT", "WRONG_STATUS")


async def test_approval_checks_the_overlap_rules(api: Api) -> None:
    request = await create(api, "sm.e1", regionCodes=[])
    running = await create(api, stacking="EXCLUSIVE", storeCodes=["E1"], regionCodes=[])
    result = await decide(api, request["id"])
    assert errors_of(result)[:2] == ("CONFLICT", "PROMOTION_OVERLAP")
    assert result["errors"][0]["extensions"]["promotionId"] == running["id"]
    data = await api.data(
        "query($id: ID!) { promotion(id: $id) { approval status } }",
        {"id": request["id"]},
        token=await api.token_for("ops"),
    )
    assert data["promotion"] == {"approval": "PENDING", "status": "DRAFT"}


async def test_the_requester_never_decides(org_session: AsyncSession) -> None:
    """A requester later moved to HQ still may not approve their own request."""
    async with org_session.begin():
        manager = await org_session.scalar(select(Staff).where(Staff.username == "sm.e1"))
        assert manager is not None
        as_manager = Actor(
            manager.id, "sm.e1", Role.STORE_MANAGER, manager.store_id, None, 0, TokenKind.SESSION
        )
        new = NewPromotion(
            name="本店饮料 9 折",
            mechanism=PromotionMechanism.PERCENT_OFF,
            percent_off=10,
            window=Window(TODAY, TODAY),
            skus=("SKU-CORE-1",),
        )
        now = datetime.now(UTC)
        promotion_id = await store.create_promotion(org_session, as_manager, new, now=now)
        as_hq = Actor(manager.id, "sm.e1", Role.HQ_OPERATIONS, None, None, 0, TokenKind.SESSION)
        with pytest.raises(Forbidden) as refused:
            await approval.decide(
                org_session, as_hq, promotion_id, approve=True, reason=None, now=now
            )
    assert refused.value.reason is ErrorReason.OWN_REQUEST
