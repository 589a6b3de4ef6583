"""Persisted requests over HTTP under the default rule: store staff run trusted documents only,
by `documentId` (or Apollo's persistedQuery hash); everyone else may also send their own."""

from __future__ import annotations

import hashlib
import json

import pytest

from api.domain.access import TRUSTED_DOCUMENT_REQUIRED
from tests.conftest import Api, running_api
from tests.sales.helpers import RECORD_SALE, sale_input
from tests.trusted.conftest import (
    DOCUMENT_IDS,
    DOCUMENT_TEXTS,
    integrator_token,
    only_error,
    persisted,
)

AD_HOC_ME = "{ me { username role store { code } } }"


@pytest.mark.parametrize("username", ["clerk.e1", "sm.e1"])
async def test_store_staff_ad_hoc_query_is_forbidden_and_the_same_by_document_id_answers(
    api: Api, username: str
) -> None:
    token = await api.token_for(username)
    refused = only_error(await api.gql(AD_HOC_ME, token=token))
    assert refused["extensions"] == {"code": "FORBIDDEN", "reason": TRUSTED_DOCUMENT_REQUIRED}
    assert "documentId" in refused["message"]
    # The stored document's own text, sent as a query, is free-form too: only ids are trusted.
    assert only_error(await api.gql(DOCUMENT_TEXTS["Me"], token=token))["extensions"] == {
        "code": "FORBIDDEN",
        "reason": TRUSTED_DOCUMENT_REQUIRED,
    }
    answer = (await persisted(api, "Me", token=token)).json()
    assert "errors" not in answer, answer
    assert answer["data"]["me"]["username"] == username
    assert answer["data"]["me"]["store"]["code"] == "E1"


async def test_a_refusal_is_a_request_error(api: Api) -> None:
    """Nothing ran: under graphql-response+json 400 without data, as for a bad document."""
    token = await api.token_for("clerk.e1")
    for accept, status in [("application/graphql-response+json", 400), ("application/json", 200)]:
        response = await api.client.post(
            "/graphql",
            json={"query": AD_HOC_ME},
            headers={"authorization": f"Bearer {token}", "accept": accept},
        )
        assert response.status_code == status, response.text
        assert ("data" in response.json()) is (accept == "application/json")
        unknown = await api.client.post(
            "/graphql",
            json={"documentId": "sha256:" + "0" * 64},
            headers={"authorization": f"Bearer {token}", "accept": accept},
        )
        assert unknown.status_code == status, unknown.text


