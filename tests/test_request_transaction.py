"""A request is one transaction, and its answer never claims what was rolled back.

When any field of a mutation fails, the whole request is rolled back (no partial write); so
no field of it may answer with data, or a client would take that field for done.
"""

from __future__ import annotations

from sqlalchemy import func, select

from db.engine import create_session_factory
from db.models import Member
from tests.conftest import Api
from tests.members.conftest import new_member

TWO_ENROLMENTS = """mutation($a: EnrollMemberInput!, $b: EnrollMemberInput!) {
  first: enrollMember(input: $a) { member { id } }
  second: enrollMember(input: $b) { member { id } }
}"""


async def members(api: Api) -> int:
    async with create_session_factory(api.engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_a_failed_field_rolls_back_the_request_and_no_field_answers_done(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    before = await members(api)
    good = new_member(phone="139 1111 2222")
    bad = new_member(phone="139 1111 2222", displayName=" ")  # no name: refused
    result = await api.gql(TWO_ENROLMENTS, {"a": good, "b": bad}, token=token)
    assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"]
    assert result["data"] is None
    assert await members(api) == before


async def test_both_fields_succeeding_commit_together(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    before = await members(api)
    result = await api.gql(
        TWO_ENROLMENTS,
        {"a": new_member(phone="139 1111 3333"), "b": new_member(phone="139 1111 4444")},
        token=token,
    )
    assert "errors" not in result, result
    assert result["data"]["first"]["member"]["id"] != result["data"]["second"]["member"]["id"]
    assert await members(api) == before + 2


async def test_a_query_keeps_the_fields_that_answered(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    result = await api.gql('{ me { username } product(sku: "SKU-NOPE") { sku } }', token=token)
    assert [e["extensions"]["code"] for e in result["errors"]] == ["NOT_FOUND"]
    assert result["data"] == {"me": {"username": "clerk.e1"}, "product": None}
