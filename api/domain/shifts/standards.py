"""HQ's service standards: checklist templates whose every change is a new immutable version.

A shift copies the items of the current version of every live template that applies to its
store type, region and kind when it starts (see `applicable_items`), so a change applies to
shifts started after it and never to one already under way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, require
from api.domain.errors import Conflict, InvalidInput, NotFound
from api.domain.pagination import Page, keyset_page
from db.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    Region,
    ShiftKind,
    StoreType,
)

MAX_ITEMS = 50
MAX_TEXT_LENGTH = 500
MAX_NAME_LENGTH = 200
CODE_FORMAT = re.compile(r"[A-Z0-9-]{2,64}")


@dataclass(frozen=True)
class ItemInput:
    text: str
    requires_photo: bool = False
    requires_note: bool = False


@dataclass(frozen=True)
class TemplateContent:
    """Everything a version holds; empty applicability lists mean "all"."""

    name: str
    items: list[ItemInput]
    store_types: list[StoreType] = field(default_factory=list)
    region_codes: list[str] = field(default_factory=list)
    shift_kinds: list[ShiftKind] = field(default_factory=list)


@dataclass(frozen=True)
class TemplateView:
    template: ChecklistTemplate
    version: ChecklistTemplateVersion  # the current (latest) one
    items: list[ChecklistItem]


async def _check(session: AsyncSession, content: TemplateContent) -> TemplateContent:
    problems = []
    name = content.name.strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        problems.append(f"name: 1 to {MAX_NAME_LENGTH} characters")
    if not 1 <= len(content.items) <= MAX_ITEMS:
        problems.append(f"items: 1 to {MAX_ITEMS} items")
    texts: set[str] = set()
    for i, item in enumerate(content.items):
        stripped = item.text.strip()
        if not 1 <= len(stripped) <= MAX_TEXT_LENGTH:
            problems.append(f"items[{i}].text: 1 to {MAX_TEXT_LENGTH} characters")
        elif stripped in texts:
            problems.append(f"items[{i}].text: {stripped!r} appears twice")
        texts.add(stripped)
    regions = sorted(set(content.region_codes))
    if regions:
        known = set(await session.scalars(select(Region.code).where(Region.code.in_(regions))))
        problems.extend(f"regionCodes: no region has code {c!r}" for c in regions if c not in known)
    if problems:
        raise InvalidInput.listing(problems)
    return TemplateContent(
        name=name,
        items=[ItemInput(i.text.strip(), i.requires_photo, i.requires_note) for i in content.items],
        store_types=sorted(set(content.store_types)),
        region_codes=regions,
        shift_kinds=sorted(set(content.shift_kinds)),
    )


async def _add_version(
    session: AsyncSession, actor: Actor, template_id: int, version: int, content: TemplateContent
) -> None:
    row = ChecklistTemplateVersion(
        template_id=template_id,
        version=version,
        name=content.name,
        store_types=[t.value for t in content.store_types],
        region_codes=content.region_codes,
        shift_kinds=[k.value for k in content.shift_kinds],
        created_by_id=actor.staff_id,
    )
    session.add(row)
    await session.flush()
    session.add_all(
        ChecklistItem(
            version_id=row.id,
            position=position,
            text=item.text,
            requires_photo=item.requires_photo,
            requires_note=item.requires_note,
        )
        for position, item in enumerate(content.items, start=1)
    )
    await session.flush()


async def create_template(
    session: AsyncSession, actor: Actor | None, *, code: str, content: TemplateContent
) -> int:
    """A new standard, version 1; `code` is HQ's stable name for it (e.g. SHELF-FACING)."""
    actor = require(actor, Permission.MANAGE_STANDARDS)
    code = code.strip().upper()
    if not CODE_FORMAT.fullmatch(code):
        raise InvalidInput("code: 2 to 64 of A-Z, 0-9 and '-'.", argument="code")
    content = await _check(session, content)
    exists = await session.scalar(
        select(ChecklistTemplate.id).where(ChecklistTemplate.code == code)
    )
    if exists is not None:
        raise Conflict(f"A checklist template with code {code} exists; update it instead.")
    template = ChecklistTemplate(code=code, created_by_id=actor.staff_id)
    session.add(template)
    await session.flush()
    await _add_version(session, actor, template.id, 1, content)
    return template.id


async def _locked_template(session: AsyncSession, template_id: int) -> ChecklistTemplate:
    template = await session.scalar(
        select(ChecklistTemplate).where(ChecklistTemplate.id == template_id).with_for_update()
    )
    if template is None:
        raise NotFound(f"No checklist template has id {template_id}.", argument="templateId")
    return template


async def update_template(
    session: AsyncSession, actor: Actor | None, *, template_id: int, content: TemplateContent
) -> int:
    """Write the next version; shifts already started keep the items they copied."""
    actor = require(actor, Permission.MANAGE_STANDARDS)
    content = await _check(session, content)
    template = await _locked_template(session, template_id)  # serialises version numbers
    if template.retired_at is not None:
        raise Conflict(f"Checklist template {template.code} is retired; create a new one.")
    latest = await session.scalar(
        select(func.max(ChecklistTemplateVersion.version)).where(
            ChecklistTemplateVersion.template_id == template_id
        )
    )
    await _add_version(session, actor, template_id, (latest or 0) + 1, content)
    return template_id


