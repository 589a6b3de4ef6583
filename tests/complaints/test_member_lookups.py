"""Complaint.member opens a member card: it counts toward the caller's hourly look-up ceiling
like Sale.member and memberByCode, and a page of complaints records its members in one batch
(a fixed number of statements however many members)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.complaints.helpers import filed, scalar
from tests.conftest import Api, running_api
from tests.members.conftest import ENROLL

PAGE = """query { complaints(first: 50) { edges { node { id member { displayName } } } } }"""
CEILING = 4  # region managers' distinct members per hour, here


@pytest.fixture
async def low_ceiling_api(org_db: str) -> AsyncIterator[Api]:
    async with running_api(org_db, member_lookup_ceilings={"REGION_MANAGER": CEILING}) as api:
        yield api


async def complaint_of_a_new_member(api: Api, n: int) -> None:
    member = {"phone": f"+86 139 0000 {1000 + n}", "displayName": f"M{n}", "marketingConsent": True}
    data = await api.data(ENROLL, {"input": member}, token=await api.token_for("clerk.e1"))
    await filed(api, memberCode=data["enrollMember"]["member"]["cardNumber"])


async def views_of(api: Api, username: str) -> int:
    return int(
        await scalar(
            api,
            "SELECT count(DISTINCT member_id) FROM member_view v JOIN staff s ON s.id = v.staff_id"
            f" WHERE s.username = '{username}'",
        )
    )


async def page(api: Api, token: str) -> tuple[dict[str, Any], int]:
    with api.count_sql() as statements:
        result = await api.gql(PAGE, token=token)
    return result, len(statements)


async def test_complaint_members_count_toward_the_ceiling_in_one_batch(
    low_ceiling_api: Api,
) -> None:
    api = low_ceiling_api
    token = await api.token_for("rm.east")
    await complaint_of_a_new_member(api, 1)
    first, small = await page(api, token)
    assert "errors" not in first, first
    assert await views_of(api, "rm.east") == 1  # counted, as Sale.member would be

    for n in (2, 3):
        await complaint_of_a_new_member(api, n)
    result, larger = await page(api, token)
    assert "errors" not in result, result
    assert await views_of(api, "rm.east") == 3
    assert larger == small  # three members cost what one did: one batch

    for n in (4, 5, 6):
        await complaint_of_a_new_member(api, n)
    result, _ = await page(api, token)
    # Six members on the page, four allowed an hour: two cards refused, the rest shown.
    members = [edge["node"]["member"] for edge in result["data"]["complaints"]["edges"]]
    assert sum(m is not None for m in members) == CEILING
    refused = result["errors"]
    assert len(refused) == 2
    assert {e["extensions"]["code"] for e in refused} == {"RATE_LIMITED"}
    assert {e["extensions"]["reason"] for e in refused} == {"MEMBER_LOOKUP_CEILING"}
    assert await views_of(api, "rm.east") == CEILING
    alerts = await scalar(
        api, "SELECT count(*) FROM privacy_alert WHERE kind = 'LOOKUP_CEILING_REACHED'"
    )
    assert alerts == 1
