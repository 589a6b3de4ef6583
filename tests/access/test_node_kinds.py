"""`node(id:)` over the kinds that have no look-up of their own, only a list (sales, stock
alerts, orders, markdowns, standards) or GET /photos: each is a node in exactly the scope its
list gives, per role; and `nodes(ids:)` costs what its ids select."""

from __future__ import annotations

from sqlalchemy import text

from api.domain import global_ids
from tests.access.test_node import NODES, start_shift
from tests.conftest import Api


async def several_kinds(api: Api) -> dict[str, str]:
    """One object of each listed-only kind, all at E1: their global ids by type."""
    ops, sm = await api.token_for("ops"), await api.token_for("sm.e1")
    sale = await api.data(
        """mutation($i: RecordSaleInput!) { recordSale(input: $i) { sale { id } } }""",
        {
            "i": {
                "storeCode": "E1",
                "receiptNo": "R-NODE-1",
                "soldAt": "2026-11-20T10:00:00+08:00",
                "lines": [{"sku": "SKU-CORE-2", "quantity": 1, "unitPriceCents": 150}],
            }
        },
        token=await api.token_for("clerk.e1"),
    )
    await api.data(
        """mutation { setStockThresholds(storeCode: "E1", sku: "SKU-CORE-1", safetyStock: 5,
             reorderTarget: 10) { stockLevel { onHand } } }""",
        token=sm,
    )
    alerts = await api.data('{ stockAlerts(storeCode: "E1") { edges { node { id } } } }', token=sm)
    orders = await api.data(
        """mutation { generateReplenishmentOrders(storeCode: "E1") {
             replenishmentOrders { id } } }""",
        token=sm,
    )
    markdown = await api.data(
        """mutation($i: IssueMarkdownInput!) { issueMarkdown(input: $i) { markdown { id } } }""",
        {
            "i": {
                "percentOff": 20,
                "startsAt": "2030-01-01T00:00:00+08:00",
                "endsAt": "2030-01-02T00:00:00+08:00",
                "reason": "test",
                "targets": [{"storeCode": "E1", "sku": "SKU-CORE-1"}],
            }
        },
        token=ops,
    )
    template = await api.data(
        """mutation($i: CreateChecklistTemplateInput!) { createChecklistTemplate(input: $i) {
             checklistTemplate { id items { id } } } }""",
        {"i": {"code": "NODE-STD", "name": "Node standard", "items": [{"text": "Sweep"}]}},
        token=ops,
    )
    async with api.engine.begin() as conn:
        photo_uuid = await conn.scalar(
            text(
                "INSERT INTO photo (sha256, thumbnail_sha256, content_type, width, height, "
                "byte_size, uploaded_by_id) SELECT repeat('a', 64), 'b', 'image/jpeg', 4, 3, "
                "100, id FROM staff WHERE username = 'clerk.e1' RETURNING id"
            )
        )
    created = template["createChecklistTemplate"]["checklistTemplate"]
    return {
        "Sale": sale["recordSale"]["sale"]["id"],
        "StockAlert": alerts["stockAlerts"]["edges"][0]["node"]["id"],
        "ReplenishmentOrder": orders["generateReplenishmentOrders"]["replenishmentOrders"][0]["id"],
        "Markdown": markdown["issueMarkdown"]["markdown"]["id"],
        "ChecklistTemplate": created["id"],
        "ChecklistItem": created["items"][0]["id"],
        "Photo": global_ids.encode("Photo", photo_uuid),
    }


# Per role and type: found, the error code, or hidden (no permission for the type).
KIND_OUTCOMES = {
    "clerk.e1": ["found"] * 7,
    "clerk.w1": ["NOT_FOUND"] * 4 + ["found", "found", "FORBIDDEN"],
    "sm.e1": ["found"] * 6 + ["FORBIDDEN"],
    "rm.east": ["found"] * 6 + ["FORBIDDEN"],
    "handler.east": ["hidden", "found", "found", "found", "hidden", "hidden", "FORBIDDEN"],
    "compliance": ["found"] * 4 + ["hidden", "hidden", "FORBIDDEN"],
    "ops": ["found"] * 6 + ["FORBIDDEN"],
}


async def test_listed_kinds_are_nodes_in_their_lists_scope(api: Api) -> None:
    ids = await several_kinds(api)
    kinds = list(ids)
    assert kinds == [
        "Sale",
        "StockAlert",
        "ReplenishmentOrder",
        "Markdown",
        "ChecklistTemplate",
        "ChecklistItem",
        "Photo",
    ]
    for username, expected in KIND_OUTCOMES.items():
        result = await api.gql(
            NODES, {"ids": list(ids.values())}, token=await api.token_for(username)
        )
        errors = {e["path"][1]: e["extensions"]["code"] for e in result.get("errors", [])}
        hidden = {h["path"][1] for h in result.get("extensions", {}).get("hiddenFields", [])}
        outcomes = []
        for i, node in enumerate(result["data"]["nodes"]):
            if node is not None:
                assert node == {"__typename": kinds[i], "id": ids[kinds[i]]}
                outcomes.append("found")
            else:
                outcomes.append(errors.get(i) or ("hidden" if i in hidden else "null"))
        assert outcomes == expected, username


async def test_nodes_costs_what_its_ids_select(api: Api) -> None:
    token = await api.token_for("ops")
    shift_id = await start_shift(api)
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Shift { items { text } } } }"
    one = await api.gql(query, {"ids": [shift_id]}, token=token)
    ten = await api.gql(query, {"ids": [shift_id] * 10}, token=token)
    # 1 for nodes, then per id: id, items, text
    assert one["extensions"]["cost"]["requested"] == 1 + 3
    assert ten["extensions"]["cost"]["requested"] == 1 + 10 * 3
    literal = await api.gql(f'{{ nodes(ids: ["{shift_id}", "{shift_id}"]) {{ id }} }}', token=token)
    assert literal["extensions"]["cost"]["requested"] == 1 + 2
