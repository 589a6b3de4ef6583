"""requestHelp, helpRequests, answerHelpRequest and storeAlerts over HTTP: who may ask, who
sees what (StoreScope), one answer each, and the answer as the store's alert."""

from __future__ import annotations

from typing import Any

import pytest

from tests.complaints.helpers import scalar
from tests.conftest import Api
from tests.help.helpers import ALERTS, ANSWER, LIST, REQUEST, answered, asked, code_of
from tests.shifts.helpers import upload_photo


async def _rows(api: Api) -> tuple[int, int, int]:
    return (
        await scalar(api, "SELECT count(*) FROM help_request"),
        await scalar(api, "SELECT count(*) FROM photo_attachment"),
        await scalar(api, "SELECT count(*) FROM event"),
    )


async def test_a_clerk_asks_with_a_photo_once_per_key_and_hq_sees_the_photo(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    photo = await upload_photo(api, token)
    variables = {
        "input": {
            "storeCode": "E1",
            "note": "  冷柜温度显示异常  ",
            "photoId": photo,
            "idempotencyKey": "help-1",
        }
    }
    first = (await api.data(REQUEST, variables, token=token))["requestHelp"]["helpRequest"]
    assert first["status"] == "OPEN"
    assert first["note"] == "冷柜温度显示异常"  # trimmed
    assert first["store"] == {"code": "E1"}
    assert first["requestedBy"] == {"username": "clerk.e1"}
    assert first["answer"] is None and first["answeredBy"] is None
    assert first["photo"]["id"] == photo
    replay = (await api.data(REQUEST, variables, token=token))["requestHelp"]["helpRequest"]
    assert replay == first
    assert await _rows(api) == (1, 1, 1)  # one request, one attachment, one HELP_REQUESTED
    # HQ may fetch the photo through the request; a clerk of another store may not.
    url = first["photo"]["url"]
    ops = await api.client.get(
        url, headers={"authorization": f"Bearer {await api.token_for('ops')}"}
    )
    assert ops.status_code == 200
    other = await api.client.get(
        url, headers={"authorization": f"Bearer {await api.token_for('clerk.e2')}"}
    )
    assert other.status_code in (403, 404)


@pytest.mark.parametrize(
    ("username", "store", "note", "code"),
    [
        ("clerk.e1", "E2", "help", "FORBIDDEN"),  # another store
        ("clerk.e1", "NOPE", "help", "NOT_FOUND"),
        ("clerk.e1", "E1", "   ", "BAD_USER_INPUT"),
        ("clerk.e1", "E1", "x" * 1001, "BAD_USER_INPUT"),
        ("ops", "E1", "help", "FORBIDDEN"),  # HQ answers, it does not ask
        ("handler.east", "E1", "help", "FORBIDDEN"),
    ],
)
async def test_refused_requests_write_nothing(
    api: Api, username: str, store: str, note: str, code: str
) -> None:
    result = await api.gql(
        REQUEST,
        {"input": {"storeCode": store, "note": note}},
        token=await api.token_for(username),
    )
    assert code_of(result) == code, result
    assert await _rows(api) == (0, 0, 0)


async def test_another_persons_photo_is_refused_and_nothing_is_written(api: Api) -> None:
    photo = await upload_photo(api, await api.token_for("sm.e1"))
    result = await api.gql(
        REQUEST,
        {"input": {"storeCode": "E1", "note": "看这张照片", "photoId": photo}},
        token=await api.token_for("clerk.e1"),
    )
    assert code_of(result) == "BAD_USER_INPUT"
    assert result["errors"][0]["extensions"]["reason"] == "UNKNOWN_PHOTOS"
    assert await _rows(api) == (0, 0, 0)


async def _listed(api: Api, username: str, **variables: Any) -> list[tuple[str, str]]:
    data = await api.data(LIST, variables, token=await api.token_for(username))
    return [(e["node"]["store"]["code"], e["node"]["note"]) for e in data["helpRequests"]["edges"]]


async def test_each_role_sees_the_requests_of_its_scope_oldest_first(api: Api) -> None:
    await asked(api, "clerk.e1", "E1", "e1 first")
    await asked(api, "clerk.e2", "E2", "e2")
    await asked(api, "sm.w1", "W1", "w1")
    await asked(api, "sm.e1", "E1", "e1 second")
    everything = [("E1", "e1 first"), ("E2", "e2"), ("W1", "w1"), ("E1", "e1 second")]
    assert await _listed(api, "ops") == everything
    assert await _listed(api, "admin") == everything
    assert await _listed(api, "rm.east") == [everything[i] for i in (0, 1, 3)]
    assert await _listed(api, "clerk.e1") == [everything[i] for i in (0, 3)]
    assert await _listed(api, "sm.w1") == [("W1", "w1")]
    assert await _listed(api, "ops", store="E2") == [("E2", "e2")]
    denied = await api.gql(LIST, {"store": "E1"}, token=await api.token_for("clerk.w1"))
    assert code_of(denied) == "FORBIDDEN"
    hidden = await api.gql(LIST, {}, token=await api.token_for("compliance"))
    assert code_of(hidden) == "FORBIDDEN"


async def test_pages_follow_the_cursor_and_the_status_filter(api: Api) -> None:
    ids = [(await asked(api, note=f"n{i}"))["id"] for i in range(3)]
    await answered(api, ids[1])
    token = await api.token_for("ops")
    page = (await api.data(LIST, {"first": 2}, token=token))["helpRequests"]
    assert [e["node"]["id"] for e in page["edges"]] == ids[:2]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await api.data(LIST, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token=token)
    assert [e["node"]["id"] for e in rest["helpRequests"]["edges"]] == ids[2:]
    assert rest["helpRequests"]["pageInfo"]["hasNextPage"] is False
    still_open = await api.data(LIST, {"status": "OPEN"}, token=token)
    assert [e["node"]["id"] for e in still_open["helpRequests"]["edges"]] == [ids[0], ids[2]]
    too_many = await api.gql(LIST, {"first": 101}, token=token)
    assert code_of(too_many) == "BAD_USER_INPUT"


async def test_an_answer_is_given_once_within_scope(api: Api) -> None:
    e1 = await asked(api, "clerk.e1", "E1")
    w1 = await asked(api, "clerk.w1", "W1")
    done = await answered(api, e1["id"], "rm.east", "先断电再重启")
    assert done["status"] == "ANSWERED"
    assert done["answer"] == "先断电再重启"
    assert done["answeredBy"] == {"username": "rm.east"}
    assert done["answeredAt"] >= done["requestedAt"]

    async def answer(username: str, help_id: str, text: str = "好的") -> dict[str, Any]:
        return await api.gql(
            ANSWER,
            {"input": {"helpRequestId": help_id, "answer": text}},
            token=await api.token_for(username),
        )

    again = await answer("ops", e1["id"])
    assert code_of(again) == "CONFLICT"
    assert again["errors"][0]["extensions"]["reason"] == "WRONG_STATUS"
    assert code_of(await answer("rm.east", w1["id"])) == "NOT_FOUND"  # outside the region
    assert code_of(await answer("clerk.w1", w1["id"])) == "FORBIDDEN"  # clerks ask only
    assert code_of(await answer("ops", w1["id"], "  ")) == "BAD_USER_INPUT"
    assert await scalar(api, "SELECT count(*) FROM event WHERE kind = 'HELP_ANSWERED'") == 1
    assert await scalar(api, "SELECT status FROM help_request WHERE answer IS NULL") == "OPEN"


async def test_the_answer_is_the_stores_alert_newest_first(api: Api) -> None:
    first = await asked(api, "clerk.e1", "E1", "one")
    second = await asked(api, "sm.e1", "E1", "two")
    other = await asked(api, "clerk.e2", "E2", "three")
    await answered(api, first["id"], answer="answer one")
    await answered(api, other["id"], answer="answer three")
    await answered(api, second["id"], answer="answer two")
    token = await api.token_for("clerk.e1")
    data = await api.data(ALERTS, {"store": "E1"}, token=token)
    nodes = [e["node"] for e in data["storeAlerts"]["edges"]]
    assert [(n["kind"], n["helpRequest"]["id"], n["helpRequest"]["answer"]) for n in nodes] == [
        ("HELP_ANSWERED", second["id"], "answer two"),
        ("HELP_ANSWERED", first["id"], "answer one"),
    ]
    assert int(nodes[0]["id"]) > int(nodes[1]["id"])  # event ids: usable as lastEventId
    page = await api.data(ALERTS, {"store": "E1", "first": 1}, token=token)
    after = page["storeAlerts"]["pageInfo"]["endCursor"]
    rest = await api.data(ALERTS, {"store": "E1", "first": 1, "after": after}, token=token)
    assert [e["node"]["id"] for e in rest["storeAlerts"]["edges"]] == [nodes[1]["id"]]
    assert code_of(await api.gql(ALERTS, {"store": "E2"}, token=token)) == "FORBIDDEN"
    east = await api.data(ALERTS, {"store": "E2"}, token=await api.token_for("rm.east"))
    assert len(east["storeAlerts"]["edges"]) == 1


async def test_a_request_is_a_node_seen_in_scope(api: Api) -> None:
    request = await asked(api, "clerk.e1", "E1")
    query = "query($id: ID!) { node(id: $id) { ... on HelpRequest { id note } } }"
    seen = await api.data(query, {"id": request["id"]}, token=await api.token_for("rm.east"))
    assert seen["node"] == {"id": request["id"], "note": request["note"]}
    unseen = await api.gql(query, {"id": request["id"]}, token=await api.token_for("sm.w1"))
    assert code_of(unseen) == "NOT_FOUND"
