"""The promotions list (the board's picker): those reaching a store in the caller's scope,
newest first, paged by cursor; and the poster photos themselves on promotionExecution."""

from __future__ import annotations

from tests.conftest import Api
from tests.promotions.helpers import create, day, errors_of
from tests.promotions.test_evidence import posters

LIST = """query($first: Int, $after: String) {
  promotions(first: $first, after: $after) {
    edges { cursor node { id name stores { code } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
POSTER_LIST = """query($id: ID!) {
  promotionExecution(promotionId: $id) { storeCode posterPhotos posters { id url thumbnailUrl } }
}"""


async def listed(api: Api, username: str, **variables: object) -> dict:
    data = await api.data(LIST, variables, token=await api.token_for(username))
    found: dict = data["promotions"]
    return found


async def test_each_caller_lists_the_promotions_reaching_their_scope_newest_first(
    api: Api,
) -> None:
    east = await create(api, name="华东")
    west = await create(api, name="西部", storeCodes=["W1"], regionCodes=[])
    e2 = await create(api, name="E2 独享", storeCodes=["E2"], regionCodes=[])
    ops = await listed(api, "ops")
    assert [e["node"]["id"] for e in ops["edges"]] == [e2["id"], west["id"], east["id"]]
    rm = await listed(api, "rm.east")
    assert [e["node"]["name"] for e in rm["edges"]] == ["E2 独享", "华东"]
    clerk = await listed(api, "clerk.e1")
    assert [(e["node"]["name"], e["node"]["stores"]) for e in clerk["edges"]] == [
        ("华东", [{"code": "E1"}])  # the stores it runs in that are in the caller's scope
    ]
    # Paged by cursor: two, then the rest.
    first = await listed(api, "ops", first=2)
    assert [e["node"]["id"] for e in first["edges"]] == [e2["id"], west["id"]]
    assert first["pageInfo"]["hasNextPage"]
    rest = await listed(api, "ops", first=2, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in rest["edges"]] == [east["id"]]
    assert not rest["pageInfo"]["hasNextPage"]


async def test_a_bad_page_is_refused(api: Api) -> None:
    token = await api.token_for("ops")
    result = await api.gql(LIST, {"first": 101}, token=token)
    assert errors_of(result)[0] == "BAD_USER_INPUT"
    result = await api.gql(LIST, {"after": "not-a-cursor"}, token=token)
    assert errors_of(result)[0] == "BAD_USER_INPUT"


async def test_execution_lists_the_poster_photos(api: Api) -> None:
    promotion = await create(api, window={"startDate": day(3), "endDate": day(7)})
    attached = await posters(api, promotion["id"])
    assert "errors" not in attached, attached
    data = await api.data(POSTER_LIST, {"id": promotion["id"]}, token=await api.token_for("ops"))
    by_store = {e["storeCode"]: e for e in data["promotionExecution"]}
    [photo] = by_store["E1"]["posters"]
    assert by_store["E1"]["posterPhotos"] == 1
    assert photo["thumbnailUrl"] == f"{photo['url']}/thumbnail"
    # The photo route serves it to a manager of the store (not its uploader).
    response = await api.client.get(
        photo["thumbnailUrl"], headers={"authorization": f"Bearer {await api.token_for('sm.e1')}"}
    )
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert by_store["E2"]["posters"] == []
