"""Granting HQ_COMPLIANCE (full phone numbers) takes a second person: ADMIN's request leaves the
account without the role's permissions until another HQ compliance member, or the server's
operator, confirms it; both steps are in the PII access log and raise privacy alerts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import app as cli_app
from api.domain import compliance_grants, events
from api.domain.access import Actor
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Forbidden
from db.engine import create_session_factory
from db.models import ComplianceGrant, Event, Role, Staff, TokenKind
from tests.conftest import Api, row_id

CREATE = """mutation($input: CreateStaffInput!) {
  createStaff(input: $input) {
    staff { username role }
    pendingGrant { id confirmedAt staff { username } requestedBy { username } }
  }
}"""
CONFIRM = """mutation($id: ID!) {
  confirmComplianceGrant(id: $id) {
    grant { id confirmedAt staff { username } requestedBy { username } confirmedBy { username } }
  }
}"""
PENDING = "{ complianceGrants { edges { node { id staff { username } } } } }"
ME = "{ me { role permissions } }"
LOG = """{ piiAccessLog(first: 10) { edges { node {
  field purpose staff { username } subjectStaff { username } member { id } } } } }"""


def new_compliance(username: str = "compliance.b") -> dict[str, str]:
    return {
        "username": username,
        "displayName": "Wang Fang",
        "role": "HQ_COMPLIANCE",
        "password": "a-long-password",
    }


async def requested(api: Api, username: str = "compliance.b") -> str:
    """ADMIN creates an HQ_COMPLIANCE account; the pending grant's global id."""
    data = await api.data(
        CREATE, {"input": new_compliance(username)}, token=await api.token_for("admin")
    )
    grant = data["createStaff"]["pendingGrant"]
    assert grant["confirmedAt"] is None
    assert grant["staff"] == {"username": username}
    assert grant["requestedBy"] == {"username": "admin"}
    gid: str = grant["id"]
    return gid


def first_error(result: dict[str, Any]) -> dict[str, Any]:
    errors = result.get("errors")
    assert errors, result
    extensions: dict[str, Any] = errors[0]["extensions"]
    return extensions


async def grant_events(api: Api) -> list[tuple[str, dict[str, Any]]]:
    async with create_session_factory(api.engine)() as s:
        rows = await s.execute(
            select(Event.kind, Event.payload)
            .where(Event.kind.in_([k.value for k in events.COMPLIANCE_GRANT_KINDS]))
            .order_by(Event.id)
        )
        return [(kind, payload) for kind, payload in rows]


async def test_an_admin_made_compliance_account_holds_nothing_until_a_second_person_confirms(
    api: Api,
) -> None:
    gid = await requested(api)
    newcomer = await api.login("compliance.b", "a-long-password")
    assert (await api.data(ME, token=newcomer))["me"] == {
        "role": "HQ_COMPLIANCE",
        "permissions": ["SIGNED_IN"],
    }
    refused = first_error(await api.gql(LOG, token=newcomer))
    assert (refused["code"], refused["reason"]) == ("FORBIDDEN", "ROLE_GRANT_PENDING")

    # Neither the requester nor the grantee may confirm; HQ compliance sees it pending.
    for username in ("admin", "compliance.b"):
        token = newcomer if username == "compliance.b" else await api.token_for(username)
        assert first_error(await api.gql(CONFIRM, {"id": gid}, token=token))["code"] == "FORBIDDEN"
    compliance = await api.token_for("compliance")
    listed = (await api.data(PENDING, token=compliance))["complianceGrants"]["edges"]
    assert [e["node"] for e in listed] == [{"id": gid, "staff": {"username": "compliance.b"}}]

    confirmed = (await api.data(CONFIRM, {"id": gid}, token=compliance))["confirmComplianceGrant"]
    assert confirmed["grant"]["confirmedBy"] == {"username": "compliance"}
    assert confirmed["grant"]["confirmedAt"] is not None
    again = first_error(await api.gql(CONFIRM, {"id": gid}, token=compliance))
    assert (again["code"], again["reason"]) == ("CONFLICT", "WRONG_STATUS")
    assert (await api.data(PENDING, token=compliance))["complianceGrants"]["edges"] == []

    # The same token now holds the role (checked per request), and reads the log of its grant.
    permissions = (await api.data(ME, token=newcomer))["me"]["permissions"]
    assert "REVEAL_MEMBER_PHONE" in permissions
    log = [e["node"] for e in (await api.data(LOG, token=newcomer))["piiAccessLog"]["edges"]]
    assert log == [
        {
            "field": "ROLE_GRANT_CONFIRMED",
            "purpose": "confirmed HQ_COMPLIANCE for compliance.b (requested by admin) as "
            "compliance",
            "staff": {"username": "compliance"},
            "subjectStaff": {"username": "compliance.b"},
            "member": None,
        },
        {
            "field": "ROLE_GRANT_REQUESTED",
            "purpose": "requested HQ_COMPLIANCE (full phone numbers) for compliance.b",
            "staff": {"username": "admin"},
            "subjectStaff": {"username": "compliance.b"},
            "member": None,
        },
    ]
    grant_id = row_id(gid)
    assert await grant_events(api) == [
        (
            "COMPLIANCE_GRANT_REQUESTED",
            {"grantId": grant_id, "staffUsername": "compliance.b", "requestedByUsername": "admin"}
            | {"confirmedByUsername": None},
        ),
        (
            "COMPLIANCE_GRANT_CONFIRMED",
            {
                "grantId": grant_id,
                "staffUsername": "compliance.b",
                "requestedByUsername": "admin",
                "confirmedByUsername": "compliance",
            },
        ),
    ]


