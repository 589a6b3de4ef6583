"""memberByPhone: the card of a customer without one, found by the number they say, which is
never echoed; unknown numbers indistinguishable from each other; one ceiling with scans."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import MemberView, PiiAccessLog
from tests.complaints.helpers import RESOLVE, START, filed, move
from tests.conftest import Api, running_api
from tests.members.conftest import (
    ENROLL,
    NATIONAL,
    PHONE_E164,
    assert_no_phone,
    code_of,
    new_member,
)

CARD = """fragment Card on Member {
  id cardNumber displayName tier points tags marketingConsent enrolledStore { code }
  preferences { tags topCategories { key } topProducts { key } promotionTypes { key share } }
  openComplaints { id status store { code } }
  coupons { valueCents complaintId }
  pendingPickups { id status quantity product { sku } store { code } }
}"""
BY_PHONE = CARD + "query($p: String!) { memberByPhone(phone: $p) { ...Card } }"
BY_CODE = CARD + "query($c: String!) { memberByCode(code: $c) { ...Card } }"
FIND = "query($p: String!) { memberByPhone(phone: $p) { cardNumber } }"
SCAN = "query($c: String!) { memberByCode(code: $c) { cardNumber } }"

UNKNOWN_VALID = ["13800138000", "13975318643", "+1 202 555 0100"]  # one a digit off ours
PARSEABLE_INVALID = ["12345", "139753186420000", "139HELLO86"]
# Full-width digits, as Chinese input methods may type them.
FULL_WIDTH = NATIONAL.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
NOT_A_NUMBER = ["", "abc", "+999 123456", "1" * 33]


def no_phone(text: str, *cards: str) -> None:
    """No run of the number's digits, once the random card numbers (which may hold one by
    chance) are taken out."""
    for card in cards:
        text = text.replace(card, "<card>")
    assert_no_phone(text)


async def views(api: Api) -> int:
    async with api.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(MemberView)) or 0)


async def enrol(api: Api, phone: str, token: str) -> dict[str, Any]:
    data = await api.data(ENROLL, {"input": new_member(phone=phone)}, token=token)
    member: dict[str, Any] = data["enrollMember"]["member"]
    return member


async def test_the_card_found_by_phone_is_the_scanned_card(api: Api, enrolled: dict) -> None:
    # A member with everything a card shows: an open complaint, a coupon and a pickup.
    done = (await filed(api, memberCode=enrolled["cardNumber"]))["id"]
    assert "errors" not in await move(api, START, "handler.east", done)
    resolved = await move(
        api,
        RESOLVE,
        "handler.east",
        done,
        resolution="Replaced",
        replacement={"storeCode": "E2", "sku": "SKU-CORE-1", "quantity": 1},
        couponCents=300,
    )
    assert "errors" not in resolved, resolved
    await filed(api, memberCode=enrolled["cardNumber"])
    for username in ("clerk.e1", "clerk.w1", "sm.e1", "handler.east", "admin"):
        token = await api.token_for(username)
        scanned = await api.data(BY_CODE, {"c": enrolled["cardNumber"]}, token=token)
        response = await api.post(BY_PHONE, {"p": NATIONAL}, token=token)
        no_phone(response.text, enrolled["cardNumber"])
        found = response.json()["data"]["memberByPhone"]
        assert found == scanned["memberByCode"]
    card = found
    assert card["cardNumber"] == enrolled["cardNumber"] and card["enrolledStore"]["code"] == "E1"
    assert len(card["openComplaints"]) == 1 and card["coupons"][0]["valueCents"] == 300
    assert card["pendingPickups"][0]["store"]["code"] == "E2"


@pytest.mark.parametrize(
    "typed",
    [
        NATIONAL,
        PHONE_E164,
        "+86 139 7531 8642",
        "139-7531-8642",
        "0086-139-7531-8642",
        "86 139 7531 8642",
        "(139) 7531 8642",
        "139.7531.8642",
        FULL_WIDTH,
    ],
)
async def test_the_number_typed_any_way_enrolment_accepts_finds_the_member(
    api: Api, enrolled: dict, typed: str
) -> None:
    response = await api.post(FIND, {"p": typed}, token=await api.token_for("clerk.e2"))
    assert response.json()["data"]["memberByPhone"] == {"cardNumber": enrolled["cardNumber"]}
    no_phone(response.text, enrolled["cardNumber"])


async def test_every_miss_answers_the_same_body_with_the_same_statements(
    api: Api, enrolled: dict
) -> None:
    token = await api.token_for("clerk.e2")
    bodies: set[str] = set()
    patterns: set[tuple[str, ...]] = set()
    for typed in UNKNOWN_VALID + PARSEABLE_INVALID:
        with api.count_sql() as statements:
            response = await api.post(FIND, {"p": typed}, token=token)
        assert response.status_code == 200
        bodies.add(response.text)
        patterns.add(tuple(statements))
        assert typed not in response.text
    assert len(bodies) == 1 and len(patterns) == 1, (bodies, len(patterns))
    [error] = json.loads(bodies.pop())["errors"]
    assert error["message"].startswith("No member has this phone number")
    assert error["extensions"] == {"code": "NOT_FOUND", "argument": "phone"}
    # Each distinct number tried was counted, under a digest: never the number, never a member.
    async with api.engine.connect() as conn:
        rows = (
            await conn.execute(select(MemberView.member_id, MemberView.missed_phone_digest))
        ).all()
    assert len(rows) == len(UNKNOWN_VALID + PARSEABLE_INVALID)
    assert all(
        member is None and digest is not None and len(digest) == 32 for member, digest in rows
    )
    # A hit runs the very same look-up and counting statements, then opens the card.
    with api.count_sql() as hit:
        await api.data(FIND, {"p": NATIONAL}, token=token)
    [miss] = patterns
    assert "phone_blind_index" in miss[1] and "pg_advisory_xact_lock" in miss[2]
    assert hit[: len(miss)] == list(miss) and len(hit) > len(miss)


@pytest.mark.parametrize("typed", NOT_A_NUMBER)
async def test_what_is_no_phone_number_is_bad_input_that_does_not_echo_it(
    api: Api, enrolled: dict, typed: str
) -> None:
    response = await api.post(FIND, {"p": typed}, token=await api.token_for("clerk.e1"))
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "phone"}
    assert error["message"] in ("phone: expected a phone number.", "phone: not a phone number.")
    assert not typed or typed not in response.text
    assert await views(api) == 0  # says nothing about enrolment, so it is not counted


COERCION_CASES: list[tuple[str, dict[str, Any] | None]] = [
    (FIND, {"p": 13975318642}),  # a JSON number where a string belongs
    (FIND, {"p": ["139", "7531", "8642"]}),
    (FIND, {"p": {"number": "139 7531 8642"}}),
    ("query($p: Int!) { memberByPhone(phone: $p) { cardNumber } }", {"p": "+86 139-7531 8642"}),
    ("query($p: Int!) { memberByPhone(phone: $p) { cardNumber } }", {"p": "139/7531/8642"}),
    (f"{{ memberByPhone(phone: {NATIONAL}) {{ cardNumber }} }}", None),
    ("{ memberByPhone(phone: [139, 7531, 8642]) { cardNumber } }", None),
    (f"{{ memberByPhone(phone: {PHONE_E164}) {{ cardNumber }} }}", None),  # a syntax error
]


async def test_the_number_is_in_no_response_error_or_log_line(
    api: Api, enrolled: dict, caplog: pytest.LogCaptureFixture
) -> None:
    await filed(api, memberCode=enrolled["cardNumber"])  # a nested member under the card
    every_phone_field = """query($p: String!) { memberByPhone(phone: $p) {
      cardNumber phoneMasked phone(purpose: "customer at the till")
      m: phoneMasked openComplaints { member { phoneMasked } } } }"""
    headers = {"x-request-id": "phone-leak-check"}
    cards, failures = [], []
    caplog.set_level(logging.DEBUG)
    for username in ("sm.e1", "compliance"):
        token = await api.token_for(username)
        cards.append(await api.post(every_phone_field, {"p": NATIONAL}, token=token))
        for typed in ("+86 139-7531 8643", "12345", "abc"):
            failures.append(await api.post(FIND, {"p": typed}, token=token, headers=headers))
        for query, variables in COERCION_CASES:
            failures.append(await api.post(query, variables, token=token, headers=headers))
    failures.append(
        await api.client.get(
            "/graphql", params={"query": FIND, "variables": json.dumps({"p": NATIONAL})}
        )
    )
    caplog.set_level(logging.WARNING)

    for response in cards + failures:
        no_phone(response.text, enrolled["cardNumber"])
        # The random card number may hold these digits by chance (CI once drew 8878886431716285).
        text = response.text.replace(enrolled["cardNumber"], "<card>")
        assert "8643" not in text and "12345" not in text
    assert all(response.json()["errors"] for response in failures)
    # Every line the server logged (httpx's lines are the test client's own, not the server's).
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    handler = logging.StreamHandler()
    logged = "\n".join(handler.format(r) for r in server)
    # The failures were logged at all (one line each: code and path, never the message).
    assert "client error NOT_FOUND at memberByPhone" in logged
    assert "client error BAD_USER_INPUT" in logged
    no_phone(logged, enrolled["cardNumber"])
    assert not re.search(r"8643|12345", logged.replace(enrolled["cardNumber"], "<card>"))

    # Under memberByPhone no phone field answers, for any role, nested ones included, and
    # nothing was revealed, so nothing was logged.
    for response in cards:
        card = response.json()
        assert card["data"]["memberByPhone"]["cardNumber"] == enrolled["cardNumber"]
        assert card["data"]["memberByPhone"]["phoneMasked"] is None
        assert card["data"]["memberByPhone"]["phone"] is None
        hidden = {tuple(h["path"]) for h in card["extensions"]["hiddenFields"]}
        assert {("memberByPhone", "phoneMasked"), ("memberByPhone", "m")} <= hidden
    managers = cards[0].json()["data"]["memberByPhone"]
    assert managers["openComplaints"] == [{"member": {"phoneMasked": None}}]
    async with api.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(PiiAccessLog)) == 0


async def test_only_the_phone_answer_hides_the_phone(api: Api, enrolled: dict) -> None:
    both = await api.data(
        """query($p: String!, $c: String!) {
             byPhone: memberByPhone(phone: $p) { phoneMasked }
             byCode: memberByCode(code: $c) { phoneMasked } }""",
        {"p": NATIONAL, "c": enrolled["cardNumber"]},
        token=await api.token_for("sm.e1"),
    )
    assert both == {"byPhone": {"phoneMasked": None}, "byCode": {"phoneMasked": "********642"}}


async def test_over_get_it_is_refused_and_counts_nothing(api: Api, enrolled: dict) -> None:
    response = await api.client.get(
        "/graphql",
        params={"query": FIND, "variables": json.dumps({"p": NATIONAL})},
        headers={"authorization": f"Bearer {await api.token_for('clerk.e1')}"},
    )
    assert code_of(response.json()) == "BAD_USER_INPUT"
    assert "POST" in response.json()["errors"][0]["message"]
    assert_no_phone(response.text)
    assert await views(api) == 0


@pytest.mark.parametrize(
    ("token", "expected"),
    [("integrator", "FORBIDDEN"), (None, "UNAUTHENTICATED"), ("nonsense", "UNAUTHENTICATED")],
)
async def test_roles_without_member_access_are_refused_before_any_look_up(
    api: Api, enrolled: dict, token: str | None, expected: str
) -> None:
    if token == "integrator":
        issued = await api.data(
            """mutation { createApiToken(input: {name: "till-vendor", expiresInDays: 1}) {
                 token } }""",
            token=await api.token_for("admin"),
        )
        token = issued["createApiToken"]["token"]
    with api.count_sql() as statements:
        response = await api.post(FIND, {"p": NATIONAL}, token=token)
    assert code_of(response.json()) == expected
    assert response.json()["data"] is None
    assert_no_phone(response.text)
    assert not [s for s in statements if "member" in s]
    assert await views(api) == 0


async def test_phone_look_ups_and_scans_share_one_ceiling_and_alerts(org_db: str) -> None:
    async with running_api(
        org_db,
        member_lookup_ceilings={"CLERK": 3},
        member_view_alert_threshold=2,
        member_view_alert_window_minutes=60,
    ) as api:
        manager = await api.token_for("sm.e1")
        phones = ["13800138001", "13800138002", "13800138003"]
        cards = [(await enrol(api, phone, manager))["cardNumber"] for phone in phones]
        clerk = await api.token_for("clerk.e2")
        # One member opened by code and by phone (in any form) is one distinct member.
        await api.data(SCAN, {"c": cards[0]}, token=clerk)
        for typed in (phones[0], "+86 138-0013-8001"):
            assert (await api.data(FIND, {"p": typed}, token=clerk))["memberByPhone"] == {
                "cardNumber": cards[0]
            }
        # An unknown number counts once, however often it is tried.
        for _ in range(2):
            assert code_of(await api.gql(FIND, {"p": "13800138999"}, token=clerk)) == "NOT_FOUND"
        await api.data(FIND, {"p": phones[1]}, token=clerk)  # the third: the alert is raised
        # At the ceiling an enrolled and an unknown number are refused alike; a scan too.
        refused = [
            await api.gql(FIND, {"p": phones[2]}, token=clerk),
            await api.gql(FIND, {"p": "13800138998"}, token=clerk),
            await api.gql(SCAN, {"c": cards[2]}, token=clerk),
        ]
        for result in refused:
            [error] = result["errors"]
            assert error["extensions"]["code"] == "RATE_LIMITED"
            assert error["extensions"]["retryAfterSeconds"] >= 1
            assert error["message"] == refused[0]["errors"][0]["message"]
            assert "3 different members" in error["message"]
        # Already counted within the hour: still free, hit or miss.
        await api.data(FIND, {"p": phones[0]}, token=clerk)
        assert code_of(await api.gql(FIND, {"p": "13800138999"}, token=clerk)) == "NOT_FOUND"

        alerts = await api.data(
            "{ privacyAlerts(first: 10) { edges { node { kind distinctMembers staff { username } } } } }",
            token=await api.token_for("compliance"),
        )
        found = [e["node"] for e in alerts["privacyAlerts"]["edges"]]
        assert [(a["kind"], a["staff"]["username"], a["distinctMembers"]) for a in found] == [
            ("LOOKUP_CEILING_REACHED", "clerk.e2", 3),
            ("VIEW_THRESHOLD_EXCEEDED", "clerk.e2", 3),
        ]
        async with api.engine.connect() as conn:
            counted = (
                await conn.execute(
                    select(MemberView.member_id, MemberView.missed_phone_digest.is_not(None))
                )
            ).all()
        # sm.e1's enrolments open nothing; clerk.e2: member 1, the unknown number, member 2.
        assert sorted((m is None, miss) for m, miss in counted) == [
            (False, False),
            (False, False),
            (True, True),
        ]


async def test_a_clerk_guessing_numbers_is_rate_limited(org_db: str) -> None:
    async with running_api(org_db, member_lookup_ceilings={"CLERK": 4}) as api:
        clerk = await api.token_for("clerk.e1")
        codes = [
            code_of(await api.gql(FIND, {"p": f"1380013{n:04d}"}, token=clerk)) for n in range(6)
        ]
        assert codes == ["NOT_FOUND"] * 4 + ["RATE_LIMITED"] * 2
        # Another clerk has their own count.
        other = await api.gql(FIND, {"p": "13800130000"}, token=await api.token_for("clerk.e2"))
        assert code_of(other) == "NOT_FOUND"


async def test_a_phone_look_up_costs_no_more_statements_than_a_scan(
    api: Api, enrolled: dict
) -> None:
    token = await api.token_for("clerk.e2")

    async def statements(query: str, variables: dict[str, Any]) -> int:
        with api.count_sql() as run:
            await api.data(query, variables, token=token)
        return len(run)

    first_scan = await statements(BY_CODE, {"c": enrolled["cardNumber"]})
    scan = await statements(BY_CODE, {"c": enrolled["cardNumber"]})
    by_phone = await statements(BY_PHONE, {"p": NATIONAL})
    assert by_phone <= scan <= first_scan
    assert by_phone <= 16, by_phone
    with api.count_sql() as miss:
        await api.gql(BY_PHONE, {"p": "13800138000"}, token=token)
    assert len(miss) <= 10, miss
