"""One rule for a look-up that finds nothing (README, "The API").

An argument (or input field) that names one thing by its key and finds nothing the caller may
see answers NOT_FOUND with `extensions.argument` naming it, the field null in `data`; the
answer is the same for a thing outside the caller's scope as for one that does not exist. The
tables (tests/not_found/) walk every Query field's key arguments (a test fails when a new one is
missing) and the mutations' key arguments.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, build_schema, get_named_type
from sqlalchemy import text

from api.schema.root import schema
from tests.complaints.helpers import filed
from tests.conftest import Api
from tests.markdowns.test_markdowns_api import issued
from tests.members.conftest import ENROLL, new_member
from tests.not_found.cases import Case, World, unknown_like
from tests.not_found.mutations import MUTATIONS
from tests.not_found.queries import QUERIES
from tests.replenishment.test_replenishment_api import approved_order
from tests.shifts.helpers import create_template, start
from tests.transfers.helpers import requested

# Argument and input-field names that carry a key naming one thing.
KEY_NAMES = {"code", "sku", "id", "memberId", "storeCode", "regionCode", "soldInRegion"}
KEY_NAMES |= {"staffUsername", "phone", "ids", "promotionId"}
# Query fields that take no key.
NO_KEY = {
    "me",
    "regions",
    "checklistTemplates",
    "myOpenShift",
    "complaintSlas",
    "complianceGrants",
    "promotions",
    "goodPractices",
    # Several promotions, compared: an unknown one among them is BAD_USER_INPUT, not a miss.
    "promotionReturns",
}


@pytest.fixture
async def world(api: Api) -> World:
    """One real thing of each kind with an id, so unknown ids are well formed."""
    shift = await start(api, "clerk.e1")
    template = await create_template(api)
    member = await api.data(ENROLL, {"input": new_member()}, token=await api.token_for("clerk.e1"))
    token = await api.data(
        'mutation { createApiToken(input: {name: "bi", expiresInDays: 30}) { apiToken { id } } }',
        token=await api.token_for("admin"),
    )
    return {
        "transfer": await requested(api),
        "shift": shift["id"],
        "shiftItem": template["items"][0]["id"],
        "template": template["id"],
        "complaint": (await filed(api))["id"],
        "member": member["enrollMember"]["member"]["id"],
        "markdown": (await issued(api))["id"],
        "order": await approved_order(api),
        "apiToken": token["createApiToken"]["apiToken"]["id"],
    }


async def not_found(api: Api, case: Case, world: World, user: str | None = None) -> dict[str, Any]:
    """The case's one error, checked against the rule; `data` holds no answer for the field."""
    token = await api.token_for(user or case.user)
    result = await api.gql(case.document, case.variables(world), token=token)
    errors = result.get("errors") or []
    assert len(errors) == 1, (case.name, result)
    [error] = errors
    assert error["extensions"]["code"] == "NOT_FOUND", (case.name, error)
    assert error["extensions"]["argument"] == case.argument, (case.name, error)
    # nodes(ids:) answers a list: the entry that found nothing is null, its error at [field, i].
    assert error["path"] in ([case.field], [case.field, 0]), (case.name, error)
    data = result.get("data")
    assert data is None or data[case.field] in (None, [None]), (case.name, data)
    return error


def test_every_query_key_argument_is_in_the_table() -> None:
    sdl = build_schema(schema.as_str())
    assert sdl.query_type is not None
    wanted = set()
    for name, query_field in sdl.query_type.fields.items():
        for arg_name, arg in query_field.args.items():
            if arg_name in KEY_NAMES:
                wanted.add((name, arg_name))
            named = get_named_type(arg.type)
            if isinstance(named, GraphQLInputObjectType):
                wanted |= {(name, f) for f in named.fields if f in KEY_NAMES}
        if not any(n == name for n, _ in wanted):
            assert name in NO_KEY, f"Query.{name}: add it to the table or to NO_KEY"
    assert {(c.field, c.argument) for c in QUERIES} == wanted