async def test_a_refused_creation_requests_no_grant(api: Api) -> None:
    admin = await api.token_for("admin")
    await requested(api)
    taken = await api.gql(CREATE, {"input": new_compliance()}, token=admin)
    assert first_error(taken)["code"] == "CONFLICT"
    await api.data(CREATE, {"input": new_compliance("compliance.c")}, token=admin)
    async with create_session_factory(api.engine)() as s:
        grants = (await s.scalars(select(ComplianceGrant))).all()
    assert len(grants) == 2
    assert len(await grant_events(api)) == 2


async def test_the_grantee_is_never_its_own_second_person(api: Api) -> None:
    """Even an actor holding the role (say, confirmed long ago, then re-granted) cannot confirm
    a grant it receives or requested."""
    gid = await requested(api)
    async with create_session_factory(api.engine)() as s, s.begin():
        grantee = (await s.scalars(select(Staff).where(Staff.username == "compliance.b"))).one()
        as_grantee = Actor(
            staff_id=grantee.id,
            username=grantee.username,
            role=Role.HQ_COMPLIANCE,
            store_id=None,
            region_id=None,
            token_id=0,
            token_kind=TokenKind.SESSION,
        )
        with pytest.raises(Forbidden) as refused:
            await compliance_grants.confirm_grant(s, as_grantee, row_id(gid), request_id="t")
        assert refused.value.reason is ErrorReason.SECOND_PERSON_REQUIRED


async def test_the_server_operator_confirms_with_the_cli(api: Api) -> None:
    gid = await requested(api)
    runner = CliRunner()
    result = await asyncio.to_thread(
        runner.invoke,
        cli_app,
        ["staff", "confirm-grant", str(row_id(gid))],
        env={"DATABASE_URL": api.url},
    )
    assert result.exit_code == 0, result.output
    newcomer = await api.token_for("compliance.b")
    assert "REVEAL_MEMBER_PHONE" in (await api.data(ME, token=newcomer))["me"]["permissions"]
    log = [e["node"] for e in (await api.data(LOG, token=newcomer))["piiAccessLog"]["edges"]]
    assert log[0]["field"] == "ROLE_GRANT_CONFIRMED"
    assert log[0]["staff"] is None  # the operator, who has no account
    assert log[0]["purpose"].endswith("as the server's operator")
    kinds = [kind for kind, _ in await grant_events(api)]
    assert kinds == ["COMPLIANCE_GRANT_REQUESTED", "COMPLIANCE_GRANT_CONFIRMED"]
    unknown = await asyncio.to_thread(
        runner.invoke, cli_app, ["staff", "confirm-grant", "999"], env={"DATABASE_URL": api.url}
    )
    assert unknown.exit_code == 2
