"""The mutations' key arguments, each with a key that names nothing (other input valid)."""

from __future__ import annotations

from typing import Any

from api.domain import global_ids
from tests.members.conftest import new_member
from tests.not_found.cases import NOPE, card_number_of_nobody, q, unknown_like

LINE = '{sku: "SKU-CORE-1", quantity: 1}'
MUTATIONS = [
    q(
        "setStoreOpeningHours",
        "storeCode",
        'mutation { setStoreOpeningHours(storeCode: "NOPE", openingHours: []) { store { code } } }',
    ),
    q(
        "createStaff",
        "storeCode",
        'mutation { createStaff(input: {username: "new.one", displayName: "New", role: CLERK, '
        'password: "a-long-enough-password", storeCode: "NOPE"}) { staff { username } } }',
    ),
    q(
        "createStaff",
        "regionCode",
        'mutation { createStaff(input: {username: "new.one", displayName: "New", '
        'role: REGION_MANAGER, password: "a-long-enough-password", regionCode: "NOPE"}) '
        "{ staff { username } } }",
    ),
    q(
        "freezeStaff",
        "username",
        'mutation { freezeStaff(username: "nobody") { staff { username } } }',
    ),
    q(
        "unfreezeStaff",
        "username",
        'mutation { unfreezeStaff(username: "nobody") { staff { username } } }',
    ),
    q(
        "createApiToken",
        "storeCode",
        'mutation { createApiToken(input: {name: "pos-nope", expiresInDays: 30, storeCode: "NOPE"}) '
        "{ token } }",
    ),
    q(
        "revokeApiToken",
        "id",
        "mutation($id: ID!) { revokeApiToken(id: $id) { revoked } }",
        variables=lambda w: {"id": unknown_like(w["apiToken"])},
    ),
    q(
        "requestTransfer",
        "fromStoreCode",
        f'mutation {{ requestTransfer(input: {{fromStoreCode: "NOPE", toStoreCode: "E1", '
        f"lines: [{LINE}]}}) {{ transfer {{ id }} }} }}",
        "clerk.e1",
    ),
    q(
        "requestTransfer",
        "toStoreCode",
        f'mutation {{ requestTransfer(input: {{fromStoreCode: "E2", toStoreCode: "NOPE", '
        f"lines: [{LINE}]}}) {{ transfer {{ id }} }} }}",
        "clerk.e1",
    ),
    q(
        "approveTransfer",
        "id",
        "mutation($id: ID!) { approveTransfer(id: $id) { transfer { id } } }",
        variables=lambda w: {"id": unknown_like(w["transfer"])},
    ),
    q(
        "shipTransfer",
        "transferId",
        f"mutation($id: ID!) {{ shipTransfer(input: {{transferId: $id, lines: [{LINE}]}}) "
        "{ transfer { id } } }",
        variables=lambda w: {"id": unknown_like(w["transfer"])},
    ),
    q(
        "receiveTransfer",
        "transferId",
        f"mutation($id: ID!) {{ receiveTransfer(input: {{transferId: $id, lines: [{LINE}]}}) "
        "{ transfer { id } } }",
        variables=lambda w: {"id": unknown_like(w["transfer"])},
    ),
    q(
        "cancelTransfer",
        "id",
        "mutation($id: ID!) { cancelTransfer(id: $id) { transfer { id } } }",
        variables=lambda w: {"id": unknown_like(w["transfer"])},
    ),
    q(
        "generateReplenishmentOrders",
        "storeCode",
        'mutation { generateReplenishmentOrders(storeCode: "NOPE") { replenishmentOrders { id } } }',
    ),
    q(
        "approveReplenishmentOrder",
        "id",
        "mutation($id: ID!) { approveReplenishmentOrder(id: $id) { replenishmentOrder { id } } }",
        variables=lambda w: {"id": unknown_like(w["order"])},
    ),
    q(
        "receiveReplenishmentOrder",
        "replenishmentOrderId",
        f"mutation($id: ID!) {{ receiveReplenishmentOrder(input: {{replenishmentOrderId: $id, "
        f"lines: [{LINE}]}}) {{ replenishmentOrder {{ id }} }} }}",
        variables=lambda w: {"id": unknown_like(w["order"])},
    ),
    q(
        "cancelReplenishmentOrder",
        "id",
        "mutation($id: ID!) { cancelReplenishmentOrder(id: $id) { replenishmentOrder { id } } }",
        variables=lambda w: {"id": unknown_like(w["order"])},
    ),
    q(
        "acknowledgeMarkdown",
        "markdownId",
        'mutation($id: ID!) { acknowledgeMarkdown(markdownId: $id, storeCode: "E1") '
        "{ markdown { id } } }",
        "clerk.e1",
        variables=lambda w: {"id": unknown_like(w["markdown"])},
    ),
    q(
        "acknowledgeMarkdown",
        "storeCode",
        'mutation($id: ID!) { acknowledgeMarkdown(markdownId: $id, storeCode: "NOPE") '
        "{ markdown { id } } }",
        variables=lambda w: {"id": w["markdown"]},
    ),
    q(
        "recordSale",
        "storeCode",
        "mutation($input: RecordSaleInput!) { recordSale(input: $input) { sale { id } } }",
        variables=lambda w: {"input": _sale(storeCode=NOPE)},
    ),
    q(
        "recordSale",
        "memberCode",
        "mutation($input: RecordSaleInput!) { recordSale(input: $input) { sale { id } } }",
        "clerk.e1",
        variables=lambda w: {"input": _sale(memberCode=card_number_of_nobody())},
    ),
    q(
        "recordReturn",
        "storeCode",
        'mutation { recordReturn(input: {storeCode: "NOPE", originalStoreCode: "E1", '
        f'receiptNo: "R-NOPE", lines: [{LINE}]}}) {{ saleReturn {{ id }} }} }}',
    ),
    q(
        "recordReturn",
        "originalStoreCode",
        'mutation { recordReturn(input: {storeCode: "E1", originalStoreCode: "NOPE", '
        f'receiptNo: "R-NOPE", lines: [{LINE}]}}) {{ saleReturn {{ id }} }} }}',
    ),
    q(
        "recordReturn",
        "receiptNo",
        'mutation { recordReturn(input: {storeCode: "E1", originalStoreCode: "E1", '
        f'receiptNo: "R-NOPE", lines: [{LINE}]}}) {{ saleReturn {{ id }} }} }}',
    ),
    q(
        "setStockThresholds",
        "storeCode",
        'mutation { setStockThresholds(storeCode: "NOPE", sku: "SKU-CORE-1", safetyStock: 1, '
        "reorderTarget: 2) { stockLevel { onHand } } }",
    ),
    q(
        "setStockThresholds",
        "sku",
        'mutation { setStockThresholds(storeCode: "E1", sku: "SKU-NOPE", safetyStock: 1, '
        "reorderTarget: 2) { stockLevel { onHand } } }",
    ),
    q(
        "enrollMember",
        "storeCode",
        "mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { member { id } } }",
        variables=lambda w: {"input": new_member(phone="13900001111", storeCode=NOPE)},
    ),
    q(
        "setMemberMarketingConsent",
        "memberId",
        "mutation($id: ID!) { setMemberMarketingConsent(memberId: $id, consent: true) "
        "{ member { id } } }",
        "clerk.e1",
        variables=lambda w: {"id": unknown_like(w["member"])},
    ),
    q(
        "setMemberTags",
        "memberId",
        "mutation($id: ID!) { setMemberTags(memberId: $id, tags: []) { member { id } } }",
        "clerk.e1",
        variables=lambda w: {"id": unknown_like(w["member"])},
    ),
    q(
        "updateChecklistTemplate",
        "templateId",
        'mutation($id: ID!) { updateChecklistTemplate(input: {templateId: $id, name: "N", '
        'items: [{text: "Floor swept"}]}) { checklistTemplate { id } } }',
        "ops",
        variables=lambda w: {"id": unknown_like(w["template"])},
    ),
    q(
        "retireChecklistTemplate",
        "templateId",
        "mutation($id: ID!) { retireChecklistTemplate(input: {templateId: $id}) "
        "{ checklistTemplate { id } } }",
        "ops",
        variables=lambda w: {"id": unknown_like(w["template"])},
    ),
    q(
        "startShift",
        "storeCode",
        'mutation { startShift(input: {storeCode: "NOPE", kind: OPENING}) { shift { id } } }',
        "clerk.e2",
    ),
    q(
        "recordShiftItem",
        "shiftId",
        "mutation($id: ID!, $item: ID!) { recordShiftItem(input: {shiftId: $id, itemId: $item}) "
        "{ shift { id } } }",
        "clerk.e1",
        variables=lambda w: {"id": unknown_like(w["shift"]), "item": w["shiftItem"]},
    ),
    q(
        "completeHandover",
        "shiftId",
        "mutation($id: ID!) { completeHandover(input: {shiftId: $id}) { shift { id } } }",
        "clerk.e1",
        variables=lambda w: {"id": unknown_like(w["shift"])},
    ),
    q(
        "endShift",
        "shiftId",
        "mutation($id: ID!) { endShift(input: {shiftId: $id}) { shift { id } } }",
        "clerk.e1",
        variables=lambda w: {"id": unknown_like(w["shift"])},
    ),
    q(
        "acceptHandover",
        "shiftId",
        "mutation($id: ID!) { acceptHandover(input: {shiftId: $id}) { shift { id } } }",
        "clerk.e1",
        variables=lambda w: {"id": unknown_like(w["shift"])},
    ),
    q(
        "fileComplaint",
        "storeCode",
        'mutation { fileComplaint(input: {storeCode: "NOPE", category: SERVICE, '
        'description: "Rude"}) { complaint { id } } }',
    ),
    q(
        "fileComplaint",
        "memberCode",
        'mutation($c: String!) { fileComplaint(input: {storeCode: "E1", category: SERVICE, '
        'description: "Rude", memberCode: $c}) { complaint { id } } }',
        "clerk.e1",
        variables=lambda w: {"c": card_number_of_nobody()},
    ),
    q(
        "fileComplaint",
        "receiptNo",
        'mutation { fileComplaint(input: {storeCode: "E1", category: SERVICE, '
        'description: "Rude", receiptNo: "R-NOPE"}) { complaint { id } } }',
        "clerk.e1",
    ),
    *[
        q(
            name,
            "complaintId",
            f"mutation($id: ID!) {{ {name}(input: {{complaintId: $id{extra}}}) "
            "{ complaint { id } } }",
            variables=lambda w: {"id": unknown_like(w["complaint"])},
        )
        for name, extra in [
            ("startComplaintWork", ""),
            ("closeComplaint", ""),
            ("resolveComplaint", ', resolution: "Refunded"'),
            ("reopenComplaint", ', reason: "Still broken"'),
            ("reassignComplaint", ', assigneeUsername: "handler.east"'),
        ]
    ],
    q(
        "setComplaintRouting",
        "regionCode",
        'mutation { setComplaintRouting(input: {regionCode: "NOPE", category: SERVICE, '
        'handlerUsernames: ["handler.east"]}) { route { category } } }',
    ),
    q(
        "requestHelp",
        "storeCode",
        'mutation { requestHelp(input: {storeCode: "NOPE", note: "help"}) { helpRequest { id } } }',
        "clerk.e1",
    ),
    q(
        "answerHelpRequest",
        "helpRequestId",
        'mutation($id: ID!) { answerHelpRequest(input: {helpRequestId: $id, answer: "ok"}) '
        "{ helpRequest { id } } }",
        "ops",
        variables=lambda w: {"id": global_ids.encode("HelpRequest", 987654321)},
    ),
]


def _sale(**overrides: Any) -> dict[str, Any]:
    return {
        "storeCode": "E1",
        "receiptNo": "R-NF",
        "soldAt": "2026-01-01T10:00:00+08:00",
        "lines": [{"sku": "SKU-CORE-1", "quantity": 1, "unitPriceCents": 200}],
        **overrides,
    }