async def retire_template(session: AsyncSession, actor: Actor | None, *, template_id: int) -> int:
    """Stop applying a template to new shifts (retiring again changes nothing)."""
    actor = require(actor, Permission.MANAGE_STANDARDS)
    template = await _locked_template(session, template_id)
    if template.retired_at is None:
        await session.execute(
            update(ChecklistTemplate)
            .where(ChecklistTemplate.id == template_id)
            .values(retired_at=func.now(), retired_by_id=actor.staff_id)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(template)
    return template_id


_CURRENT_VERSION = (
    select(func.max(ChecklistTemplateVersion.id))
    .where(ChecklistTemplateVersion.template_id == ChecklistTemplate.id)
    .correlate(ChecklistTemplate)
    .scalar_subquery()
)


async def list_templates(
    session: AsyncSession,
    actor: Actor | None,
    *,
    include_retired: bool,
    first: int | None,
    after: str | None,
    template_ids: Sequence[int] | None = None,
) -> Page[TemplateView]:
    """Templates with their current version, oldest first (three statements a page)."""
    require(actor, Permission.VIEW_SHIFTS)
    stmt = select(ChecklistTemplate, ChecklistTemplateVersion).join(
        ChecklistTemplateVersion, ChecklistTemplateVersion.id == _CURRENT_VERSION
    )
    if template_ids is not None:
        stmt = stmt.where(ChecklistTemplate.id.in_(list(template_ids)))
    if not include_retired:
        stmt = stmt.where(ChecklistTemplate.retired_at.is_(None))
    page = await keyset_page(
        session,
        cast("Select[Any]", stmt),
        kind="checklist-template",
        key_columns=[ChecklistTemplate.id],
        key_of=lambda row: [row[0].id],
        first=first,
        after=after,
        scalars=False,
    )
    version_ids = [row[1].id for _, row in page.items]
    items: dict[int, list[ChecklistItem]] = {v: [] for v in version_ids}
    for item in await session.scalars(
        select(ChecklistItem)
        .where(ChecklistItem.version_id.in_(version_ids))
        .order_by(ChecklistItem.version_id, ChecklistItem.position)
    ):
        items[item.version_id].append(item)
    return Page(
        items=[(c, TemplateView(row[0], row[1], items[row[1].id])) for c, row in page.items],
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )


async def get_template(
    session: AsyncSession, actor: Actor | None, template_id: int
) -> TemplateView:
    page = await list_templates(
        session, actor, include_retired=True, first=1, after=None, template_ids=[template_id]
    )
    if not page.items:
        raise NotFound(f"No checklist template has id {template_id}.", argument="templateId")
    return page.items[0][1]


async def get_templates(
    session: AsyncSession, actor: Actor | None, template_ids: Sequence[int]
) -> dict[int, TemplateView]:
    """The templates among `template_ids` (the others are absent), as `get_template` reads
    them, in the same three statements for all."""
    page = await list_templates(
        session,
        actor,
        include_retired=True,
        first=max(len(template_ids), 1),
        after=None,
        template_ids=template_ids,
    )
    return {view.template.id: view for _, view in page.items}


async def get_items(
    session: AsyncSession, actor: Actor | None, item_ids: Sequence[int]
) -> dict[int, ChecklistItem]:
    """Checklist items (of any version), seen by whoever may read the standards."""
    require(actor, Permission.VIEW_SHIFTS)
    rows = await session.scalars(select(ChecklistItem).where(ChecklistItem.id.in_(list(item_ids))))
    return {item.id: item for item in rows}


# The current version of each live template applying to a store and kind, copied into a new
# shift in the same statement (INSERT ... SELECT): the snapshot costs one round trip.
COPY_APPLICABLE_ITEMS = text(
    """
    WITH current AS (
      SELECT DISTINCT ON (v.template_id) v.*
        FROM checklist_template_version v
        JOIN checklist_template t ON t.id = v.template_id AND t.retired_at IS NULL
       ORDER BY v.template_id, v.version DESC
    ), applicable AS (
      SELECT c.id AS version_id, c.template_id
        FROM current c, store s JOIN region r ON r.id = s.region_id
       WHERE s.id = :store_id
         AND (cardinality(c.store_types) = 0 OR s.type = ANY(c.store_types))
         AND (cardinality(c.region_codes) = 0 OR r.code = ANY(c.region_codes))
         AND (cardinality(c.shift_kinds) = 0 OR CAST(:kind AS text) = ANY(c.shift_kinds))
    )
    INSERT INTO shift_item (store_id, shift_id, item_id, template_version_id, position, text,
                            requires_photo, requires_note)
    SELECT :store_id, :shift_id, i.id, a.version_id,
           row_number() OVER (ORDER BY a.template_id, i.position), i.text,
           i.requires_photo, i.requires_note
      FROM applicable a JOIN checklist_item i ON i.version_id = a.version_id
    """
)
