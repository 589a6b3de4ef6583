"""Shared GraphQL documents and steps for the shift tests."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from tests.conftest import Api
from tests.photos.samples import jpeg_with_gps

TEMPLATE = """checklistTemplate { id code name version storeTypes regionCodes shiftKinds retiredAt
  items { id position text requiresPhoto requiresNote } }"""
CREATE_TEMPLATE = f"""mutation($input: CreateChecklistTemplateInput!) {{
  createChecklistTemplate(input: $input) {{ {TEMPLATE} }} }}"""
UPDATE_TEMPLATE = f"""mutation($input: UpdateChecklistTemplateInput!) {{
  updateChecklistTemplate(input: $input) {{ {TEMPLATE} }} }}"""
RETIRE_TEMPLATE = f"""mutation($input: RetireChecklistTemplateInput!) {{
  retireChecklistTemplate(input: $input) {{ {TEMPLATE} }} }}"""

SHIFT = """shift { id kind status clerk startedAt endedAt windowStart windowEnd store { code }
  items { itemId position text requiresPhoto requiresNote done doneAt note photos { id url detail } }
  summary { salesCount salesCents returnsCount refundedCents membersEnrolled openStockAlerts
            openComplaints todos }
  todos handedOverBy acceptedBy acceptedAt }"""
START = f"""mutation($input: StartShiftInput!) {{ startShift(input: $input) {{ {SHIFT} }} }}"""
RECORD_ITEM = f"""mutation($input: RecordShiftItemInput!) {{
  recordShiftItem(input: $input) {{ {SHIFT} }} }}"""
COMPLETE = f"""mutation($input: CompleteHandoverInput!) {{
  completeHandover(input: $input) {{ {SHIFT} }} }}"""
END = f"""mutation($input: EndShiftInput!) {{ endShift(input: $input) {{ {SHIFT} }} }}"""
ACCEPT = f"""mutation($input: AcceptHandoverInput!) {{
  acceptHandover(input: $input) {{ {SHIFT} }} }}"""

SHELF = {"text": "Shelf facing done", "requiresPhoto": True}
POSTER = {"text": "Promotion poster up", "requiresPhoto": True}
FRIDGE = {"text": "Fridge temperature logged", "requiresNote": True}
FLOOR = {"text": "Floor swept"}


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def template_input(code: str = "OPENING-STD", **overrides: Any) -> dict[str, Any]:
    return {"code": code, "name": "Opening standard", "items": [SHELF, POSTER, FRIDGE, FLOOR]} | (
        overrides
    )


async def create_template(api: Api, **overrides: Any) -> dict[str, Any]:
    data = await api.data(
        CREATE_TEMPLATE, {"input": template_input(**overrides)}, token=await api.token_for("ops")
    )
    template: dict[str, Any] = data["createChecklistTemplate"]["checklistTemplate"]
    return template


async def start(
    api: Api, username: str, store: str = "E1", kind: str = "OPENING", key: str | None = None
) -> dict[str, Any]:
    data = await api.data(
        START,
        {"input": {"storeCode": store, "kind": kind, "idempotencyKey": key}},
        token=await api.token_for(username),
    )
    shift: dict[str, Any] = data["startShift"]["shift"]
    return shift


async def upload_photo(api: Api, token: str, colour: tuple[int, int, int] = (200, 30, 30)) -> str:
    """A JPEG carrying GPS EXIF, uploaded with POST /photos; returns its id."""
    response: httpx.Response = await api.client.post(
        "/photos",
        files={"file": ("shelf.jpg", jpeg_with_gps(colour=colour), "image/jpeg")},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    photo_id: str = response.json()["id"]
    return photo_id


async def sql(api: Api, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    async with api.engine.begin() as conn:
        result = await conn.execute(text(statement), params)
        return [tuple(r) for r in result.all()] if result.returns_rows else []


async def counts(api: Api) -> tuple[int, ...]:
    """Row counts of everything a handover may write."""
    [row] = await sql(
        api,
        "SELECT (SELECT count(*) FROM shift WHERE status <> 'OPEN'),"
        " (SELECT count(*) FROM shift_item WHERE done_at IS NOT NULL),"
        " (SELECT count(*) FROM photo_attachment), (SELECT count(*) FROM event),"
        " (SELECT count(*) FROM idempotency_record)",
    )
    return row
