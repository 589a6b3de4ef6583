"""The demo's standards and past shifts: present after `seed --demo`, and a second run adds
nothing."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.seed import seed_demo
from api.demo.shifts import PAST_SHIFTS, TEMPLATES

COUNTS = text(
    "SELECT (SELECT count(*) FROM checklist_template), (SELECT count(*) FROM checklist_item),"
    " (SELECT count(*) FROM shift), (SELECT count(*) FROM shift_item),"
    " (SELECT count(*) FROM shift WHERE status = 'OPEN')"
)


async def test_demo_standards_and_past_shifts_are_seeded_once(session: AsyncSession) -> None:
    await seed_demo(session)
    await session.commit()
    first = tuple((await session.execute(COUNTS)).one())
    assert first[0] == len(TEMPLATES)
    assert first[2] == len(PAST_SHIFTS)
    assert first[4] == 1  # SH-002's closing shift was never handed over
    assert first[3] > 0
    # Handed-over shifts have every item done and a summary; late ones are the CLOSING ones.
    rows = (
        await session.execute(
            text(
                "SELECT s.code, x.kind, x.status, x.summary IS NOT NULL,"
                " bool_and(i.done_at IS NOT NULL), x.ended_at > x.window_end + interval '30 min'"
                " FROM shift x JOIN store s ON s.id = x.store_id"
                " LEFT JOIN shift_item i ON i.store_id = x.store_id AND i.shift_id = x.id"
                " GROUP BY s.code, x.store_id, x.id ORDER BY s.code, x.id"
            )
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        ("SH-001", "MIDDAY", "ACCEPTED", True, True, False),
        ("SH-001", "CLOSING", "ACCEPTED", True, True, True),
        ("SH-002", "CLOSING", "OPEN", False, False, None),
        ("UQ-001", "MIDDAY", "ACCEPTED", True, True, False),
        ("UQ-001", "CLOSING", "ACCEPTED", True, True, True),
    ]
    # No demo shift needs a photo it does not have.
    photo_items = await session.scalar(text("SELECT count(*) FROM shift_item WHERE requires_photo"))
    assert photo_items == 0

    await seed_demo(session)
    await session.commit()
    assert tuple((await session.execute(COUNTS)).one()) == first