async def test_variables_reach_the_stored_document(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    level = (
        await persisted(api, "StockLevel", {"storeCode": "E1", "sku": "SKU-CORE-1"}, token=token)
    ).json()
    assert "errors" not in level, level
    assert level["data"]["stockLevel"]["product"]["sku"] == "SKU-CORE-1"
    missing = (await persisted(api, "StockLevel", {"storeCode": "E1"}, token=token)).json()
    assert only_error(missing)["extensions"]["code"] == "BAD_USER_INPUT"
    outside = (
        await persisted(api, "StockLevel", {"storeCode": "W1", "sku": "SKU-CORE-1"}, token=token)
    ).json()
    assert outside["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # scope still holds
    assert outside["errors"][0]["extensions"]["reason"] == "OUTSIDE_SCOPE"  # not the trusted rule


async def test_apollo_persisted_query_hash_is_the_same_id(api: Api) -> None:
    token = await api.token_for("sm.e1")
    digest = DOCUMENT_IDS["Me"].removeprefix("sha256:")
    response = await api.client.post(
        "/graphql",
        json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.json()["data"]["me"]["username"] == "sm.e1", response.text
    # Both forms naming the same document are one request; naming two is refused.
    same = await persisted(
        api, "Me", token=token, extensions={"persistedQuery": {"version": 1, "sha256Hash": digest}}
    )
    assert same.json()["data"]["me"]["username"] == "sm.e1"
    other = DOCUMENT_IDS["MyOpenShift"].removeprefix("sha256:")
    two = await persisted(
        api, "Me", token=token, extensions={"persistedQuery": {"version": 1, "sha256Hash": other}}
    )
    assert only_error(two.json())["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "documentId",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"documentId": "sha256:" + "0" * 64},
        {"documentId": "sha256:" + hashlib.sha256(b"{ me { username } }").hexdigest()},
        {"documentId": "Me"},
        {"documentId": "sha256:" + DOCUMENT_IDS["Me"][7:].upper()},  # ids are lower-case hex
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
        {
            "extensions": {
                "persistedQuery": {"version": 1, "sha256Hash": DOCUMENT_IDS["Me"][7:].upper()}
            }
        },
        # An APQ client resending the text with an unknown hash: no document is registered.
        {
            "query": "{ me { username } }",
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}},
        },
    ],
)
async def test_an_unknown_id_is_persisted_query_not_found(
    api: Api, body: dict[str, object]
) -> None:
    for token in (await api.token_for("clerk.e1"), await api.token_for("ops"), None):
        headers = {"authorization": f"Bearer {token}"} if token else {}
        result = (await api.client.post("/graphql", json=body, headers=headers)).json()
        error = only_error(result)
        assert error["extensions"] == {
            "code": "PERSISTED_QUERY_NOT_FOUND",
            "argument": "documentId",
        }
        assert "0000" not in error["message"]  # the id is not echoed


