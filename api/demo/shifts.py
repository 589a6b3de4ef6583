"""Demo service standards and a few past shifts, so the HQ view has something to show.

Idempotent: a template is created only when its code is new (``ON CONFLICT DO NOTHING``), and
past shifts are written only for a store that has no shifts at all, so a second run adds
nothing. The past shifts are yesterday's (store-local) MIDDAY and CLOSING shifts at SH-001 and
UQ-001, handed over (the CLOSING ones late) and accepted, and a CLOSING shift at SH-002 never
handed over (a missing handover). Their checklists hold no photo items (the demo ships no
images); the OPENING standard, which requires photos, applies to the shifts you start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import time

from sqlalchemy import exists, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.shifts.shifts import SHIFT_WINDOWS
from api.domain.shifts.standards import COPY_APPLICABLE_ITEMS
from api.domain.shifts.summary import handover_summary
from db.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    Shift,
    ShiftKind,
    Staff,
    Store,
    StoreType,
)


@dataclass(frozen=True)
class DemoTemplate:
    code: str
    name: str
    items: tuple[tuple[str, bool, bool], ...]  # (text, requires photo, requires note)
    store_types: tuple[StoreType, ...] = ()
    region_codes: tuple[str, ...] = ()
    shift_kinds: tuple[ShiftKind, ...] = ()


TEMPLATES = (
    DemoTemplate(
        "SERVICE-BASICS",
        "门店服务基本标准 Service basics",
        (
            ("冷柜温度已记录 Fridge temperature logged (°C)", False, True),
            ("收银台整洁、零钱充足 Till tidy, float counted", False, False),
        ),
    ),
    DemoTemplate(
        "OPENING",
        "开店标准 Opening standard",
        (
            ("货架整理完毕 Shelf facing done", True, False),
            ("促销海报已张贴 Promotion poster up", True, False),
        ),
        shift_kinds=(ShiftKind.OPENING,),
    ),
    DemoTemplate(
        "CLOSING",
        "闭店标准 Closing standard",
        (
            ("临期商品已下架 Near-expiry goods pulled", False, True),
            ("地面清洁 Floor cleaned", False, False),
        ),
        shift_kinds=(ShiftKind.CLOSING,),
    ),
    DemoTemplate(
        "SCHOOL-LUNCH",
        "校园店午间补货 School lunchtime restock",
        (("便当与饮料补满 Lunch boxes and drinks restocked", False, True),),
        store_types=(StoreType.SCHOOL,),
        shift_kinds=(ShiftKind.MIDDAY,),
    ),
    DemoTemplate(
        "WEST-HALAL",
        "清真食品分区 Halal section",
        (("清真食品分区摆放 Halal goods shelved apart", False, True),),
        region_codes=("WEST",),
    ),
)

# (store, clerk, kind, handed over at (store-local), accepted by, or None: never handed over)
PAST_SHIFTS: tuple[tuple[str, str, ShiftKind, time | None, str | None], ...] = (
    ("SH-001", "clerk.sh-001.2", ShiftKind.MIDDAY, time(18, 5), "clerk.sh-001.1"),
    ("SH-001", "clerk.sh-001.1", ShiftKind.CLOSING, time(23, 25), "sm.sh-001"),
    ("UQ-001", "clerk.uq-001.2", ShiftKind.MIDDAY, time(17, 50), "clerk.uq-001.1"),
    ("UQ-001", "clerk.uq-001.1", ShiftKind.CLOSING, time(23, 40), "sm.uq-001"),
    ("SH-002", "clerk.sh-002.2", ShiftKind.CLOSING, None, None),
)


async def _seed_templates(session: AsyncSession) -> int:
    author = await session.scalar(select(Staff.id).where(Staff.username == "hq.ops"))
    if author is None:
        return 0
    created = 0
    for spec in TEMPLATES:
        template_id = (
            await session.execute(
                insert(ChecklistTemplate)
                .values(code=spec.code, created_by_id=author)
                .on_conflict_do_nothing()
                .returning(ChecklistTemplate.id)
            )
        ).scalar_one_or_none()
        if template_id is None:
            continue
        version = ChecklistTemplateVersion(
            template_id=template_id,
            version=1,
            name=spec.name,
            store_types=[t.value for t in spec.store_types],
            region_codes=list(spec.region_codes),
            shift_kinds=[k.value for k in spec.shift_kinds],
            created_by_id=author,
        )
        session.add(version)
        await session.flush()
        session.add_all(
            ChecklistItem(
                version_id=version.id,
                position=n,
                text=item_text,
                requires_photo=photo,
                requires_note=note,
            )
            for n, (item_text, photo, note) in enumerate(spec.items, start=1)
        )
        created += 1
    await session.flush()
    return created


# Yesterday's shift in the store's zone, started when its window opened; its checklist is
# copied from the standards as they are (the demo's templates are all at version 1).
_PAST_SHIFT = text(
    """
    INSERT INTO shift (store_id, clerk_id, kind, status, started_at, window_start, window_end,
                       ended_at, handed_over_by_id, accepted_by_id, accepted_at, todos)
    SELECT s.id, c.id, CAST(:kind AS text), CAST(:status AS text),
           (d.day + CAST(:opens AS time)) AT TIME ZONE s.time_zone,
           (d.day + CAST(:opens AS time)) AT TIME ZONE s.time_zone,
           (d.day + CAST(:closes AS time)) AT TIME ZONE s.time_zone,
           (d.day + CAST(:handed AS time)) AT TIME ZONE s.time_zone,
           CASE WHEN CAST(:handed AS time) IS NOT NULL THEN c.id END,
           a.id,
           (d.day + CAST(:handed AS time) + interval '10 minutes') AT TIME ZONE s.time_zone,
           CAST(:todos AS text[])
      FROM store s
      JOIN staff c ON c.username = :clerk
      LEFT JOIN staff a ON a.username = :accepted_by
     CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE s.time_zone)::date - 1 AS day) d
     WHERE s.code = :store
    RETURNING store_id, id, started_at, ended_at
    """
)

_ITEMS_DONE = text(
    """
    UPDATE shift_item SET done_at = :ended - interval '30 minutes', done_by_id = sh.clerk_id,
           note = CASE WHEN requires_note THEN '已完成 done' END
      FROM shift sh
     WHERE sh.store_id = shift_item.store_id AND sh.id = shift_item.shift_id
       AND shift_item.store_id = :store_id AND shift_item.shift_id = :shift_id
    """
)

_SUMMARY = text(
    """
    UPDATE shift SET summary = CAST(:summary AS jsonb) WHERE store_id = :store_id AND id = :id
    """
)


async def _seed_past_shifts(session: AsyncSession) -> int:
    codes = sorted({store for store, *_ in PAST_SHIFTS})
    empty = set(
        await session.scalars(
            select(Store.code).where(
                Store.code.in_(codes), ~exists().where(Shift.store_id == Store.id)
            )
        )
    )
    created = 0
    for store, clerk, kind, handed, accepted_by in PAST_SHIFTS:
        if store not in empty:
            continue  # the store has shifts already: leave it alone
        opens, closes = SHIFT_WINDOWS[kind]
        row = (
            await session.execute(
                _PAST_SHIFT,
                {
                    "store": store,
                    "clerk": clerk,
                    "accepted_by": accepted_by,
                    "kind": kind.value,
                    "status": "OPEN" if handed is None else "ACCEPTED",
                    "opens": opens,
                    "closes": closes,
                    "handed": handed,
                    "todos": ["补货 矿泉水 Restock water"] if handed else [],
                },
            )
        ).first()
        if row is None:
            continue  # the clerk is not in this chain
        created += 1
        await session.execute(
            COPY_APPLICABLE_ITEMS,
            {"store_id": row.store_id, "shift_id": row.id, "kind": kind.value},
        )
        if row.ended_at is None:
            continue
        await session.execute(
            _ITEMS_DONE, {"ended": row.ended_at, "store_id": row.store_id, "shift_id": row.id}
        )
        summary = await handover_summary(
            session, store_id=row.store_id, start=row.started_at, end=row.ended_at
        )
        await session.execute(
            _SUMMARY,
            {"summary": json.dumps(summary.as_json()), "store_id": row.store_id, "id": row.id},
        )
    return created


async def seed_demo_shifts(session: AsyncSession) -> tuple[int, int]:
    """Create the demo standards and past shifts that are missing; returns how many of each."""
    templates = await _seed_templates(session)
    return templates, await _seed_past_shifts(session)