async def test_unknown_keys_of_queries_and_mutations_are_not_found(api: Api, world: World) -> None:
    before = await _row_counts(api)
    broken = []
    for case in QUERIES + MUTATIONS:
        try:
            await not_found(api, case, world)
        except AssertionError as exc:  # every case that breaks the rule at once, not the first
            broken.append(str(exc)[:400])
    assert broken == []
    assert await _row_counts(api) == before  # nothing written by any refused mutation


async def test_a_list_whose_filter_matches_nothing_is_empty(api: Api, world: World) -> None:
    token = await api.token_for("admin")
    data = await api.data(
        """query { stores(filter: {search: "no such store"}) { edges { cursor } }
                   transfers(filter: {storeCode: "W1"}) { edges { cursor } }
                   complaints(filter: {storeCode: "W1"}) { edges { cursor } } }""",
        token=token,
    )
    assert all(connection["edges"] == [] for connection in data.values())


def _same(error: dict[str, Any], key: str) -> str:
    """An error with the key and every number taken out, for comparing two answers."""
    text = json.dumps({k: error[k] for k in ("message", "extensions")}, sort_keys=True)
    return re.sub(r"\d+", "N", text.replace(key, "<key>"))


SCOPED = [
    # (case by name, the caller outside the thing's scope, the world key of the real thing)
    ("transfer.id", "clerk.w1", "transfer"),
    ("node.id", "clerk.w1", "shift"),
    ("shift.id", "clerk.w1", "shift"),
    ("complaint.id", "sm.w1", "complaint"),
    ("approveTransfer.id", "sm.w1", "transfer"),
    ("shipTransfer.transferId", "clerk.w1", "transfer"),
    ("cancelTransfer.id", "sm.w1", "transfer"),
    ("approveReplenishmentOrder.id", "sm.w1", "order"),
    ("receiveReplenishmentOrder.replenishmentOrderId", "clerk.w1", "order"),
    ("endShift.shiftId", "clerk.w1", "shift"),
    ("startComplaintWork.complaintId", "sm.w1", "complaint"),
]


@pytest.mark.parametrize(("name", "outsider", "thing"), SCOPED)
async def test_out_of_scope_answers_as_if_it_did_not_exist(
    api: Api, world: World, name: str, outsider: str, thing: str
) -> None:
    [case] = [c for c in QUERIES + MUTATIONS if c.name == name]
    unknown = await not_found(api, case, world, outsider)
    # The same document with the real id of a thing in another store's scope.
    seen = Case(case.field, case.argument, case.document, outsider, lambda w: _real(case, w, thing))
    outside = await not_found(api, seen, world)
    assert _same(outside, world[thing]) == _same(unknown, unknown_like(world[thing]))


def _real(case: Case, world: World, thing: str) -> dict[str, Any]:
    fake = unknown_like(world[thing])
    return {k: world[thing] if v == fake else v for k, v in case.variables(world).items()}


async def test_a_staff_member_outside_your_scope_is_not_found_like_nobody(api: Api) -> None:
    token = await api.token_for("sm.w1")
    document = "mutation($u: String!) { freezeStaff(username: $u) { staff { username } } }"
    errors = []
    for username in ("clerk.e1", "nobody"):
        result = await api.gql(document, {"u": username}, token=token)
        [error] = result["errors"]
        assert error["extensions"] == {"code": "NOT_FOUND", "argument": "username"}
        errors.append(error["message"].replace(username, "<key>"))
    assert errors[0] == errors[1]


async def _row_counts(api: Api) -> dict[str, int]:
    tables: tuple[str, ...] = ("staff", "transfer", "stock_movement", "sale", "sale_return")
    tables += ("member", "shift")
    tables += ("complaint", "complaint_route", "replenishment_order", "event")
    async with api.engine.connect() as conn:
        return {t: int(await conn.scalar(text(f"SELECT count(*) FROM {t}")) or 0) for t in tables}
