"""Help request test steps: asking, answering, reading back."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api

HELP = """helpRequest { id status note answer requestedAt answeredAt store { code }
  requestedBy { username } answeredBy { username } photo { id url } }"""
REQUEST = f"""mutation($input: RequestHelpInput!) {{ requestHelp(input: $input) {{ {HELP} }} }}"""
ANSWER = f"""mutation($input: AnswerHelpRequestInput!) {{
  answerHelpRequest(input: $input) {{ {HELP} }} }}"""
LIST = """query($store: String, $status: HelpRequestStatus, $first: Int, $after: String) {
  helpRequests(storeCode: $store, status: $status, first: $first, after: $after) {
    edges { cursor node { id status note store { code } } }
    pageInfo { hasNextPage endCursor } } }"""
ALERTS = """query($store: String!, $first: Int, $after: String) {
  storeAlerts(storeCode: $store, first: $first, after: $after) {
    edges { cursor node { id kind occurredAt helpRequest { id status answer
      answeredBy { username } } } }
    pageInfo { hasNextPage endCursor } } }"""
HELP_ANSWERS = """subscription($store: String!, $after: ID) {
  helpAnswers(storeCode: $store, lastEventId: $after) {
    id occurredAt helpRequest { id status note answer store { code } answeredBy { username } }
  }
}"""


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def asked(
    api: Api,
    username: str = "clerk.e1",
    store: str = "E1",
    note: str = "收银机卡住了",
    **extra: Any,
) -> dict[str, Any]:
    data = await api.data(
        REQUEST,
        {"input": {"storeCode": store, "note": note, **extra}},
        token=await api.token_for(username),
    )
    request: dict[str, Any] = data["requestHelp"]["helpRequest"]
    return request


async def answered(
    api: Api, help_id: str, username: str = "ops", answer: str = "重启收银机即可"
) -> dict[str, Any]:
    data = await api.data(
        ANSWER,
        {"input": {"helpRequestId": help_id, "answer": answer}},
        token=await api.token_for(username),
    )
    request: dict[str, Any] = data["answerHelpRequest"]["helpRequest"]
    return request