@pytest.mark.parametrize(
    ("body", "argument"),
    [
        ({"documentId": 42}, "documentId"),
        ({"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "ab"}}}, "persistedQuery"),
        ({"extensions": {"persistedQuery": {"version": 1}}}, "sha256Hash"),
    ],
)
async def test_a_malformed_id_is_bad_user_input(
    api: Api, body: dict[str, object], argument: str
) -> None:
    result = (await api.client.post("/graphql", json=body)).json()
    assert only_error(result)["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


async def test_a_query_sent_with_its_id_must_be_that_document(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    # The file as written (comments, layout) is the document the id names: it runs.
    same = await persisted(api, "Me", token=token, query=DOCUMENT_TEXTS["Me"])
    assert same.json()["data"]["me"]["username"] == "clerk.e1"
    for other in (AD_HOC_ME, DOCUMENT_TEXTS["MyOpenShift"], "{ me {"):
        refused = (await persisted(api, "Me", token=token, query=other)).json()
        assert only_error(refused)["extensions"] == {
            "code": "BAD_USER_INPUT",
            "argument": "documentId",
        }
    # An empty query beside the id, as some clients send it, is no query.
    empty = await persisted(api, "Me", token=token, query="")
    assert empty.json()["data"]["me"]["username"] == "clerk.e1"


async def test_get_runs_a_stored_query_and_never_a_stored_mutation(api: Api) -> None:
    token = await api.token_for("clerk.e1")
    headers = {"authorization": f"Bearer {token}"}
    variables = json.dumps({"storeCode": "E1", "sku": "SKU-CORE-1"})
    got = await api.client.get(
        "/graphql",
        params={"documentId": DOCUMENT_IDS["StockLevel"], "variables": variables},
        headers=headers,
    )
    assert got.status_code == 200, got.text
    assert got.json()["data"]["stockLevel"]["product"]["sku"] == "SKU-CORE-1"
    mutation = await api.client.get(
        "/graphql", params={"documentId": DOCUMENT_IDS["StartShift"]}, headers=headers
    )
    assert mutation.status_code == 405
    ad_hoc = await api.client.get("/graphql", params={"query": AD_HOC_ME}, headers=headers)
    assert only_error(ad_hoc.json())["extensions"]["reason"] == TRUSTED_DOCUMENT_REQUIRED


@pytest.mark.parametrize("username", ["admin", "ops", "compliance", "rm.east", "handler.east"])
async def test_hq_admin_and_other_roles_may_send_their_own_documents(
    api: Api, username: str
) -> None:
    result = await api.data(AD_HOC_ME, token=await api.token_for(username))
    assert result["me"]["username"] == username
    by_id = (await persisted(api, "Me", token=await api.token_for(username))).json()
    assert by_id["data"]["me"]["username"] == username


async def test_anyone_may_sign_in_with_their_own_document_or_by_id(api: Api) -> None:
    token = await api.login("clerk.e1")  # an ad-hoc login mutation, anonymous
    assert only_error(await api.gql(AD_HOC_ME, token=token))["extensions"]["code"] == "FORBIDDEN"
    signed_in = (
        await persisted(api, "SignIn", {"username": "sm.e1", "password": "correct-horse-42"})
    ).json()
    assert signed_in["data"]["login"]["staff"]["username"] == "sm.e1"
    # A refused token makes no one trusted: the free-form document runs and meets the refusal.
    stale = await api.gql(AD_HOC_ME, token="cs_not-a-token")
    assert stale["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_till_token_runs_trusted_documents_only_and_another_integrator_anything(
    api: Api,
) -> None:
    till = await integrator_token(api, "till-e1", trusted_documents_only=True)
    feed = await integrator_token(api, "feed-e1", trusted_documents_only=False)
    refused = only_error(await api.gql(RECORD_SALE, {"input": sale_input("T-1")}, token=till))
    assert refused["extensions"] == {"code": "FORBIDDEN", "reason": TRUSTED_DOCUMENT_REQUIRED}
    assert "token" in refused["message"] and "documentId" in refused["message"]
    sold = (await persisted(api, "RecordSale", {"input": sale_input("T-1")}, token=till)).json()
    assert "errors" not in sold, sold
    assert sold["data"]["recordSale"]["sale"]["receiptNo"] == "T-1"
    assert (await api.data(RECORD_SALE, {"input": sale_input("T-2")}, token=feed))["recordSale"]


async def test_the_token_says_it_is_restricted(api: Api) -> None:
    admin = await api.token_for("admin")
    await integrator_token(api, "till-e1", trusted_documents_only=True)
    data = await api.data(
        """mutation($input: CreateApiTokenInput!) {
          createApiToken(input: $input) { apiToken { id trustedDocumentsOnly } } }""",
        {"input": {"name": "till-e1", "expiresInDays": 1, "storeCode": "E1"}},
        token=admin,
    )
    default = data["createApiToken"]["apiToken"]
    assert default["trustedDocumentsOnly"] is False  # not restricted unless asked
    node = await api.data(
        "query($id: ID!) { node(id: $id) { ... on ApiToken { trustedDocumentsOnly } } }",
        {"id": default["id"]},
        token=admin,
    )
    assert node["node"] == {"trustedDocumentsOnly": False}


async def test_the_rule_follows_the_setting(org_db: str) -> None:
    async with running_api(org_db, trusted_only_roles="CLERK") as api:
        clerk, manager = await api.token_for("clerk.e1"), await api.token_for("sm.e1")
        assert only_error(await api.gql(AD_HOC_ME, token=clerk))["extensions"]["code"] == (
            "FORBIDDEN"
        )
        assert (await api.data(AD_HOC_ME, token=manager))["me"]["username"] == "sm.e1"
    async with running_api(org_db, trusted_only_roles="none") as api:
        clerk = await api.token_for("clerk.e1")
        assert (await api.data(AD_HOC_ME, token=clerk))["me"]["username"] == "clerk.e1"
        assert (await persisted(api, "Me", token=clerk)).json()["data"]["me"]
    async with running_api(org_db, trusted_only_roles="HQ_OPERATIONS") as api:
        refused = only_error(await api.gql(AD_HOC_ME, token=await api.token_for("ops")))
        assert refused["extensions"]["reason"] == TRUSTED_DOCUMENT_REQUIRED
