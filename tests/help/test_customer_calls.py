"""callCustomer: who may call which complaint's customer, the PII access log row written before
the call, no number in any response, row or log line, and the hourly ceiling."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from api.domain.telephony import RecordingTelephony, load_adapter
from tests.complaints.helpers import enrol_member, filed, scalar, sql
from tests.conftest import Api, running_api
from tests.help import fake_telephony
from tests.help.fake_telephony import FakeBridge
from tests.members.conftest import NATIONAL, PHONE_E164, assert_no_phone

CALL = """mutation($input: CallCustomerInput!) {
  callCustomer(input: $input) { customerCall { id status reason provider requestedAt
    complaint { id } staff { username } } } }"""
ACCESS_LOG = (
    """{ piiAccessLog { edges { node { field purpose requestId staff { username } } } } }"""
)
FAKE = "tests.help.fake_telephony:build"


@pytest.fixture
def placed() -> Iterator[list[Any]]:
    fake_telephony.PLACED.clear()
    FakeBridge.failing = False
    yield fake_telephony.PLACED
    fake_telephony.PLACED.clear()
    FakeBridge.failing = False


@pytest.fixture
async def bridged(org_db: str, placed: list[Any]) -> AsyncIterator[Api]:
    """The app with the fake provider plugged in through the settings, at most 3 calls/hour."""
    async with running_api(org_db, telephony_adapter=FAKE, customer_calls_per_hour=3) as api:
        yield api


async def _complaint_with_member(api: Api) -> str:
    member = await enrol_member(api)
    complaint: dict[str, Any] = await filed(api, memberCode=member["cardNumber"])
    return str(complaint["id"])


async def _call(
    api: Api, username: str, complaint_id: str, reason: str = "回访投诉处理结果", **extra: Any
) -> dict[str, Any]:
    return await api.gql(
        CALL,
        {"input": {"complaintId": complaint_id, "reason": reason, **extra}},
        token=await api.token_for(username),
    )


async def _written(api: Api) -> tuple[int, int]:
    return (
        await scalar(api, "SELECT count(*) FROM pii_access_log"),
        await scalar(api, "SELECT count(*) FROM customer_call"),
    )


def _code(result: dict[str, Any]) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


ROLES = [
    ("clerk.e1", None),  # the complaint's store
    ("sm.e1", None),
    ("rm.east", None),
    ("handler.east", None),
    ("ops", None),
    ("admin", None),
    ("clerk.e2", "NOT_FOUND"),  # another store's complaint: as if it did not exist
    ("sm.w1", "NOT_FOUND"),
    ("compliance", "FORBIDDEN"),  # reveals with a purpose, does not call
]


async def test_who_may_call_and_what_each_call_writes(bridged: Api, placed: list[Any]) -> None:
    api = bridged
    complaint_id = await _complaint_with_member(api)
    compliance = await api.token_for("compliance")
    for username, code in ROLES:
        before, calls_before = await _written(api), len(placed)
        response = await api.post(
            CALL,
            {"input": {"complaintId": complaint_id, "reason": f"回访投诉处理结果 {username}"}},
            token=await api.token_for(username),
        )
        assert_no_phone(response.text, NATIONAL)
        result = response.json()
        assert _code(result) == code, (username, result)
        if code is not None:
            assert await _written(api) == before, username
            assert len(placed) == calls_before, username
            continue
        call = result["data"]["callCustomer"]["customerCall"]
        assert call["status"] == "CONNECTING"
        assert call["provider"] == "fake-bridge"
        assert call["complaint"] == {"id": complaint_id}
        assert call["staff"] == {"username": username}
        bridge = placed[-1]
        assert len(placed) == calls_before + 1
        assert bridge.customer_phone == PHONE_E164  # only the adapter got the number
        assert bridge.staff_username == username and bridge.store_code == "E1"
        assert NATIONAL not in repr(bridge)
        [(field, purpose, log_id)] = await sql(
            api,
            "SELECT l.field, l.purpose, l.id FROM pii_access_log l "
            "JOIN staff s ON s.id = l.staff_id WHERE s.username = :u",
            u=username,
        )
        assert field == "PHONE_CALL" and f"回访投诉处理结果 {username}" in purpose
        [(status, provider_id, call_log_id)] = await sql(
            api,
            "SELECT status, provider_call_id, access_log_id FROM customer_call WHERE id = :id",
            id=bridge.call_id,
        )
        assert (status, provider_id, call_log_id) == (
            "CONNECTING",
            f"fake-{bridge.call_id}",
            log_id,
        )
    # HQ compliance reads each call in the access log like any reveal.
    entries = await api.data(ACCESS_LOG, token=compliance)
    logged = sorted(
        e["node"]["staff"]["username"]
        for e in entries["piiAccessLog"]["edges"]
        if e["node"]["field"] == "PHONE_CALL"
    )
    assert logged == sorted(u for u, code in ROLES if code is None)


async def test_the_default_adapter_records_the_call_and_dials_nothing(api: Api) -> None:
    complaint_id = await _complaint_with_member(api)
    result = await _call(api, "clerk.e1", complaint_id, idempotencyKey="call-1")
    call = result["data"]["callCustomer"]["customerCall"]
    assert (call["status"], call["provider"]) == ("RECORDED", "recording")
    replay = await _call(api, "clerk.e1", complaint_id, idempotencyKey="call-1")
    assert replay["data"]["callCustomer"]["customerCall"]["id"] == call["id"]
    assert await _written(api) == (1, 1)  # the replay placed no second call
    changed = await _call(api, "clerk.e1", complaint_id, "另一个原因说明", idempotencyKey="call-1")
    assert _code(changed) == "CONFLICT"
    node = await api.data(
        "query($id: ID!) { node(id: $id) { ... on CustomerCall { id status } } }",
        {"id": call["id"]},
        token=await api.token_for("sm.e1"),
    )
    assert node["node"] == {"id": call["id"], "status": "RECORDED"}


async def test_a_call_needs_a_customer_and_a_reason(bridged: Api, placed: list[Any]) -> None:
    api = bridged
    without_member = (await filed(api))["id"]
    result = await _call(api, "clerk.e1", without_member)
    assert _code(result) == "BAD_USER_INPUT"
    assert result["errors"][0]["extensions"]["reason"] == "NO_CUSTOMER_TO_CALL"
    with_member = await _complaint_with_member(api)
    for reason in ("hi", " " * 10, "x" * 161):
        assert _code(await _call(api, "clerk.e1", with_member, reason)) == "BAD_USER_INPUT"
    assert await _written(api) == (0, 0)
    assert placed == []


async def test_the_hourly_ceiling_refuses_the_next_call(bridged: Api, placed: list[Any]) -> None:
    api = bridged
    complaint_id = await _complaint_with_member(api)
    for _ in range(3):
        assert _code(await _call(api, "sm.e1", complaint_id)) is None
    refused = await _call(api, "sm.e1", complaint_id)
    assert _code(refused) == "RATE_LIMITED"
    extensions = refused["errors"][0]["extensions"]
    assert extensions["reason"] == "CALL_CEILING"
    assert 3500 <= extensions["retryAfterSeconds"] <= 3600
    assert await _written(api) == (3, 3) and len(placed) == 3
    assert _code(await _call(api, "clerk.e1", complaint_id)) is None  # per caller


async def test_no_number_in_logs_even_when_the_provider_fails(
    bridged: Api, placed: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    api = bridged
    complaint_id = await _complaint_with_member(api)
    with caplog.at_level(logging.DEBUG):
        assert _code(await _call(api, "clerk.e1", complaint_id)) is None
        FakeBridge.failing = True
        failed = await api.post(
            CALL,
            {"input": {"complaintId": complaint_id, "reason": "再次回访客户"}},
            token=await api.token_for("clerk.e1"),
        )
    assert failed.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert_no_phone(failed.text, NATIONAL)
    assert caplog.records  # the requests were logged, without the number
    assert_no_phone(caplog.text, NATIONAL)
    statuses = await sql(api, "SELECT status FROM customer_call ORDER BY id")
    assert statuses == [("CONNECTING",), ("FAILED",)]  # logged before it was tried
    assert await scalar(api, "SELECT count(*) FROM pii_access_log") == 2
    stored = await sql(
        api,
        "SELECT row_to_json(c)::text FROM customer_call c UNION ALL "
        "SELECT row_to_json(l)::text FROM pii_access_log l UNION ALL "
        "SELECT payload::text FROM event",
    )
    assert_no_phone(" ".join(r[0] for r in stored), NATIONAL)


def test_the_adapter_is_named_by_the_settings() -> None:
    assert isinstance(load_adapter("recording"), RecordingTelephony)
    assert isinstance(load_adapter(FAKE), FakeBridge)
    for bad in ("", "tests.help.fake_telephony", "tests.help.fake_telephony:PLACED.clear"):
        with pytest.raises((ValueError, AttributeError)):
            load_adapter(bad)
    with pytest.raises(ValueError, match="no TelephonyAdapter"):
        load_adapter("builtins:object")
