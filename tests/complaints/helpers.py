"""Complaint test steps: filing, moving, reading rows back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.conftest import Api
from tests.org_fixture import PASSWORD  # noqa: F401  (re-exported for tests that log in)

COMPLAINT = """complaint { id status category description receiptNo reopenCount
  store { code } assignee { username } filedBy { username }
  firstResponseDueAt resolutionDueAt firstRespondedAt resolvedAt closedAt resolution
  timeline { kind status note nextStep dueBy actor { username } assignee { username } }
  messages { body deliveredAt attempts } }"""

FILE = f"""mutation($input: FileComplaintInput!) {{
  fileComplaint(input: $input) {{ {COMPLAINT} }} }}"""
START = f"""mutation($input: ComplaintMoveInput!) {{
  startComplaintWork(input: $input) {{ {COMPLAINT} }} }}"""
RESOLVE = f"""mutation($input: ResolveComplaintInput!) {{
  resolveComplaint(input: $input) {{ {COMPLAINT} }} }}"""
CLOSE = f"""mutation($input: ComplaintMoveInput!) {{
  closeComplaint(input: $input) {{ {COMPLAINT} }} }}"""
REOPEN = f"""mutation($input: ReopenComplaintInput!) {{
  reopenComplaint(input: $input) {{ {COMPLAINT} }} }}"""
REASSIGN = f"""mutation($input: ReassignComplaintInput!) {{
  reassignComplaint(input: $input) {{ {COMPLAINT} }} }}"""
GET = f"""query($id: ID!) {{ {COMPLAINT.replace("complaint {", "complaint(id: $id) {", 1)} }}"""
LIST = """query($filter: ComplaintFilter, $first: Int, $after: String) {
  complaints(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id status store { code } assignee { username } } }
    pageInfo { hasNextPage endCursor } } }"""


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def complaint_input(**overrides: Any) -> dict[str, Any]:
    return {
        "storeCode": "E1",
        "category": "PRODUCT_QUALITY",
        "description": "昨天买的水果已经坏了",
        **overrides,
    }


async def sql(api: Api, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    async with api.engine.begin() as conn:
        result = await conn.execute(text(statement), params)
        return [tuple(r) for r in result.all()] if result.returns_rows else []


async def scalar(api: Api, statement: str, **params: Any) -> Any:
    rows = await sql(api, statement, **params)
    return rows[0][0]


async def add_staff(api: Api, username: str, role: str, region: str) -> None:
    """A region-level staff member (handlers, region managers) added straight to the table."""
    await sql(
        api,
        "INSERT INTO staff (username, display_name, role, region_id, status) "
        "SELECT CAST(:u AS text), CAST(:u AS text), :r, id, 'ACTIVE' FROM region WHERE code = :region",
        u=username,
        r=role,
        region=region,
    )


async def filed(api: Api, username: str = "clerk.e1", **overrides: Any) -> dict[str, Any]:
    data = await api.data(
        FILE, {"input": complaint_input(**overrides)}, token=await api.token_for(username)
    )
    complaint: dict[str, Any] = data["fileComplaint"]["complaint"]
    return complaint


async def move(
    api: Api, mutation: str, username: str, complaint_id: str, **fields: Any
) -> dict[str, Any]:
    """Run a move; the whole result (data or errors)."""
    return await api.gql(
        mutation,
        {"input": {"complaintId": complaint_id, **fields}},
        token=await api.token_for(username),
    )


async def counts(api: Api) -> dict[str, int]:
    tables = ("complaint", "complaint_timeline", "complaint_message", "photo_attachment", "event")
    return {t: await scalar(api, f"SELECT count(*) FROM {t}") for t in tables}


async def enrol_member(api: Api) -> dict[str, Any]:
    """A member enrolled by clerk.e1 (tests/members' phone number)."""
    from tests.members.conftest import ENROLL, new_member

    data = await api.data(ENROLL, {"input": new_member()}, token=await api.token_for("clerk.e1"))
    member: dict[str, Any] = data["enrollMember"]["member"]
    return member
