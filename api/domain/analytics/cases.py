"""The chain-wide case library: a manager publishes a clerk's good practice for every store.

A store or region manager (or HQ) publishes for a clerk of a store in their scope; everyone
signed in reads the library, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.errors import InvalidInput, NotFound
from api.domain.pagination import Page, keyset_page
from db.models import GoodPractice, Staff

MAX_TITLE = 120
MAX_BODY = 4000


@dataclass(frozen=True)
class NewGoodPractice:
    store_code: str
    clerk_username: str
    title: str
    body: str


async def publish_good_practice(
    session: AsyncSession, actor: Actor | None, new: NewGoodPractice
) -> int:
    title, body = new.title.strip(), new.body.strip()
    problems = []
    if not 1 <= len(title) <= MAX_TITLE:
        problems.append(f"title: 1 to {MAX_TITLE} characters")
    if not 1 <= len(body) <= MAX_BODY:
        problems.append(f"body: 1 to {MAX_BODY} characters")
    if problems:
        raise InvalidInput.listing(problems)
    store = await authorize_store(session, actor, new.store_code, Permission.MANAGE_STAFF)
    assert actor is not None
    clerk_id = await session.scalar(
        select(Staff.id).where(Staff.username == new.clerk_username, Staff.store_id == store.id)
    )
    if clerk_id is None:
        raise NotFound("No staff of this store has this username.", argument="clerkUsername")
    case = GoodPractice(
        store_id=store.id,
        staff_id=clerk_id,
        title=title,
        body=body,
        published_by_id=actor.staff_id,
    )
    session.add(case)
    await session.flush()
    return case.id


async def good_practices(
    session: AsyncSession, actor: Actor | None, *, first: int | None, after: str | None
) -> Page[GoodPractice]:
    """The whole library (chain-wide by design), newest first."""
    require(actor, Permission.SIGNED_IN)
    rank = (-GoodPractice.id).label("rank")
    return await keyset_page(
        session,
        select(GoodPractice),
        kind="goodPractices",
        key_columns=[rank],
        key_of=lambda g: [-g.id],
        first=first,
        after=after,
    )


async def good_practices_by_id(
    session: AsyncSession, actor: Actor | None, ids: list[int]
) -> dict[int, GoodPractice]:
    """The library's entries among `ids` (chain-wide: anyone signed in reads them)."""
    require(actor, Permission.SIGNED_IN)
    rows = await session.scalars(select(GoodPractice).where(GoodPractice.id.in_(ids)))
    return {row.id: row for row in rows}
