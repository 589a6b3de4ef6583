"""End to end: a field the key used to ignore now makes a replay CONFLICT, and what is sealed
(a password, a phone number) is bound without being stored as sent."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import Api
from tests.staff.test_staff_api import CREATE, new_clerk, staff_count

START = """mutation($input: StartShiftInput!) { startShift(input: $input) { shift { id } } }"""


def code_of(result: dict) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def test_another_password_under_the_same_key_is_a_conflict(api: Api) -> None:
    token = await api.token_for("sm.e1")
    sent = {**new_clerk(), "idempotencyKey": "phone-9"}
    first = await api.data(CREATE, {"input": sent}, token=token)
    assert await api.data(CREATE, {"input": sent}, token=token) == first
    before = await staff_count(api)
    other = await api.gql(
        CREATE, {"input": {**sent, "password": "another-long-password"}}, token=token
    )
    assert code_of(other) == "CONFLICT"
    assert await staff_count(api) == before
    async with api.engine.connect() as conn:
        stored = await conn.scalar(
            text("SELECT request_hash::text || result::text FROM idempotency_record")
        )
    assert "a-long-password" not in stored


async def test_a_field_as_sent_is_bound_not_as_normalised(api: Api) -> None:
    """`" E1"` was stripped before binding, so a replay that differed only there passed."""
    token = await api.token_for("clerk.e1")
    first = await api.data(
        START,
        {"input": {"storeCode": "E1", "kind": "OPENING", "idempotencyKey": "s-1"}},
        token=token,
    )
    assert first["startShift"]["shift"]["id"]
    other = await api.gql(
        START,
        {"input": {"storeCode": " E1", "kind": "OPENING", "idempotencyKey": "s-1"}},
        token=token,
    )
    assert code_of(other) == "CONFLICT"
    async with api.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM shift")) == 1
