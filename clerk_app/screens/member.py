from __future__ import annotations

from typing import Any

from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen, label
from clerk_app.screens.labels import category_name, cents, day, tier_name


class MemberScreen(ClerkScreen):
    """The member card after a scan. It never has a phone field: the API gives a clerk none."""

    kv_name = "member"
    card: dict[str, Any] | None = None

    def on_pre_enter(self, *_args: Any) -> None:
        self.app.window.secure(True)  # no screenshots of a member's card

    def on_leave(self, *_args: Any) -> None:
        self.app.window.secure(False)

    def prepare(self, card: dict[str, Any] | None = None, **_ignored: Any) -> None:
        self.card = card
        self.render()

    def render(self) -> None:
        box = self.ids.card
        box.clear_widgets()
        card = self.card
        if not card:
            return
        add = box.add_widget
        add(label("Heading", card.get("displayName") or _("(no name)")))
        add(label("Body", _("Card {number}").format(number=card.get("cardNumber", ""))))
        add(
            label(
                "Body",
                _("{tier} · {points} points").format(
                    tier=tier_name(card.get("tier", "")), points=card.get("points", 0)
                ),
            )
        )
        preferences = card.get("preferences") or {}
        likes = [p["key"] for p in preferences.get("topCategories") or []][:3]
        likes += [p["key"] for p in preferences.get("topProducts") or []][:3]
        add(label("Heading", _("Likes")))
        add(label("Body", "、".join(likes) if likes else _("Nothing yet")))
        coupons = card.get("coupons") or []
        add(label("Heading", _("Coupons ({n})").format(n=len(coupons))))
        for coupon in coupons:
            add(
                label(
                    "Body",
                    _("{value} off, until {date}").format(
                        value=cents(coupon["valueCents"]), date=day(coupon.get("expiresAt"))
                    ),
                )
            )
        pickups = card.get("pendingPickups") or []
        add(label("Heading", _("Waiting for pickup ({n})").format(n=len(pickups))))
        for pickup in pickups:
            add(
                label(
                    "Body",
                    _("{product} x {quantity} at {store}").format(
                        product=pickup["product"]["name"],
                        quantity=pickup["quantity"],
                        store=pickup["store"]["name"],
                    ),
                )
            )
        complaints = card.get("openComplaints") or []
        add(label("Heading", _("Open complaints ({n})").format(n=len(complaints))))
        for complaint in complaints:
            add(
                label(
                    "Warning" if complaint.get("status") == "OPEN" else "Body",
                    _("{category}, filed {date}").format(
                        category=category_name(complaint["category"]),
                        date=day(complaint.get("filedAt")),
                    ),
                )
            )

    def complaint_for_member(self) -> None:
        code = (self.card or {}).get("cardNumber")
        self.app.go("complaint", member_code=code)
