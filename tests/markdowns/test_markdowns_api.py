"""Markdowns over the API: HQ issues, stores see theirs and acknowledge, events are written,
bad input writes nothing; and the stock watch that slow-mover/near-expiry scans feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from api.domain import global_ids
from api.domain.scans import scan_near_expiry, scan_slow_movers
from db.engine import create_session_factory
from tests.conftest import Api

NOW = datetime.now(UTC)
START = (NOW - timedelta(hours=1)).isoformat()
END = (NOW + timedelta(days=3)).isoformat()

MARKDOWN = """markdown { id percentOff startsAt endsAt reason
  targets { store { code } product { sku } acknowledgedAt acknowledgedBy } }"""
ISSUE = f"""mutation($input: IssueMarkdownInput!) {{
  issueMarkdown(input: $input) {{ {MARKDOWN} }} }}"""
ACK = f"""mutation($id: ID!, $store: String!) {{
  acknowledgeMarkdown(markdownId: $id, storeCode: $store) {{ {MARKDOWN} }} }}"""
LIST = """query($store: String, $active: Boolean) { markdowns(storeCode: $store, active: $active) {
  edges { node { id targets { store { code } product { sku } acknowledgedBy } } } } }"""
WATCH = """query($store: String, $kind: StockWatchKind) {
  stockWatch(storeCode: $store, kind: $kind) { edges { node { kind store { code }
    product { sku } onHand lastSoldAt expiresOn quantityExpiring } } } }"""


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def markdown_input(**overrides: Any) -> dict[str, Any]:
    return {
        "percentOff": 30,
        "startsAt": START,
        "endsAt": END,
        "reason": "青团 season is over",
        "targets": [
            {"storeCode": "E1", "sku": "SKU-EAST-1"},
            {"storeCode": "E2", "sku": "SKU-EAST-1"},
            {"storeCode": "W1", "sku": "SKU-CORE-1"},
        ],
        **overrides,
    }


async def sql(api: Api, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    async with api.engine.begin() as conn:
        result = await conn.execute(text(statement), params)
        return [tuple(r) for r in result.all()] if result.returns_rows else []


async def issued(api: Api, **overrides: Any) -> dict[str, Any]:
    data = await api.data(
        ISSUE, {"input": markdown_input(**overrides)}, token=await api.token_for("ops")
    )
    markdown: dict[str, Any] = data["issueMarkdown"]["markdown"]
    return markdown


async def test_hq_issues_and_each_store_sees_and_acknowledges_its_own(api: Api) -> None:
    markdown = await issued(api)
    assert markdown["percentOff"] == 30
    assert [(t["store"]["code"], t["product"]["sku"]) for t in markdown["targets"]] == [
        ("E1", "SKU-EAST-1"),
        ("E2", "SKU-EAST-1"),
        ("W1", "SKU-CORE-1"),
    ]
    assert await sql(
        api,
        "SELECT e.kind, s.code, e.payload->'skus' FROM event e JOIN store s ON s.id = e.store_id "
        "ORDER BY e.id",
    ) == [
        ("MARKDOWN_ISSUED", "E1", ["SKU-EAST-1"]),
        ("MARKDOWN_ISSUED", "E2", ["SKU-EAST-1"]),
        ("MARKDOWN_ISSUED", "W1", ["SKU-CORE-1"]),
    ]

    seen = await api.data(LIST, token=await api.token_for("clerk.w1"))
    [edge] = seen["markdowns"]["edges"]
    assert edge["node"]["targets"] == [
        {"store": {"code": "W1"}, "product": {"sku": "SKU-CORE-1"}, "acknowledgedBy": None}
    ]
    east = await api.data(LIST, token=await api.token_for("rm.east"))
    assert len(east["markdowns"]["edges"][0]["node"]["targets"]) == 2

    clerk = await api.token_for("clerk.e1")
    ack = await api.data(ACK, {"id": markdown["id"], "store": "E1"}, token=clerk)
    [target] = ack["acknowledgeMarkdown"]["markdown"]["targets"]
    assert target["acknowledgedBy"] == "clerk.e1" and target["acknowledgedAt"]
    again = await api.data(ACK, {"id": markdown["id"], "store": "E1"}, token=clerk)
    assert again["acknowledgeMarkdown"]["markdown"]["targets"] == [target]  # unchanged
    assert await sql(api, "SELECT count(*) FROM event WHERE kind = 'MARKDOWN_ACKNOWLEDGED'") == [
        (1,)
    ]

    hq = await api.data(LIST, {"store": "E1"}, token=await api.token_for("ops"))
    assert hq["markdowns"]["edges"][0]["node"]["targets"][0]["acknowledgedBy"] == "clerk.e1"


async def test_acknowledgement_rules(api: Api) -> None:
    # E2 has a markdown of its own, just not this one.
    await issued(api, targets=[{"storeCode": "E2", "sku": "SKU-CORE-2"}])
    markdown = await issued(api, targets=[{"storeCode": "E1", "sku": "SKU-CORE-1"}])
    for user, store, markdown_id, expected in [
        ("clerk.e1", "E2", markdown["id"], "FORBIDDEN"),  # another store
        ("clerk.e2", "E2", markdown["id"], "NOT_FOUND"),  # not E2's markdown
        ("clerk.e1", "E1", global_ids.encode("Markdown", 31337), "NOT_FOUND"),
        ("clerk.e1", "E1", "x", "BAD_USER_INPUT"),
        ("clerk.e1", "E1", "31337", "BAD_USER_INPUT"),  # a bare number is no id
        ("clerk.e1", "E1", global_ids.encode("Transfer", 1), "BAD_USER_INPUT"),
        ("ops", "E1", markdown["id"], "FORBIDDEN"),  # HQ issues, stores acknowledge
        ("rm.east", "E1", markdown["id"], "FORBIDDEN"),
    ]:
        result = await api.gql(
            ACK, {"id": markdown_id, "store": store}, token=await api.token_for(user)
        )
        assert code_of(result) == expected, (user, result)
    await sql(
        api,
        "UPDATE markdown SET starts_at = now() - interval '2 days', "
        "ends_at = now() - interval '1 day'",
    )
    ended = await api.gql(
        ACK, {"id": markdown["id"], "store": "E1"}, token=await api.token_for("sm.e1")
    )
    assert code_of(ended) == "CONFLICT"
    assert await sql(
        api, "SELECT count(*) FROM markdown_target WHERE acknowledged_at IS NOT NULL"
    ) == [(0,)]


@pytest.mark.parametrize(
    ("user", "overrides", "expected"),
    [
        ("ops", {"percentOff": 0}, "BAD_USER_INPUT"),
        ("ops", {"percentOff": 95}, "BAD_USER_INPUT"),
        ("ops", {"endsAt": START}, "BAD_USER_INPUT"),
        (
            "ops",
            {
                "startsAt": (NOW - timedelta(days=3)).isoformat(),
                "endsAt": (NOW - timedelta(days=1)).isoformat(),
            },
            "BAD_USER_INPUT",
        ),
        (
            "ops",
            {"startsAt": "2030-01-01T00:00:00", "endsAt": "2030-01-02T00:00:00"},
            "BAD_USER_INPUT",
        ),
        ("ops", {"reason": "  "}, "BAD_USER_INPUT"),
        ("ops", {"targets": []}, "BAD_USER_INPUT"),
        ("ops", {"targets": [{"storeCode": "E1", "sku": "SKU-CORE-1"}] * 2}, "BAD_USER_INPUT"),
        ("ops", {"targets": [{"storeCode": "ZZ", "sku": "SKU-CORE-1"}]}, "BAD_USER_INPUT"),
        ("ops", {"targets": [{"storeCode": "E1", "sku": "SKU-NOPE"}]}, "BAD_USER_INPUT"),
        # A regional SKU is not sold (so not marked down) outside its region.
        ("ops", {"targets": [{"storeCode": "W1", "sku": "SKU-EAST-1"}]}, "BAD_USER_INPUT"),
        ("sm.e1", {}, "FORBIDDEN"),
        ("rm.east", {}, "FORBIDDEN"),
        ("clerk.e1", {}, "FORBIDDEN"),
    ],
)
async def test_bad_markdowns_write_nothing(
    api: Api, user: str, overrides: dict[str, Any], expected: str
) -> None:
    result = await api.gql(
        ISSUE, {"input": markdown_input(**overrides)}, token=await api.token_for(user)
    )
    assert code_of(result) == expected, result
    assert await sql(
        api,
        "SELECT (SELECT count(*) FROM markdown), (SELECT count(*) FROM markdown_target), "
        "(SELECT count(*) FROM event)",
    ) == [(0, 0, 0)]


async def test_replay_and_active_filter_and_scope(api: Api) -> None:
    token = await api.token_for("ops")
    first = await api.data(
        ISSUE, {"input": {**markdown_input(), "idempotencyKey": "k"}}, token=token
    )
    again = await api.data(
        ISSUE, {"input": {**markdown_input(), "idempotencyKey": "k"}}, token=token
    )
    assert first == again
    later = await issued(
        api,
        startsAt=(NOW + timedelta(days=5)).isoformat(),
        endsAt=(NOW + timedelta(days=6)).isoformat(),
    )

    def ids(data: dict[str, Any]) -> list[str]:
        return [e["node"]["id"] for e in data["markdowns"]["edges"]]

    running = first["issueMarkdown"]["markdown"]["id"]
    assert ids(await api.data(LIST, {"active": True}, token=token)) == [running]
    assert ids(await api.data(LIST, {"active": False}, token=token)) == [later["id"]]
    assert ids(await api.data(LIST, token=token)) == [running, later["id"]]
    refused = await api.gql(LIST, {"store": "W1"}, token=await api.token_for("clerk.e1"))
    assert code_of(refused) == "FORBIDDEN"


async def test_stock_watch_lists_what_the_scans_raised(api: Api) -> None:
    await sql(api, "UPDATE product SET seasonal = true WHERE sku = 'SKU-CORE-1'")
    await sql(
        api,
        "INSERT INTO stock_level (store_id, product_id, on_hand, in_transit) "
        "SELECT s.id, p.id, 8, 0 FROM store s, product p WHERE p.sku = 'SKU-CORE-1'",
    )
    await sql(
        api,
        "INSERT INTO stock_batch (store_id, product_id, quantity, expires_on) "
        "SELECT s.id, p.id, 8, current_date + 1 FROM store s, product p "
        "WHERE p.sku = 'SKU-CORE-1' AND s.code = 'E1'",
    )
    async with create_session_factory(api.engine)() as session, session.begin():
        await scan_slow_movers(session)
        await scan_near_expiry(session)

    everything = await api.data(WATCH, token=await api.token_for("ops"))
    nodes = [e["node"] for e in everything["stockWatch"]["edges"]]
    assert [(n["kind"], n["store"]["code"]) for n in nodes] == [
        ("SLOW_MOVER", "E1"),
        ("SLOW_MOVER", "E2"),
        ("SLOW_MOVER", "W1"),
        ("NEAR_EXPIRY", "E1"),
    ]
    assert nodes[0]["onHand"] == 8 and nodes[0]["lastSoldAt"] is None
    assert nodes[3]["quantityExpiring"] == 8 and nodes[3]["expiresOn"]
    mine = await api.data(WATCH, {"kind": "NEAR_EXPIRY"}, token=await api.token_for("clerk.e1"))
    assert [e["node"]["store"]["code"] for e in mine["stockWatch"]["edges"]] == ["E1"]
    west = await api.data(WATCH, {"store": "W1"}, token=await api.token_for("sm.w1"))
    assert len(west["stockWatch"]["edges"]) == 1
    refused = await api.gql(WATCH, {"store": "W1"}, token=await api.token_for("clerk.e1"))
    assert code_of(refused) == "FORBIDDEN"
