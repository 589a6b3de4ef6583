"""Words for the API's enums and numbers, in the current language."""

from __future__ import annotations

from clerk_app.i18n import _

# Marked for translation here, looked up at drawing time (the language may change).
CATEGORIES = {
    "PRODUCT_QUALITY": "Product quality",
    "SERVICE": "Service",
    "PRICE": "Price",
    "HYGIENE": "Hygiene",
    "STOCK_OUT": "Out of stock",
    "OTHER": "Other",
}
TIERS = {"BASIC": "Basic", "SILVER": "Silver", "GOLD": "Gold", "PLATINUM": "Platinum"}
ALERT_KINDS = {"LOW_STOCK": "Low stock", "SLOW_MOVER": "Slow seller", "NEAR_EXPIRY": "Near expiry"}


SHIFT_KINDS = {"OPENING": "Opening shift", "MIDDAY": "Midday shift", "CLOSING": "Closing shift"}


def shift_kind(kind: str) -> str:
    return _(SHIFT_KINDS.get(kind, kind))


def category_name(category: str) -> str:
    return _(CATEGORIES.get(category, category))


def tier_name(tier: str) -> str:
    return _(TIERS.get(tier, tier))


def alert_kind(kind: str) -> str:
    return _(ALERT_KINDS.get(kind, kind))


def cents(value: int) -> str:
    return f"¥{value // 100}.{value % 100:02d}"


def day(timestamp: str | None) -> str:
    """The date part of an ISO timestamp (the store's day is what the clerk reads)."""
    return (timestamp or "")[:10]


RETURN_REASONS = {
    "CHANGED_MIND": "Changed their mind",
    "WRONG_ITEM": "Wrong item",
    "DAMAGED": "Damaged",
    "EXPIRED": "Expired",
    "QUALITY": "Quality problem",
}


def return_reason(reason: str) -> str:
    return _(RETURN_REASONS.get(reason, reason))
