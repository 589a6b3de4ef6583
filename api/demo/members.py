"""Demo members: 300 deterministic members across the demo stores, for the demo and tests.

Idempotent: card numbers come from a generator seeded with a constant, and rows are inserted
with ``ON CONFLICT DO NOTHING`` (card number or phone blind index), so a second run adds
nothing. Phone numbers are fictitious ``+86 199 0000 xxxx``-style mobiles, encrypted with the
configured PII key ring like any other. Each member gets a welcome bonus in the points ledger;
one in five was granted a higher tier at enrolment (as a marketing upgrade would).
"""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.members import codes, points
from api.domain.members.phones import seal_phone
from db.models import Member, MemberTier, Staff, Store
from db.pii import KeyRing

DEMO_MEMBERS = 300
_SEED = 20261125
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
_TAGS = ["sugar-free", "organic", "vegan", "halal", "coffee", "snacks", "baby", "pets", "beer"]
_TIERS = [MemberTier.SILVER, MemberTier.GOLD, MemberTier.PLATINUM]


def demo_member_specs() -> list[dict[str, object]]:
    """The demo members as plain values (phone in E.164), in a fixed order."""
    rng = random.Random(_SEED)  # noqa: S311 - deterministic demo data, not secrets
    specs: list[dict[str, object]] = []
    for n in range(DEMO_MEMBERS):
        specs.append(
            {
                "card_number": codes.new_card_number(rng),
                "display_name": rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
                "phone": f"+86199{n // 10000:02d}{n % 10000:04d}{rng.randrange(100):02d}",
                "marketing_consent": rng.random() < 0.6,
                "tags": sorted(set(rng.sample(_TAGS, rng.randrange(0, 3)))),
                "tier": rng.choice(_TIERS) if n % 5 == 0 else MemberTier.BASIC,
                "bonus": rng.randrange(1, 31) * 100,
                "store_index": rng.randrange(1_000_000),
            }
        )
    return specs


async def seed_demo_members(session: AsyncSession, ring: KeyRing) -> int:
    """Create whatever demo members are missing; returns how many were created."""
    stores = (await session.execute(select(Store.id, Store.code).order_by(Store.code))).all()
    clerks = dict(
        (
            await session.execute(
                select(Staff.store_id, Staff.id)
                .where(Staff.username.like("clerk.%.1"))
                .order_by(Staff.username)
            )
        ).all()
    )
    homes = [(store.id, clerks[store.id]) for store in stores if store.id in clerks]
    if not homes:
        return 0
    specs = demo_member_specs()
    existing = set(
        await session.scalars(
            select(Member.card_number).where(
                Member.card_number.in_([str(s["card_number"]) for s in specs])
            )
        )
    )
    rows = []
    bonuses: dict[str, int] = {}
    for spec in specs:
        if spec["card_number"] in existing:
            continue
        store_id, clerk_id = homes[int(str(spec["store_index"])) % len(homes)]
        sealed = seal_phone(ring, str(spec["phone"]))
        rows.append(
            {
                "card_number": spec["card_number"],
                "display_name": spec["display_name"],
                "phone_ciphertext": sealed.ciphertext.blob,
                "phone_key_id": sealed.ciphertext.key_id,
                "phone_blind_index": sealed.blind_index,
                "tier": spec["tier"],
                "points_balance": 0,
                "enrolled_store_id": store_id,
                "enrolled_by_id": clerk_id,
                "marketing_consent": spec["marketing_consent"],
                "tags": spec["tags"],
            }
        )
        bonuses[str(spec["card_number"])] = int(str(spec["bonus"]))
    if not rows:
        return 0
    created = (
        await session.execute(
            insert(Member)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(Member.id, Member.card_number, Member.enrolled_store_id)
        )
    ).all()
    for member_id, card_number, store_id in created:
        await points.grant_bonus(
            session, member_id=member_id, points=bonuses[card_number], store_id=store_id
        )
    return len(created)
