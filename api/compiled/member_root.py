"""`memberByCode` compiled for the common case: a card number whose member the caller has
already opened within the look-up window, with nothing due for refresh.

Opening a card otherwise writes (api/domain/members/profile.py `open_member`): the look-up is
counted in its own transaction (and may be refused past the ceiling), due points expire and the
tier is re-evaluated. The statement checks that none of that would happen (the look-up already
counted, no points due, the tier standing) and answers NULL otherwise: the interpreter then
opens the card, writes included. A QR code (signed, with an expiry) is the interpreter's too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from graphql import FieldNode

from api.compiled.builder import Builder
from api.compiled.roots import RootPart, _fixed
from api.domain.access import Actor, Permission
from api.domain.errors import DomainError
from api.domain.members import codes, limits
from api.domain.members.points import (
    CREDIT_KINDS,
    SPEND_WINDOW,
    TIER_MINIMUM_HOLD,
    TIER_ORDER,
    TIER_THRESHOLD_CENTS,
)
from db.pii import KeyRingError

_TIERS = "ARRAY[" + ", ".join(f"'{t.value}'" for t in TIER_ORDER) + "]::text[]"
_CREDITS = ", ".join(f"'{k.value}'" for k in CREDIT_KINDS)
_TARGET = (
    "CASE "
    + " ".join(
        f"WHEN spend >= {TIER_THRESHOLD_CENTS[t]} THEN {i + 1}"
        for i, t in reversed(list(enumerate(TIER_ORDER)))
    )
    + " END"
)


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


# points.refresh_member changes nothing: no points due (`_expire`), the tier stands
# (`_evaluate_tier`); and limits.record_lookup writes nothing: seen within the window.
_NOTHING_TO_WRITE = f"""EXISTS (SELECT 1 FROM member_view v WHERE v.staff_id = %(staff_id)s::int
          AND v.member_id = {{t}}.id AND v.viewed_at > now() - %({{p}}dedupe)s::interval)
      AND (SELECT least(greatest(
                 coalesce(sum(e.points) FILTER (WHERE e.kind IN ({_CREDITS})
                                                AND e.expires_at <= now()), 0)
                 + coalesce(sum(e.points) FILTER (WHERE e.points < 0), 0), 0),
               {{t}}.points_balance) = 0
             FROM points_ledger e WHERE e.member_id = {{t}}.id)
      AND (SELECT target = current
                  OR (target < current AND {{t}}.tier_since > now() - interval
                      '{_seconds(TIER_MINIMUM_HOLD)} seconds')
             FROM (SELECT {_TARGET} AS target,
                          array_position({_TIERS}, {{t}}.tier::text) AS current
                     FROM (SELECT coalesce(sum(e.spend_cents), 0) AS spend FROM points_ledger e
                            WHERE e.member_id = {{t}}.id AND e.occurred_at > now() - interval
                                  '{_seconds(SPEND_WINDOW)} seconds') spent) tiers)"""


def member_by_code(build: Builder, node: FieldNode, p: str) -> RootPart:
    t = build.alias()
    obj = build.object_json("Member", t, node.selection_set)
    fresh = _NOTHING_TO_WRITE.format(t=t, p=p)
    dedupe = min(limits.CEILING_WINDOW, build.lookup_policy.alert_window)

    def bind(args: dict[str, Any], actor: Actor) -> dict[str, Any] | None:
        try:
            parsed = codes.parse_code(None, args["code"])
        except (DomainError, KeyRingError):
            return None  # malformed, or a QR code: the interpreter checks it
        if parsed.card_number is None:
            return None
        return {f"{p}card": parsed.card_number, f"{p}dedupe": dedupe}

    sql = f"""(SELECT CASE WHEN {fresh} THEN {obj} END
       FROM member {t} WHERE {t}.card_number = %({p}card)s::text)"""
    return RootPart(_fixed(sql), bind, Permission.VIEW_MEMBERS)
