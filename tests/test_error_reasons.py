"""Error reasons are a schema enum: the domain refuses any other, the SDL prints the same values,
and the paths that once sent free-form reasons (or none beside structured data) send them.

Every response the suite's client receives is also checked (tests/conftest.py,
`check_error_vocabulary`); the checks here prove that check and the domain's refusal can fail.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLEnumType, GraphQLObjectType, build_schema

from api.domain import global_ids
from api.domain.errors import Conflict, ErrorCode, ErrorReason, InvalidInput, NotFound
from api.domain.members import codes
from db.pii import key_ring_from_environment
from tests.conftest import Api, check_error_vocabulary
from tests.members.conftest import ENROLL, new_member
from tests.sales.helpers import RECORD_SALE, sale_input

ROOT = Path(__file__).resolve().parent.parent
SDL = build_schema((ROOT / "schema.graphql").read_text())
ERROR_CLASSES = {"DomainError", "InvalidInput", "NotFound", "Conflict", "Forbidden"}
ERROR_CLASSES |= {"Unauthenticated", "RateLimited"}


def _sdl_enum(name: str) -> dict[str, str | None]:
    enum = SDL.get_type(name)
    assert isinstance(enum, GraphQLEnumType)
    return {value: definition.description for value, definition in enum.values.items()}


# --- the domain refuses what is not in the enum ------------------------------------------------


@pytest.mark.parametrize("reason", ["CHECK_DIGIT", "requires VIEW_STAFF", ErrorCode.CONFLICT])
def test_a_domain_error_refuses_a_reason_that_is_not_an_error_reason(reason: Any) -> None:
    with pytest.raises(TypeError):
        InvalidInput("code: wrong.", argument="code", reason=reason)
    with pytest.raises(TypeError):
        NotFound("nothing.", argument="code", reason=reason)


def test_structured_data_comes_with_a_reason() -> None:
    with pytest.raises(TypeError):
        InvalidInput("lines: bad", problems=["lines: bad"])
    with pytest.raises(TypeError):
        InvalidInput("not yet", missingItems=[])
    listed = InvalidInput.listing(["lines[0].quantity: must be positive"])
    assert listed.extensions == {
        "code": "BAD_USER_INPUT",
        "reason": "INPUT_PROBLEMS",
        "problems": ["lines[0].quantity: must be positive"],
    }
    assert Conflict("taken", reason=ErrorReason.ALREADY_EXISTS, field="phone").extensions == {
        "code": "CONFLICT",
        "reason": "ALREADY_EXISTS",
        "field": "phone",
    }


def _response(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


@pytest.mark.parametrize(
    "body",
    [
        {
            "errors": [
                {"message": "m", "extensions": {"code": "BAD_USER_INPUT", "reason": "EXPIRED"}}
            ]
        },
        {"errors": [{"message": "m", "extensions": {"code": "OOPS"}}]},
        {"errors": [{"message": "m", "extensions": {"code": "CONFLICT", "undocumented": 1}}]},
        {"data": {}, "extensions": {"hiddenFields": [{"path": ["x"], "reason": "requires X"}]}},
    ],
)
def test_the_suite_wide_check_refuses_what_the_sdl_does_not_document(body: dict) -> None:
    with pytest.raises(AssertionError):
        check_error_vocabulary(_response(body))


def test_the_suite_wide_check_passes_documented_errors() -> None:
    error = {"code": "CONFLICT", "reason": "WRONG_STATUS", "status": "SHIPPED", "transferId": "x"}
    hidden = {"path": ["a", 0], "reason": "PERMISSION_REQUIRED", "permission": "VIEW_STAFF"}
    body = {
        "errors": [{"message": "m", "extensions": error}],
        "extensions": {"hiddenFields": [hidden]},
    }
    check_error_vocabulary(_response(body))


# --- the SDL prints the domain's enums --------------------------------------------------------


def test_the_sdl_error_reason_and_code_are_the_domain_enums_with_their_descriptions() -> None:
    assert _sdl_enum("ErrorReason") == {r.value: r.description for r in ErrorReason}
    assert _sdl_enum("ErrorCode") == {c.value: c.description for c in ErrorCode}
    assert "TRUSTED_DOCUMENT_REQUIRED" in _sdl_enum("ErrorReason")
    for value in ErrorReason:
        assert value.name == value.value and value.description.strip(), value


def test_the_sdl_documents_the_shape_of_extensions() -> None:
    extensions = SDL.get_type("ErrorExtensions")
    assert isinstance(extensions, GraphQLObjectType)
    assert str(extensions.fields["code"].type) == "ErrorCode!"
    assert str(extensions.fields["reason"].type) == "ErrorReason"
    assert str(extensions.fields["problems"].type) == "[String!]"
    assert str(extensions.fields["missingItems"].type) == "[MissingChecklistItem!]"
    hidden = SDL.get_type("HiddenField")
    assert isinstance(hidden, GraphQLObjectType)
    assert str(hidden.fields["reason"].type) == "ErrorReason!"


def _error_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for path in sorted((ROOT / "api").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name in ERROR_CLASSES or name == "hide":
                    calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return calls


def test_every_raise_site_names_a_reason_of_the_enum_and_a_documented_key() -> None:
    """Also the raise sites no test reaches: a reason is `ErrorReason.X`, never a string,
    and each detail keyword is a field of ErrorExtensions."""
    extensions = SDL.get_type("ErrorExtensions")
    assert isinstance(extensions, GraphQLObjectType)
    documented = set(extensions.fields) | {"reason", "retry_after_seconds", None}
    hides = 0
    for where, call in _error_calls():
        if getattr(call.func, "attr", None) == "hide":
            hides += 1
            reason = call.args[1] if len(call.args) > 1 else None
        else:
            reason = next((k.value for k in call.keywords if k.arg == "reason"), None)
            assert {k.arg for k in call.keywords} <= documented, where
        if reason is None or (isinstance(reason, ast.Attribute) and reason.attr == "reason"):
            continue  # no reason, or one passed on from another error (resolvers/nodes.py)
        assert isinstance(reason, ast.Attribute), where
        assert getattr(reason.value, "id", None) == "ErrorReason", where
        assert reason.attr in ErrorReason.__members__, where
    assert hides >= 2  # permissions.py and members.py hide fields


# --- paths that sent free-form reasons (or none) now send the enum's -------------------------

BY_CODE = "query($c: String!) { memberByCode(code: $c) { id displayName phoneMasked } }"


def _extensions(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("errors"), result
    extensions: dict[str, Any] = result["errors"][0]["extensions"]
    return extensions


async def test_a_hidden_field_names_its_reason_and_permission(api: Api) -> None:
    clerk = await api.token_for("clerk.e1")
    member = (await api.data(ENROLL, {"input": new_member()}, token=clerk))["enrollMember"]
    result = await api.gql(BY_CODE, {"c": member["member"]["cardNumber"]}, token=clerk)
    assert result["data"]["memberByCode"]["phoneMasked"] is None
    assert result["extensions"]["hiddenFields"] == [
        {
            "path": ["memberByCode", "phoneMasked"],
            "reason": "PERMISSION_REQUIRED",
            "permission": "VIEW_MEMBER_PHONE_MASKED",
        }
    ]


async def test_member_codes_answer_with_reasons_of_the_enum(api: Api) -> None:
    clerk = await api.token_for("clerk.e1")
    member = (await api.data(ENROLL, {"input": new_member()}, token=clerk))["enrollMember"]
    member_id = global_ids.expect(member["member"]["id"], "Member", argument="id")
    card = member["member"]["cardNumber"]
    expired = codes.issue_qr_code(
        key_ring_from_environment(), member_id, issued_at=time.time() - 90
    )
    wrong_digit = card[:-1] + str((int(card[-1]) + 1) % 10)
    for code, reason in [
        (expired.code, "MEMBER_CODE_EXPIRED"),
        (wrong_digit, "CHECK_DIGIT"),
        ("hello", "MEMBER_CODE_MALFORMED"),
    ]:
        extensions = _extensions(await api.gql(BY_CODE, {"c": code}, token=clerk))
        assert extensions == {"code": "BAD_USER_INPUT", "reason": reason, "argument": "code"}


async def test_listed_problems_and_refusals_carry_a_reason(api: Api) -> None:
    clerk = await api.token_for("clerk.e1")
    bad_lines = [{"sku": "SKU-CORE-1", "quantity": 0, "unitPriceCents": 200, "discountCents": 0}]
    sale = await api.gql(RECORD_SALE, {"input": sale_input(lines=bad_lines)}, token=clerk)
    extensions = _extensions(sale)
    assert (extensions["code"], extensions["reason"]) == ("BAD_USER_INPUT", "INPUT_PROBLEMS")
    assert extensions["problems"]

    outside = await api.gql(
        'query { stockLevel(storeCode: "W1", sku: "SKU-CORE-1") { onHand } }', token=clerk
    )
    assert _extensions(outside) == {
        "code": "FORBIDDEN",
        "reason": "OUTSIDE_SCOPE",
        "storeCode": "W1",
    }

    frozen = await api.gql(
        'mutation { freezeStaff(username: "clerk.e2") { staff { id } } }', token=clerk
    )
    assert _extensions(frozen) == {
        "code": "FORBIDDEN",
        "reason": "PERMISSION_REQUIRED",
        "permission": "MANAGE_STAFF",
    }
