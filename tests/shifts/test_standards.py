"""HQ's checklist templates: versions, applicability by store type, region and shift kind,
retirement, permissions, and shifts keeping the version they started with."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from tests.conftest import Api
from tests.shifts.helpers import (
    CREATE_TEMPLATE,
    FLOOR,
    FRIDGE,
    RETIRE_TEMPLATE,
    SHELF,
    UPDATE_TEMPLATE,
    code_of,
    create_template,
    sql,
    start,
    template_input,
)

LIST = """query($retired: Boolean!) { checklistTemplates(includeRetired: $retired) {
  edges { node { code version name items { text } } } } }"""
SHIFT_ITEMS = "query($id: ID!) { shift(id: $id) { items { text requiresPhoto } } }"


def texts(shift: dict) -> list[str]:
    return [i["text"] for i in shift["items"]]


async def test_a_change_applies_only_to_shifts_started_after_it(api: Api) -> None:
    template = await create_template(api)
    assert (template["code"], template["version"]) == ("OPENING-STD", 1)
    before = await start(api, "clerk.e1")

    ops = await api.token_for("ops")
    updated = await api.data(
        UPDATE_TEMPLATE,
        {
            "input": {
                "templateId": template["id"],
                "name": "Opening standard v2",
                "items": [{**SHELF, "requiresNote": True}, FLOOR],
            }
        },
        token=ops,
    )
    v2 = updated["updateChecklistTemplate"]["checklistTemplate"]
    assert (v2["version"], v2["name"], v2["id"]) == (2, "Opening standard v2", template["id"])
    assert [(i["text"], i["requiresNote"]) for i in v2["items"]] == [
        ("Shelf facing done", True),
        ("Floor swept", False),
    ]

    # The shift started before keeps version 1's four items, unchanged.
    clerk = await api.token_for("clerk.e1")
    kept = (await api.data(SHIFT_ITEMS, {"id": before["id"]}, token=clerk))["shift"]
    assert texts(kept) == [
        "Shelf facing done",
        "Promotion poster up",
        "Fridge temperature logged",
        "Floor swept",
    ]
    # A shift started now gets version 2.
    after = await start(api, "clerk.e2", store="E2")
    assert texts(after) == ["Shelf facing done", "Floor swept"]
    assert [i["requiresNote"] for i in after["items"]] == [True, False]

    # Versions are immutable rows, in the database too.
    assert await sql(api, "SELECT version FROM checklist_template_version ORDER BY version") == [
        (1,),
        (2,),
    ]
    try:
        await sql(api, "UPDATE checklist_item SET text = 'changed'")
    except DBAPIError as exc:
        assert "checklist_item is append-only" in str(exc)
    else:
        raise AssertionError("checklist items must be immutable")


async def test_applicability_by_store_type_region_and_kind(api: Api) -> None:
    await create_template(api, code="SCHOOL", items=[SHELF], storeTypes=["SCHOOL"])
    await create_template(api, code="WEST", items=[FRIDGE], regionCodes=["WEST"])
    await create_template(api, code="CLOSE", items=[FLOOR], shiftKinds=["CLOSING"])
    e1 = await start(api, "clerk.e1", store="E1", kind="OPENING")  # business district, EAST
    e2 = await start(api, "clerk.e2", store="E2", kind="CLOSING")  # school, EAST
    w1 = await start(api, "clerk.w1", store="W1", kind="MIDDAY")  # community, WEST
    assert texts(e1) == []
    assert texts(e2) == ["Shelf facing done", "Floor swept"]
    assert texts(w1) == ["Fridge temperature logged"]


async def test_retired_templates_stop_applying_and_cannot_change(api: Api) -> None:
    template = await create_template(api)
    ops = await api.token_for("ops")
    retired = await api.data(RETIRE_TEMPLATE, {"input": {"templateId": template["id"]}}, token=ops)
    assert retired["retireChecklistTemplate"]["checklistTemplate"]["retiredAt"] is not None
    assert texts(await start(api, "clerk.e1")) == []
    update = await api.gql(
        UPDATE_TEMPLATE,
        {"input": {"templateId": template["id"], "name": "x", "items": [FLOOR]}},
        token=ops,
    )
    assert code_of(update) == "CONFLICT"
    clerk = await api.token_for("clerk.e1")
    live = await api.data(LIST, {"retired": False}, token=clerk)
    assert live["checklistTemplates"]["edges"] == []
    every = await api.data(LIST, {"retired": True}, token=clerk)
    assert [e["node"]["code"] for e in every["checklistTemplates"]["edges"]] == ["OPENING-STD"]


async def test_bad_templates_and_who_may_write_them(api: Api) -> None:
    ops = await api.token_for("ops")
    bad = await api.gql(
        CREATE_TEMPLATE,
        {
            "input": template_input(
                items=[FLOOR, FLOOR, {"text": " "}], regionCodes=["MOON"], name=""
            )
        },
        token=ops,
    )
    assert code_of(bad) == "BAD_USER_INPUT"
    problems = bad["errors"][0]["extensions"]["problems"]
    assert len(problems) == 4, problems  # name, duplicate, blank text, unknown region
    assert await sql(api, "SELECT count(*) FROM checklist_template") == [(0,)]
    await create_template(api)
    duplicate = await api.gql(CREATE_TEMPLATE, {"input": template_input()}, token=ops)
    assert code_of(duplicate) == "CONFLICT"
    for username in ("sm.e1", "rm.east", "clerk.e1"):
        denied = await api.gql(
            CREATE_TEMPLATE,
            {"input": template_input(code="OTHER")},
            token=await api.token_for(username),
        )
        assert code_of(denied) == "FORBIDDEN", username
