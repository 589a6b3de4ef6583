"""The member card's types as SQL (clerk/MemberByCode's MemberCard fragment and more).

Each list is the query its DataLoader or domain function runs, in the same order:
api/domain/members/preferences.py (top 3 per kind, share of the member's sales),
api/domain/members/purchases.py (newest first), api/domain/complaints/queries.py (open
complaints in the caller's scope, coupons unexpired and unused, pickups pending).
"""

from __future__ import annotations

from api.compiled import sql_text as q
from api.compiled.types import Child, ChildList, Field, NewestPage, Scalar
from api.domain.access import Permission, StoreScope
from api.domain.complaints.common import OPEN_STATUSES
from api.domain.members.preferences import TOP

_OPEN = ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)
_COMPLAINT_SCOPE = q.psycopg_params(
    StoreScope.sql_text(
        "{c}.store_id", "(SELECT s.region_id FROM store s WHERE s.id = {c}.store_id)"
    )
)


def _preferences(kind: str) -> ChildList:
    # The row carries the member's sale count (the share's denominator): see `preferences`.
    return ChildList(
        "MemberPreference",
        f"FROM (SELECT mp.*, {{t}}.sales FROM member_preference mp"
        f" WHERE mp.member_id = {{t}}.id AND mp.kind = '{kind}'"
        f" ORDER BY mp.spend_cents DESC, mp.purchases DESC, mp.key LIMIT {TOP}) {{c}}",
        "{c}.spend_cents DESC, {c}.purchases DESC, {c}.key",
    )


MEMBER_TYPES: dict[str, dict[str, Field]] = {
    "Member": {
        "id": Scalar(q.global_id("Member", "{t}.id")),
        "cardNumber": Scalar("{t}.card_number"),
        "displayName": Scalar("{t}.display_name"),
        "tier": Scalar("{t}.tier"),
        "tierSince": Scalar(q.iso_datetime("{t}.tier_since")),
        "points": Scalar("{t}.points_balance"),
        "enrolledAt": Scalar(q.iso_datetime("{t}.enrolled_at")),
        "marketingConsent": Scalar("{t}.marketing_consent"),
        "marketingConsentAt": Scalar(q.iso_datetime("{t}.marketing_consent_at")),
        "tags": Scalar("to_json({t}.tags)"),
        "enrolledStore": Child("Store", "FROM store {c} WHERE {c}.id = {t}.enrolled_store_id"),
        "preferences": Child(
            "MemberPreferences",
            "FROM (SELECT {t}.id, {t}.tags, greatest((SELECT count(*) FROM sale"
            " WHERE sale.member_id = {t}.id), 1) AS sales) {c}",
        ),
        "recentPurchases": NewestPage(
            "MemberPurchase",
            "FROM sale {c} WHERE {c}.member_id = {t}.id",
            "{c}.sold_at DESC, {c}.store_id DESC, {c}.id DESC",
            default_first=20,
        ),
        "openComplaints": ChildList(
            "Complaint",
            f"FROM complaint {{c}} WHERE {{c}}.member_id = {{t}}.id"
            f" AND {{c}}.status IN ({_OPEN}) AND {_COMPLAINT_SCOPE}",
            "{c}.id DESC",
        ),
        "coupons": ChildList(
            "MemberCoupon",
            "FROM member_coupon {c} WHERE {c}.member_id = {t}.id"
            " AND {c}.redeemed_at IS NULL AND {c}.expires_at > now()",
            "{c}.expires_at, {c}.id",
        ),
        "pendingPickups": ChildList(
            "ReplacementPickup",
            "FROM complaint_pickup {c} WHERE {c}.member_id = {t}.id AND {c}.status = 'PENDING'",
            "{c}.id",
        ),
    },
    "MemberPreferences": {
        "tags": Scalar("to_json({t}.tags)"),
        "topCategories": _preferences("CATEGORY"),
        "topProducts": _preferences("PRODUCT"),
        "promotionTypes": _preferences("PROMOTION_TYPE"),
    },
    "MemberPreference": {
        "key": Scalar("{t}.key"),
        "purchases": Scalar("{t}.purchases"),
        "quantity": Scalar("{t}.quantity"),
        "spendCents": Scalar("{t}.spend_cents"),
        "share": Scalar(
            q.python_float(f"least({q.python_round3('{t}.purchases', '{t}.sales')}, 1)")
        ),
    },
    "MemberPurchase": {
        "receiptNo": Scalar("{t}.receipt_no"),
        "soldAt": Scalar(q.iso_datetime("{t}.sold_at")),
        "totalCents": Scalar("{t}.total_cents"),
        "pointsRedeemed": Scalar("{t}.points_redeemed"),
        "store": Child("Store", "FROM store {c} WHERE {c}.id = {t}.store_id"),
    },
    "Complaint": {
        "id": Scalar(q.global_id("Complaint", "{t}.id")),
        "status": Scalar("{t}.status"),
        "category": Scalar("{t}.category"),
        "receiptNo": Scalar("{t}.receipt_no"),
        "filedAt": Scalar(q.iso_datetime("{t}.filed_at")),
        "firstResponseDueAt": Scalar(q.iso_datetime("{t}.first_response_due_at")),
        "resolutionDueAt": Scalar(q.iso_datetime("{t}.resolution_due_at")),
        "reopenCount": Scalar("{t}.reopen_count"),
    },
    "MemberCoupon": {
        "id": Scalar(q.global_id("MemberCoupon", "{t}.id")),
        "valueCents": Scalar("{t}.value_cents"),
        "issuedAt": Scalar(q.iso_datetime("{t}.issued_at")),
        "expiresAt": Scalar(q.iso_datetime("{t}.expires_at")),
        "complaintId": Scalar(
            f"CASE WHEN {{t}}.complaint_id IS NULL THEN NULL"
            f" ELSE {q.global_id('Complaint', '{t}.complaint_id')} END"
        ),
    },
    "ReplacementPickup": {
        "id": Scalar(q.global_id("ReplacementPickup", "{t}.id")),
        "status": Scalar("{t}.status"),
        "quantity": Scalar("{t}.quantity"),
        "createdAt": Scalar(q.iso_datetime("{t}.created_at")),
        "collectedAt": Scalar(q.iso_datetime("{t}.collected_at")),
        "complaintId": Scalar(q.global_id("Complaint", "{t}.complaint_id")),
        "product": Child("Product", "FROM product {c} WHERE {c}.id = {t}.product_id"),
        "store": Child("Store", "FROM store {c} WHERE {c}.id = {t}.store_id"),
    },
}

# Fields under @requires beyond the root's permission: a role without it is not compiled.
MEMBER_REQUIRES = {("Member", "openComplaints"): Permission.VIEW_COMPLAINTS}
