"""`GET /`: where /graphql, sign-in, /healthz, /readyz and GraphiQL are, instead of a 404; and
what it says about GraphiQL is true of the server that says it."""

from __future__ import annotations

from tests.conftest import Api, running_api

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def test_root_answers_json_for_clients_and_a_page_for_browsers(api: Api) -> None:
    for headers in ({}, {"accept": "application/json"}, {"accept": "*/*"}):
        answer = await api.client.get("/", headers=headers)
        assert answer.status_code == 200, headers
        assert answer.headers["content-type"] == "application/json"
    said = answer.json()
    assert said["graphql"].startswith("/graphql")
    assert "login(" in said["signIn"] and "Authorization: Bearer <token>" in said["signIn"]
    assert said["health"].startswith("/healthz") and said["ready"].startswith("/readyz")
    assert "--dev" in said["graphiql"]
    assert "authorization" in said["websocket"] and "graphql-transport-ws" in said["websocket"]

    page = await api.client.get("/", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for text in ("/graphql", "/healthz", "/readyz", "--dev", "Bearer &lt;token&gt;"):
        assert text in page.text, text
    # Without --dev there is no GraphiQL behind /graphql, as the page says.
    assert "graphiql" not in (await api.client.get("/graphql", headers=BROWSER)).text.lower()
    assert (await api.client.post("/", json={})).status_code == 405


async def test_with_dev_the_root_points_at_graphiql_which_is_there(org_db: str) -> None:
    async with running_api(org_db, dev=True) as api:
        said = (await api.client.get("/")).json()
        assert said["graphiql"] == "open /graphql in a browser"
        ide = await api.client.get("/graphql", headers=BROWSER)
        assert ide.status_code == 200 and "graphiql" in ide.text.lower()
