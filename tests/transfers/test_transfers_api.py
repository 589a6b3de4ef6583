"""Transfers over the API: the whole journey, stock and in-transit balances, differences,
events, and every way of getting it wrong (state, input, scope)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from api.domain import global_ids
from tests.conftest import Api, row_id
from tests.transfers.helpers import (
    APPROVE,
    CANCEL,
    RECEIVE,
    REQUEST,
    SHIP,
    approved,
    code_of,
    count,
    level,
    lines,
    request_input,
    requested,
    shipped,
    snapshot,
    stock,
)


async def test_request_approve_ship_receive_moves_stock_and_records_differences(
    api: Api,
) -> None:
    transfer_id = await requested(api)
    await stock(api, "E2", "SKU-CORE-1", 20)
    await stock(api, "E2", "SKU-CORE-2", 20)
    approve = await api.data(APPROVE, {"id": transfer_id}, token=await api.token_for("rm.east"))
    assert approve["approveTransfer"]["transfer"]["status"] == "APPROVED"

    ship = await api.data(
        SHIP,
        {"id": transfer_id, "lines": lines(SKU_CORE_1=5, SKU_CORE_2=2)},
        token=await api.token_for("clerk.e2"),
    )
    assert ship["shipTransfer"]["transfer"]["status"] == "SHIPPED"
    assert await level(api, "E2", "SKU-CORE-1") == (15, 0)
    assert await level(api, "E2", "SKU-CORE-2") == (18, 0)
    assert await level(api, "E1", "SKU-CORE-1") == (0, 5)
    assert await level(api, "E1", "SKU-CORE-2") == (0, 2)

    # One missing bottle, and one pen more than shipped: both recorded, neither refused.
    receive = await api.data(
        RECEIVE,
        {"id": transfer_id, "lines": lines(SKU_CORE_1=4, SKU_CORE_2=3)},
        token=await api.token_for("clerk.e1"),
    )
    payload = receive["receiveTransfer"]
    assert payload["transfer"]["status"] == "RECEIVED"
    assert payload["transfer"]["hasDifferences"] is True
    assert payload["transfer"]["lines"] == [
        {
            "product": {"sku": "SKU-CORE-1"},
            "quantityRequested": 5,
            "quantityShipped": 5,
            "quantityReceived": 4,
            "difference": -1,
        },
        {
            "product": {"sku": "SKU-CORE-2"},
            "quantityRequested": 3,
            "quantityShipped": 2,
            "quantityReceived": 3,
            "difference": 1,
        },
    ]
    assert payload["differences"] == [
        {"product": {"sku": "SKU-CORE-1"}, "difference": -1},
        {"product": {"sku": "SKU-CORE-2"}, "difference": 1},
    ]
    assert await level(api, "E1", "SKU-CORE-1") == (4, 0)
    assert await level(api, "E1", "SKU-CORE-2") == (3, 0)

    async with api.engine.connect() as conn:
        movements = (
            await conn.execute(
                text(
                    "SELECT s.code, m.kind, m.quantity FROM stock_movement m "
                    "JOIN store s ON s.id = m.store_id WHERE m.reference_type = 'transfer' "
                    "AND m.reference_id = :id ORDER BY m.id"
                ),
                {"id": str(row_id(transfer_id))},
            )
        ).all()
        kinds = (
            await conn.execute(
                text(
                    "SELECT e.kind, s.code, e.payload->>'side' FROM event e "
                    "JOIN store s ON s.id = e.store_id WHERE e.kind LIKE 'TRANSFER_%' "
                    "AND e.payload->>'transferId' = :id ORDER BY e.id"
                ),
                {"id": str(row_id(transfer_id))},
            )
        ).all()
    assert [tuple(m) for m in movements] == [
        ("E2", "TRANSFER_OUT", -5),
        ("E2", "TRANSFER_OUT", -2),
        ("E1", "TRANSFER_IN", 4),
        ("E1", "TRANSFER_IN", 3),
    ]
    # Every change is announced once to each side.
    assert [tuple(k) for k in kinds] == [
        (f"TRANSFER_{kind}", store, side)
        for kind in ("REQUESTED", "APPROVED", "SHIPPED", "RECEIVED")
        for store, side in (("E2", "SOURCE"), ("E1", "DESTINATION"))
    ]


@pytest.mark.parametrize(
    ("caller", "input", "expected"),
    [
        ("clerk.e1", request_input(lines=lines(SKU_CORE_1=0)), "BAD_USER_INPUT"),
        ("clerk.e1", request_input(lines=lines(SKU_CORE_1=-3)), "BAD_USER_INPUT"),
        ("clerk.e1", request_input(lines=[]), "BAD_USER_INPUT"),
        ("clerk.e1", request_input(lines=lines(SKU_NOPE=1)), "BAD_USER_INPUT"),
        (
            "clerk.e1",
            request_input(lines=[{"sku": "SKU-CORE-1", "quantity": 1}] * 2),
            "BAD_USER_INPUT",
        ),
        ("clerk.e1", request_input(from_store="E1"), "BAD_USER_INPUT"),
        ("clerk.e1", request_input(note="x" * 501), "BAD_USER_INPUT"),
        # A regional SKU may only go to a store of its region.
        ("clerk.w1", request_input("E1", "W1", lines=lines(SKU_EAST_1=2)), "BAD_USER_INPUT"),
        ("clerk.e1", request_input(from_store="ZZ"), "NOT_FOUND"),
        ("clerk.e1", request_input(to_store="ZZ", from_store="E2"), "NOT_FOUND"),
        # Staff request for their own store, not someone else's.
        ("clerk.e1", request_input("E1", "E2"), "FORBIDDEN"),
        ("rm.east", request_input("E1", "W1"), "FORBIDDEN"),
        ("compliance", request_input(), "FORBIDDEN"),
        ("handler.east", request_input(), "FORBIDDEN"),
    ],
)
async def test_bad_requests_write_nothing(
    api: Api, caller: str, input: dict[str, Any], expected: str
) -> None:
    before = await snapshot(api)
    result = await api.gql(REQUEST, {"input": input}, token=await api.token_for(caller))
    assert code_of(result) == expected, result
    assert result["data"] is None
    assert await snapshot(api) == before


async def test_bad_input_names_every_problem(api: Api) -> None:
    bad = request_input(from_store="E1", lines=lines(SKU_CORE_1=0, SKU_CORE_2=-1))
    result = await api.gql(REQUEST, {"input": bad}, token=await api.token_for("clerk.e1"))
    problems = result["errors"][0]["extensions"]["problems"]
    assert len(problems) == 3, problems
    assert any(p.startswith("lines[1].quantity") for p in problems)


async def test_a_replayed_request_returns_the_first_transfer(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    first = await api.data(
        REQUEST, {"input": {**request_input(), "idempotencyKey": "tap-1"}}, token=token
    )
    again = await api.data(
        REQUEST, {"input": {**request_input(), "idempotencyKey": "tap-1"}}, token=token
    )
    assert again == first
    assert await count(api, "SELECT count(*) FROM transfer") == 1
    other = await api.gql(
        REQUEST, {"input": {**request_input(note="other"), "idempotencyKey": "tap-1"}}, token=token
    )
    assert code_of(other) == "CONFLICT"


async def test_illegal_state_changes_are_conflicts_and_change_nothing(api: Api) -> None:
    rm = await api.token_for("rm.east")
    clerk_e1, clerk_e2 = await api.token_for("clerk.e1"), await api.token_for("clerk.e2")
    fresh = await requested(api)
    ship_lines = {"lines": lines(SKU_CORE_1=1)}
    cases: list[tuple[str, dict[str, Any], str]] = [
        (SHIP, {"id": fresh, **ship_lines}, clerk_e2),  # not approved yet
        (RECEIVE, {"id": fresh, **ship_lines}, clerk_e1),  # not shipped
    ]
    for query, variables, token in cases:
        before = await snapshot(api)
        result = await api.gql(query, variables, token=token)
        assert code_of(result) == "CONFLICT", result
        assert await snapshot(api) == before

    sent = await shipped(api)
    too_late: list[tuple[str, dict[str, Any], str]] = [
        (APPROVE, {"id": sent}, rm),
        (SHIP, {"id": sent, **ship_lines}, clerk_e2),
        (CANCEL, {"id": sent}, rm),  # the goods are on the road
    ]
    for query, variables, token in too_late:
        before = await snapshot(api)
        result = await api.gql(query, variables, token=token)
        assert code_of(result) == "CONFLICT", result
        assert "SHIPPED" in result["errors"][0]["message"]
        assert await snapshot(api) == before

    cancelled = await requested(api)
    await api.data(CANCEL, {"id": cancelled}, token=clerk_e1)
    for query, variables, token in [
        (APPROVE, {"id": cancelled}, rm),
        (CANCEL, {"id": cancelled}, clerk_e1),
    ]:
        before = await snapshot(api)
        assert code_of(await api.gql(query, variables, token=token)) == "CONFLICT"
        assert await snapshot(api) == before


async def test_who_may_approve_ship_receive_and_cancel(api: Api) -> None:
    transfer_id = await requested(api)  # E2 -> E1, requested by clerk.e1
    for caller, query, variables, expected in [
        ("clerk.e2", APPROVE, {"id": transfer_id}, "FORBIDDEN"),  # clerks do not approve
        ("sm.e1", APPROVE, {"id": transfer_id}, "FORBIDDEN"),  # not the source's manager
        ("sm.w1", APPROVE, {"id": transfer_id}, "NOT_FOUND"),  # not in their scope at all
        ("clerk.e2", CANCEL, {"id": transfer_id}, "FORBIDDEN"),  # source clerks cannot
        ("clerk.w1", CANCEL, {"id": transfer_id}, "NOT_FOUND"),
        ("rm.east", APPROVE, {"id": global_ids.encode("Transfer", 999999)}, "NOT_FOUND"),
        ("rm.east", APPROVE, {"id": "999999"}, "BAD_USER_INPUT"),  # a bare number is no id
        ("rm.east", APPROVE, {"id": "not-an-id"}, "BAD_USER_INPUT"),
    ]:
        before = await snapshot(api)
        result = await api.gql(query, variables, token=await api.token_for(caller))
        assert code_of(result) == expected, (caller, result)
        assert await snapshot(api) == before

    # The requester may not approve their own request, even with the right role and scope.
    own = await api.data(REQUEST, {"input": request_input()}, token=await api.token_for("rm.east"))
    own_id = own["requestTransfer"]["transfer"]["id"]
    refused = await api.gql(APPROVE, {"id": own_id}, token=await api.token_for("rm.east"))
    assert code_of(refused) == "FORBIDDEN"
    assert "someone else" in refused["errors"][0]["message"]
    ok = await api.data(APPROVE, {"id": own_id}, token=await api.token_for("ops"))
    assert ok["approveTransfer"]["transfer"]["status"] == "APPROVED"

    await api.data(APPROVE, {"id": transfer_id}, token=await api.token_for("admin"))
    ship = {"id": transfer_id, "lines": lines(SKU_CORE_1=1)}
    for caller, expected in [
        ("clerk.e1", "FORBIDDEN"),  # the destination
        ("sm.w1", "NOT_FOUND"),  # elsewhere: not a transfer they can see
        ("rm.east", "FORBIDDEN"),  # no hands
    ]:
        result = await api.gql(SHIP, ship, token=await api.token_for(caller))
        assert code_of(result) == expected, (caller, result)
    await api.data(SHIP, ship, token=await api.token_for("clerk.e2"))
    for caller, expected in [("clerk.e2", "FORBIDDEN"), ("clerk.w1", "NOT_FOUND")]:
        result = await api.gql(RECEIVE, ship, token=await api.token_for(caller))
        assert code_of(result) == expected, (caller, result)

    # The source's approver may call off an approved transfer (a refusal).
    other = await approved(api)
    cancel = await api.data(CANCEL, {"id": other}, token=await api.token_for("rm.east"))
    assert cancel["cancelTransfer"]["transfer"]["status"] == "CANCELLED"


@pytest.mark.parametrize(
    ("ship_lines", "fragment"),
    [
        (lines(SKU_CORE_1=6), "more than the 5 requested"),
        (lines(SKU_CORE_1=-1), "quantity"),
        (lines(SKU_CORE_1=0, SKU_CORE_2=0), "nothing to ship"),
        (lines(SKU_EAST_1=1), "not on transfer"),
        (lines(SKU_NOPE=1), "no product"),
    ],
)
async def test_bad_shipments_write_nothing(
    api: Api, ship_lines: list[dict[str, Any]], fragment: str
) -> None:
    transfer_id = await approved(api)
    before = await snapshot(api)
    result = await api.gql(
        SHIP, {"id": transfer_id, "lines": ship_lines}, token=await api.token_for("clerk.e2")
    )
    assert code_of(result) == "BAD_USER_INPUT", result
    assert fragment in result["errors"][0]["message"]
    assert await snapshot(api) == before


async def test_receiving_nothing_or_too_much_is_recorded(api: Api) -> None:
    transfer_id = await shipped(api)  # 5 x CORE-1, 2 x CORE-2 shipped
    bad = await api.gql(
        RECEIVE,
        {"id": transfer_id, "lines": lines(SKU_CORE_1=-1)},
        token=await api.token_for("clerk.e1"),
    )
    assert code_of(bad) == "BAD_USER_INPUT"
    data = await api.data(
        RECEIVE,
        {"id": transfer_id, "lines": lines(SKU_CORE_1=9)},  # CORE-2 not mentioned: none came
        token=await api.token_for("clerk.e1"),
    )
    diffs = data["receiveTransfer"]["differences"]
    assert diffs == [
        {"product": {"sku": "SKU-CORE-1"}, "difference": 4},
        {"product": {"sku": "SKU-CORE-2"}, "difference": -2},
    ]
    assert await level(api, "E1", "SKU-CORE-1") == (9, 0)
    assert await level(api, "E1", "SKU-CORE-2") == (0, 0)


async def test_a_retried_shipment_with_its_key_moves_stock_once(api: Api) -> None:
    transfer_id = await approved(api)
    await stock(api, "E2", "SKU-CORE-1", 20)
    clerk = await api.token_for("clerk.e2")
    variables = {"id": transfer_id, "lines": lines(SKU_CORE_1=5), "key": "van-7"}
    first = await api.data(SHIP, variables, token=clerk)
    again = await api.data(SHIP, variables, token=clerk)
    assert again == first and first["shipTransfer"]["transfer"]["status"] == "SHIPPED"
    assert await level(api, "E2", "SKU-CORE-1") == (15, 0)
    other = await api.gql(SHIP, {**variables, "lines": lines(SKU_CORE_1=4)}, token=clerk)
    assert code_of(other) == "CONFLICT"
    assert other["errors"][0]["extensions"]["argument"] == "idempotencyKey"
    # Without a key the same call is a wrong state, also changing nothing.
    plain = await api.gql(SHIP, {"id": transfer_id, "lines": lines(SKU_CORE_1=5)}, token=clerk)
    assert code_of(plain) == "CONFLICT"
    assert await level(api, "E2", "SKU-CORE-1") == (15, 0)
