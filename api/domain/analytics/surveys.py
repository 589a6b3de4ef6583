"""Customer voice: survey answers (NPS) and customer ratings, one record for both.

A customer answers "how likely are you to recommend us?" from 0 to 10 at a store. With a
receipt number the answer also rates the clerk who served that receipt (the staff months read
it as the clerk's customer rating); with a complaint it rates how the complaint was handled.
NPS is the share of promoters (9-10) minus the share of detractors (0-6), from -100 to 100.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.access import Actor, Permission, authorize_store, require
from api.domain.errors import InvalidInput, NotFound
from api.domain.members.profile import resolve_member_code
from db.models import Complaint, Sale, SurveyAnswer
from db.pii import KeyRing

MAX_COMMENT = 500
PROMOTER_MIN = 9
DETRACTOR_MAX = 6


@dataclass(frozen=True)
class NewSurveyAnswer:
    store_code: str
    score: int
    receipt_no: str | None = None
    member_code: str | None = None
    complaint_id: int | None = None
    comment: str | None = None


def _check(new: NewSurveyAnswer) -> None:
    problems = []
    if not 0 <= new.score <= 10:
        problems.append("score: a whole number from 0 to 10")
    if new.comment is not None and len(new.comment) > MAX_COMMENT:
        problems.append(f"comment: at most {MAX_COMMENT} characters")
    if new.receipt_no is not None and not 1 <= len(new.receipt_no.strip()) <= 64:
        problems.append("receiptNo: 1 to 64 characters")
    if problems:
        raise InvalidInput.listing(problems)


async def record_survey_answer(
    session: AsyncSession,
    actor: Actor | None,
    new: NewSurveyAnswer,
    *,
    ring: KeyRing | None,
    code_ttl_seconds: int,
) -> SurveyAnswer:
    """Record a customer's answer at a store in scope. The receipt (of that store)
    names the clerk rated; the member comes from the code, else from the receipt."""
    _check(new)
    store = await authorize_store(session, actor, new.store_code, Permission.RECORD_SALES)
    assert actor is not None  # authorize_store refused anonymous callers
    clerk_id = member_id = None
    if new.receipt_no is not None:
        sale = (
            await session.execute(
                select(Sale.staff_id, Sale.member_id).where(
                    Sale.store_id == store.id, Sale.receipt_no == new.receipt_no.strip()
                )
            )
        ).first()
        if sale is None:
            raise NotFound("No receipt of this store has this number.", argument="receiptNo")
        clerk_id, member_id = sale.staff_id, sale.member_id
    if new.member_code is not None:
        member_id = await resolve_member_code(
            session,
            new.member_code,
            ring=ring,
            ttl_seconds=code_ttl_seconds,
            argument="memberCode",
        )
    if new.complaint_id is not None:
        found = await session.scalar(
            select(Complaint.id).where(
                Complaint.id == new.complaint_id, Complaint.store_id == store.id
            )
        )
        if found is None:
            raise NotFound("No complaint of this store has this id.", argument="complaintId")
    answer = SurveyAnswer(
        store_id=store.id,
        score=new.score,
        receipt_no=new.receipt_no.strip() if new.receipt_no is not None else None,
        clerk_id=clerk_id,
        member_id=member_id,
        complaint_id=new.complaint_id,
        comment=(new.comment or "").strip() or None,
        recorded_by_id=actor.staff_id,
    )
    session.add(answer)
    await session.flush()
    return answer


async def survey_answer(session: AsyncSession, answer_id: int) -> SurveyAnswer:
    """An answer recorded before (a replayed recordSurveyAnswer), by its id."""
    return (await session.scalars(select(SurveyAnswer).where(SurveyAnswer.id == answer_id))).one()


async def survey_answers_by_id(
    session: AsyncSession, actor: Actor | None, ids: list[int]
) -> dict[int, SurveyAnswer]:
    """The answers among `ids` at stores in the caller's scope."""
    actor = require(actor, Permission.VIEW_SALES)
    rows = await session.scalars(
        select(SurveyAnswer).where(
            SurveyAnswer.id.in_(ids), actor.scope.where(SurveyAnswer.store_id)
        )
    )
    return {row.id: row for row in rows}
