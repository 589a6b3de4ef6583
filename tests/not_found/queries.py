"""Every Query field's key arguments, each with a key that names nothing."""

from __future__ import annotations

from api.domain import global_ids
from tests.not_found.cases import card_number_of_nobody, q, unknown_like

QUERIES = [
    q(
        "node",
        "id",
        "query($id: ID!) { node(id: $id) { id } }",
        variables=lambda w: {"id": unknown_like(w["shift"])},
    ),
    q(
        "nodes",
        "ids",
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        variables=lambda w: {"ids": [unknown_like(w["complaint"])]},
    ),
    q("store", "code", 'query { store(code: "NOPE") { code } }'),
    q(
        "promotion",
        "id",
        "query($id: ID!) { promotion(id: $id) { id } }",
        variables=lambda w: {"id": global_ids.encode("Promotion", 987654321)},
    ),
    q(
        "priceBasket",
        "storeCode",
        'query { priceBasket(storeCode: "NOPE", lines: [{sku: "SKU-CORE-1", quantity: 1, '
        "unitPriceCents: 200}]) { totalCents } }",
    ),
    q(
        "priceBasket",
        "sku",
        'query { priceBasket(storeCode: "E1", lines: [{sku: "SKU-NOPE", quantity: 1, '
        "unitPriceCents: 200}]) { totalCents } }",
    ),
    q(
        "applicableOffers",
        "storeCode",
        'query { applicableOffers(storeCode: "NOPE") { coupons { couponId } } }',
    ),
    q("product", "sku", 'query { product(sku: "SKU-NOPE") { sku } }'),
    q(
        "stores",
        "regionCode",
        'query { stores(filter: {regionCode: "NOPE"}) { edges { cursor } } }',
    ),
    q(
        "products",
        "soldInRegion",
        'query { products(filter: {soldInRegion: "NOPE"}) { edges { cursor } } }',
    ),
    q("staff", "storeCode", 'query { staff(filter: {storeCode: "NOPE"}) { edges { cursor } } }'),
    q("staff", "regionCode", 'query { staff(filter: {regionCode: "NOPE"}) { edges { cursor } } }'),
    q(
        "transfer",
        "id",
        "query($id: ID!) { transfer(id: $id) { id } }",
        variables=lambda w: {"id": unknown_like(w["transfer"])},
    ),
    q(
        "transfers",
        "storeCode",
        'query { transfers(filter: {storeCode: "NOPE"}) { edges { cursor } } }',
    ),
    q(
        "replenishmentOrders",
        "storeCode",
        'query { replenishmentOrders(storeCode: "NOPE") { edges { cursor } } }',
    ),
    q("markdowns", "storeCode", 'query { markdowns(storeCode: "NOPE") { edges { cursor } } }'),
    q("stockWatch", "storeCode", 'query { stockWatch(storeCode: "NOPE") { edges { cursor } } }'),
    q(
        "salesSummary",
        "storeCode",
        'query { salesSummary(storeCode: "NOPE", from: "2026-01-01T00:00:00Z", '
        'to: "2026-01-02T00:00:00Z") { receipts } }',
    ),
    q(
        "stockLevel",
        "storeCode",
        'query { stockLevel(storeCode: "NOPE", sku: "SKU-CORE-1") { onHand } }',
    ),
    q("stockLevel", "sku", 'query { stockLevel(storeCode: "E1", sku: "SKU-NOPE") { onHand } }'),
    q("stockLevels", "storeCode", 'query { stockLevels(storeCode: "NOPE") { edges { cursor } } }'),
    q(
        "nearbyStock",
        "storeCode",
        'query { nearbyStock(sku: "SKU-CORE-1", storeCode: "NOPE") { onHand } }',
    ),
    q("nearbyStock", "sku", 'query { nearbyStock(sku: "SKU-NOPE", storeCode: "E1") { onHand } }'),
    q("stockAlerts", "storeCode", 'query { stockAlerts(storeCode: "NOPE") { edges { cursor } } }'),
    q(
        "memberByCode",
        "code",
        "query($c: String!) { memberByCode(code: $c) { id } }",
        "clerk.e1",
        variables=lambda w: {"c": card_number_of_nobody()},
    ),
    q(
        "memberByPhone",
        "phone",
        'query { memberByPhone(phone: "138 0013 8000") { id } }',
        "clerk.e1",
    ),
    q(
        "member",
        "id",
        "query($id: ID!) { member(id: $id) { id } }",
        "clerk.e1",
        variables=lambda w: {"id": unknown_like(w["member"])},
    ),
    q(
        "memberCode",
        "memberId",
        "query($id: ID!) { memberCode(memberId: $id) { code } }",
        variables=lambda w: {"id": unknown_like(w["member"])},
    ),
    q(
        "piiAccessLog",
        "memberId",
        "query($id: ID!) { piiAccessLog(filter: {memberId: $id}) { edges { cursor } } }",
        "compliance",
        variables=lambda w: {"id": unknown_like(w["member"])},
    ),
    q(
        "piiAccessLog",
        "staffUsername",
        'query { piiAccessLog(filter: {staffUsername: "nobody"}) { edges { cursor } } }',
        "compliance",
    ),
    q(
        "privacyAlerts",
        "staffUsername",
        'query { privacyAlerts(staffUsername: "nobody") { edges { cursor } } }',
        "compliance",
    ),
    q(
        "shift",
        "id",
        "query($id: ID!) { shift(id: $id) { id } }",
        variables=lambda w: {"id": unknown_like(w["shift"])},
    ),
    q("shifts", "storeCode", 'query { shifts(storeCode: "NOPE") { edges { cursor } } }'),
    q(
        "standardsReport",
        "regionCode",
        'query { standardsReport(from: "2026-01-01", to: "2026-01-02", regionCode: "NOPE") '
        "{ edges { cursor } } }",
    ),
    q(
        "standardsReport",
        "storeCode",
        'query { standardsReport(from: "2026-01-01", to: "2026-01-02", storeCode: "NOPE") '
        "{ edges { cursor } } }",
    ),
    q(
        "storeDayPhotos",
        "storeCode",
        'query { storeDayPhotos(storeCode: "NOPE", date: "2026-01-01") { edges { cursor } } }',
    ),
    q(
        "complaint",
        "id",
        "query($id: ID!) { complaint(id: $id) { id } }",
        variables=lambda w: {"id": unknown_like(w["complaint"])},
    ),
    q(
        "complaints",
        "storeCode",
        'query { complaints(filter: {storeCode: "NOPE"}) { edges { cursor } } }',
    ),
    q(
        "complaints",
        "regionCode",
        'query { complaints(filter: {regionCode: "NOPE"}) { edges { cursor } } }',
    ),
    q(
        "complaintRouting",
        "regionCode",
        'query { complaintRouting(regionCode: "NOPE") { category } }',
    ),
    q(
        "complaintStats",
        "regionCode",
        'query { complaintStats(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", '
        'regionCode: "NOPE") { stores { count } } }',
    ),
    q(
        "complaintStats",
        "storeCode",
        'query { complaintStats(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", '
        'storeCode: "NOPE") { stores { count } } }',
    ),
    q(
        "helpRequest",
        "id",
        "query($id: ID!) { helpRequest(id: $id) { id } }",
        variables=lambda w: {"id": global_ids.encode("HelpRequest", 987654321)},
    ),
    q(
        "helpRequests",
        "storeCode",
        'query { helpRequests(storeCode: "NOPE") { edges { cursor } } }',
    ),
    q("storeAlerts", "storeCode", 'query { storeAlerts(storeCode: "NOPE") { edges { cursor } } }'),
    q(
        "kpis",
        "storeCode",
        'query { kpis(from: "2026-01-01", to: "2026-01-31", storeCode: "NOPE") { storeCount } }',
    ),
    q(
        "kpis",
        "regionCode",
        'query { kpis(from: "2026-01-01", to: "2026-01-31", regionCode: "NOPE") { storeCount } }',
    ),
    q(
        "trafficHeatmap",
        "storeCode",
        'query { trafficHeatmap(storeCode: "NOPE", from: "2026-01-01", to: "2026-01-31") '
        "{ weekday } }",
    ),
    q(
        "staffRanking",
        "storeCode",
        'query { staffRanking(month: "2026-01-01", storeCode: "NOPE") { edges { cursor } } }',
    ),
    q(
        "staffRanking",
        "regionCode",
        'query { staffRanking(month: "2026-01-01", regionCode: "NOPE") { edges { cursor } } }',
    ),
    q(
        "coverWarnings",
        "storeCode",
        'query { coverWarnings(storeCode: "NOPE") { edges { cursor } } }',
    ),
    q(
        "coverWarnings",
        "regionCode",
        'query { coverWarnings(regionCode: "NOPE") { edges { cursor } } }',
    ),
    q(
        "demandForecast",
        "sku",
        'query { demandForecast(sku: "SKU-NOPE", storeCode: "E1") { day } }',
    ),
    q(
        "demandForecast",
        "storeCode",
        'query { demandForecast(sku: "SKU-CORE-1", storeCode: "NOPE") { day } }',
    ),
    q(
        "demandForecast",
        "regionCode",
        'query { demandForecast(sku: "SKU-CORE-1", regionCode: "NOPE") { day } }',
    ),
    q(
        "openStockAlertCounts",
        "regionCode",
        'query { openStockAlertCounts(regionCode: "NOPE") { openAlerts } }',
    ),
    q(
        "receiptForReturn",
        "storeCode",
        'query { receiptForReturn(storeCode: "NOPE", receiptNo: "R-1") { __typename } }',
    ),
    q(
        "storeOperations",
        "storeCode",
        'query { storeOperations(storeCode: "NOPE", from: "2026-01-01", to: "2026-01-31") '
        "{ __typename } }",
    ),
    q(
        "productInsights",
        "storeCode",
        'query { productInsights(from: "2026-01-01", to: "2026-01-31", storeCode: "NOPE") '
        "{ __typename } }",
    ),
    q(
        "productInsights",
        "regionCode",
        'query { productInsights(from: "2026-01-01", to: "2026-01-31", regionCode: "NOPE") '
        "{ __typename } }",
    ),
    q(
        "digitalAdoption",
        "storeCode",
        'query { digitalAdoption(month: "2026-01-01", storeCode: "NOPE") { __typename } }',
    ),
    q(
        "digitalAdoption",
        "regionCode",
        'query { digitalAdoption(month: "2026-01-01", regionCode: "NOPE") { __typename } }',
    ),
    q(
        "digitalExperts",
        "regionCode",
        'query { digitalExperts(month: "2026-01-01", regionCode: "NOPE") { __typename } }',
    ),
    q(
        "trainingTasks",
        "storeCode",
        'query { trainingTasks(storeCode: "NOPE") { edges { cursor } } }',
    ),
    q(
        "promotionRedemption",
        "promotionId",
        "query($id: ID!) { promotionRedemption(promotionId: $id) { __typename } }",
        variables=lambda w: {"id": global_ids.encode("Promotion", 987654321)},
    ),
    q(
        "promotionExecution",
        "promotionId",
        "query($id: ID!) { promotionExecution(promotionId: $id) { __typename } }",
        variables=lambda w: {"id": global_ids.encode("Promotion", 987654321)},
    ),
]
