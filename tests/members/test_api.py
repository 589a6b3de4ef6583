"""Enrolment, look-up by card number and QR code, codes, consent and tags, through the API."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from api.domain import global_ids
from api.domain.members import codes
from db.models import IdempotencyRecord, Member
from db.pii import key_ring_from_environment
from tests.conftest import Api
from tests.members.conftest import CARD, ENROLL, NATIONAL, assert_no_phone, code_of, new_member

BY_CODE = CARD + "query($c: String!) { memberByCode(code: $c) { ...Card } }"


async def member_count(api: Api) -> int:
    async with api.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Member)) or 0)


async def test_clerk_enrols_and_any_store_scans_the_card(api: Api, enrolled: dict) -> None:
    assert enrolled["tier"] == "BASIC" and enrolled["points"] == 0
    assert codes.luhn_valid(enrolled["cardNumber"])
    for user in ("clerk.e2", "clerk.w1", "handler.east"):
        card = (
            await api.data(BY_CODE, {"c": enrolled["cardNumber"]}, token=await api.token_for(user))
        )["memberByCode"]
        assert card["id"] == enrolled["id"]
        assert card["enrolledStore"] == {"code": "E1"}
        assert card["tags"] == ["sugar-free"]


@pytest.mark.parametrize(
    "typed", ["13975318642", "+86 139 7531 8642", "0086-139-7531-8642", "(139) 7531 8642"]
)
async def test_an_enrolled_number_typed_any_way_is_a_conflict(
    api: Api, enrolled: dict, typed: str
) -> None:
    before = await member_count(api)
    result = await api.gql(
        ENROLL, {"input": new_member(phone=typed)}, token=await api.token_for("clerk.e2")
    )
    assert code_of(result) == "CONFLICT"
    assert result["data"] is None
    assert_no_phone(str(result))
    assert await member_count(api) == before


@pytest.mark.parametrize(
    ("username", "input", "expected"),
    [
        ("clerk.e1", new_member(phone="12345"), "BAD_USER_INPUT"),
        ("clerk.e1", new_member(phone=""), "BAD_USER_INPUT"),
        ("clerk.e1", new_member(displayName=" "), "BAD_USER_INPUT"),
        ("clerk.e1", new_member(displayName="x" * 41), "BAD_USER_INPUT"),
        ("clerk.e1", new_member(tags=["Not A Tag!"]), "BAD_USER_INPUT"),
        ("clerk.e1", new_member(tags=[f"t{i}" for i in range(21)]), "BAD_USER_INPUT"),
        ("clerk.e1", new_member(storeCode="E2"), "FORBIDDEN"),
        ("clerk.e1", new_member(storeCode="NOPE"), "NOT_FOUND"),
        ("rm.east", new_member(), "FORBIDDEN"),  # enrolment happens at a store's till
        ("compliance", new_member(), "FORBIDDEN"),
        ("handler.east", new_member(), "FORBIDDEN"),
        ("admin", new_member(), "BAD_USER_INPUT"),  # no home store: storeCode required
    ],
)
async def test_bad_or_unauthorised_enrolments_create_nothing(
    api: Api, username: str, input: dict, expected: str
) -> None:
    result = await api.gql(ENROLL, {"input": input}, token=await api.token_for(username))
    assert code_of(result) == expected, result
    assert await member_count(api) == 0
    assert_no_phone(str(result))


async def test_unauthenticated_enrolment_is_refused(api: Api) -> None:
    result = await api.gql(ENROLL, {"input": new_member()})
    assert code_of(result) == "UNAUTHENTICATED"


async def test_admin_enrols_at_a_named_store(api: Api) -> None:
    data = await api.data(
        ENROLL, {"input": new_member(storeCode="W1")}, token=await api.token_for("admin")
    )
    assert data["enrollMember"]["member"]["tier"] == "BASIC"


async def test_enrolment_retry_returns_the_first_member_and_stores_no_phone(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    first = await api.data(
        ENROLL, {"input": {**new_member(), "idempotencyKey": "till-7"}}, token=token
    )
    again = await api.data(
        ENROLL, {"input": {**new_member(), "idempotencyKey": "till-7"}}, token=token
    )
    assert first == again and await member_count(api) == 1
    other = await api.gql(
        ENROLL,
        {"input": {**new_member(displayName="李雷"), "idempotencyKey": "till-7"}},
        token=token,
    )
    assert code_of(other) == "CONFLICT"
    async with api.engine.connect() as conn:
        records = (
            await conn.execute(select(IdempotencyRecord.result, IdempotencyRecord.request_hash))
        ).all()
    import hashlib
    import json

    for record in records:
        assert NATIONAL not in json.dumps(record.result)
        # The stored hash is not a hash over the phone number as typed or normalised.
        for phone in ("+86 139-7531 8642", "+8613975318642"):
            naive = {**new_member(phone=phone), "storeCode": None}
            digest = hashlib.sha256(json.dumps(naive, sort_keys=True).encode()).digest()
            assert record.request_hash != digest


async def test_rotating_qr_code_is_accepted_then_refused_when_expired_or_forged(
    api: Api, enrolled: dict
) -> None:
    admin = await api.token_for("admin")
    issued = (
        await api.data(
            "query($m: ID!) { memberCode(memberId: $m) { code expiresAt svg pngDataUrl } }",
            {"m": enrolled["id"]},
            token=admin,
        )
    )["memberCode"]
    assert issued["svg"].startswith("<svg")
    assert issued["pngDataUrl"].startswith("data:image/png;base64,")
    clerk = await api.token_for("clerk.w1")
    found = await api.data(BY_CODE, {"c": issued["code"]}, token=clerk)
    assert found["memberByCode"]["id"] == enrolled["id"]

    ring = key_ring_from_environment()
    member_id = global_ids.expect(enrolled["id"], "Member", argument="id")
    expired = codes.issue_qr_code(ring, member_id, issued_at=time.time() - 90).code
    tampered = issued["code"][:-3] + ("aaa" if not issued["code"].endswith("aaa") else "bbb")
    from db.pii import new_key_spec, parse_key_ring

    forged = codes.issue_qr_code(parse_key_ring(new_key_spec()), member_id).code
    for bad in (expired, tampered, forged, "CSM1.x.y.z", "8800000000000000", "hello"):
        result = await api.gql(BY_CODE, {"c": bad}, token=clerk)
        assert code_of(result) == "BAD_USER_INPUT", (bad, result)
        assert result["data"] is None


async def test_unknown_card_is_not_found_and_roles_without_the_permission_are_refused(
    api: Api,
) -> None:
    result = await api.gql(
        BY_CODE, {"c": codes.new_card_number()}, token=await api.token_for("clerk.e1")
    )
    assert code_of(result) == "NOT_FOUND"
    integrator_like = await api.gql(BY_CODE, {"c": codes.new_card_number()})
    assert code_of(integrator_like) == "UNAUTHENTICATED"
    code_refused = await api.gql(
        "query($m: ID!) { memberCode(memberId: $m) { code } }",
        {"m": "TWVtYmVyOjE="},
        token=await api.token_for("clerk.e1"),
    )
    assert code_of(code_refused) == "FORBIDDEN"


@pytest.mark.parametrize("bad_id", ["", "1", "TWVtYmVyOng=", "bm90IGEgbWVtYmVy"])
async def test_member_by_bad_id_is_bad_input(api: Api, bad_id: str) -> None:
    result = await api.gql(
        "query($i: ID!) { member(id: $i) { id } }",
        {"i": bad_id},
        token=await api.token_for("sm.e1"),
    )
    assert code_of(result) == "BAD_USER_INPUT"


async def test_consent_and_tags_are_recorded(api: Api, enrolled: dict) -> None:
    token = await api.token_for("clerk.e2")
    withdraw = """mutation($m: ID!) { setMemberMarketingConsent(memberId: $m, consent: false) {
             member { marketingConsent marketingConsentAt } } }"""
    data = await api.data(withdraw, {"m": enrolled["id"]}, token=token)
    member: dict[str, Any] = data["setMemberMarketingConsent"]["member"]
    assert member["marketingConsent"] is False and member["marketingConsentAt"]
    # A retried call (no idempotency key) changes nothing, not even the recorded time.
    again = await api.data(withdraw, {"m": enrolled["id"]}, token=token)
    assert again["setMemberMarketingConsent"]["member"] == member
    tags = await api.gql(
        """mutation($m: ID!, $t: [String!]!) { setMemberTags(memberId: $m, tags: $t) {
             member { tags } } }""",
        {"m": enrolled["id"], "t": ["Organic", "vegan", "organic"]},
        token=token,
    )
    assert tags["data"]["setMemberTags"]["member"]["tags"] == ["organic", "vegan"]
    bad = await api.gql(
        """mutation($m: ID!) { setMemberTags(memberId: $m, tags: ["no spaces allowed"]) {
             member { tags } } }""",
        {"m": enrolled["id"]},
        token=token,
    )
    assert code_of(bad) == "BAD_USER_INPUT"
