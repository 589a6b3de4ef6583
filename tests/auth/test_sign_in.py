"""Sign-in, bearer tokens, sign-out, frozen accounts and password rehashing."""

from __future__ import annotations

import hashlib
import re

from argon2 import PasswordHasher
from sqlalchemy import select, text, update

from api.domain.auth import token_digest
from db.models import AuthToken, Staff, StaffStatus
from tests.conftest import Api
from tests.org_fixture import PASSWORD

ME = "{ me { username role store { code } region { code } } }"
LOGIN = """mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) { token expiresAt staff { username role } }
}"""


def code_of(result: dict) -> str:
    return result["errors"][0]["extensions"]["code"]


async def test_login_returns_an_opaque_256_bit_token_stored_only_as_its_hash(api: Api) -> None:
    data = await api.data(LOGIN, {"u": "sm.e1", "p": PASSWORD})
    token = data["login"]["token"]
    assert data["login"]["staff"] == {"username": "sm.e1", "role": "STORE_MANAGER"}
    assert re.fullmatch(r"cs_[A-Za-z0-9_-]{43}", token)  # 32 random bytes, base64url
    async with api.engine.connect() as conn:
        stored = (await conn.execute(select(AuthToken.token_hash))).scalars().all()
        dump = (await conn.execute(text("SELECT auth_token::text FROM auth_token"))).scalars().all()
    assert hashlib.sha256(token.encode()).digest() in stored
    assert not any(token in row or token[3:] in row for row in dump)
    me = await api.data(ME, token=token)
    assert me["me"] == {
        "username": "sm.e1",
        "role": "STORE_MANAGER",
        "store": {"code": "E1"},
        "region": {"code": "EAST"},
    }


async def test_wrong_password_and_unknown_user_fail_alike(api: Api) -> None:
    wrong = await api.gql(LOGIN, {"u": "sm.e1", "p": "not-the-password"})
    unknown = await api.gql(LOGIN, {"u": "nobody.here", "p": "not-the-password"})
    assert code_of(wrong) == code_of(unknown) == "UNAUTHENTICATED"
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"]
    assert wrong["data"] is None


async def test_username_is_case_insensitive(api: Api) -> None:
    data = await api.data(LOGIN, {"u": "  SM.E1 ", "p": PASSWORD})
    assert data["login"]["staff"]["username"] == "sm.e1"


async def test_missing_malformed_unknown_tokens_are_unauthenticated(api: Api) -> None:
    anonymous = await api.gql(ME)
    assert code_of(anonymous) == "UNAUTHENTICATED"
    for header in ["Basic abc", "Bearer", "Bearer " + "x" * 200, "Token abc"]:
        result = await api.gql(ME, headers={"authorization": header})
        assert code_of(result) == "UNAUTHENTICATED", header
        assert "Malformed" in result["errors"][0]["message"]
    unknown = await api.gql(ME, token="cs_" + "A" * 43)
    assert code_of(unknown) == "UNAUTHENTICATED"
    assert "Unknown token" in unknown["errors"][0]["message"]


async def test_expired_token_is_refused(api: Api) -> None:
    token = await api.login("clerk.e1")
    async with api.engine.begin() as conn:
        await conn.execute(
            update(AuthToken)
            .where(AuthToken.token_hash == token_digest(token))
            .values(expires_at=text("now() - interval '1 second'"))
        )
    result = await api.gql(ME, token=token)
    assert code_of(result) == "UNAUTHENTICATED"
    assert "expired" in result["errors"][0]["message"]


async def test_logout_revokes_the_token_and_only_that_token(api: Api) -> None:
    first = await api.login("clerk.e1")
    second = await api.token_for("clerk.e1")
    data = await api.data("mutation { logout { revoked } }", token=first)
    assert data == {"logout": {"revoked": True}}
    result = await api.gql(ME, token=first)
    assert code_of(result) == "UNAUTHENTICATED"
    assert "revoked" in result["errors"][0]["message"]
    assert (await api.data(ME, token=second))["me"]["username"] == "clerk.e1"


async def test_frozen_staff_is_refused_on_the_very_next_request(api: Api) -> None:
    clerk = await api.token_for("clerk.e1")
    manager = await api.token_for("sm.e1")
    assert (await api.data(ME, token=clerk))["me"]["username"] == "clerk.e1"
    frozen = await api.data(
        'mutation { freezeStaff(username: "clerk.e1") { staff { username status } } }',
        token=manager,
    )
    assert frozen["freezeStaff"]["staff"]["status"] == "FROZEN"
    result = await api.gql(ME, token=clerk)
    assert code_of(result) == "UNAUTHENTICATED"
    assert "frozen" in result["errors"][0]["message"]
    # A frozen account cannot sign in again either, with the generic message.
    relogin = await api.gql(LOGIN, {"u": "clerk.e1", "p": PASSWORD})
    assert code_of(relogin) == "UNAUTHENTICATED"
    # Unfreezing restores the same token (it was never revoked, only refused).
    await api.data(
        'mutation { unfreezeStaff(username: "clerk.e1") { staff { status } } }', token=manager
    )
    assert (await api.data(ME, token=clerk))["me"]["username"] == "clerk.e1"


async def test_login_rehashes_a_password_hashed_with_old_parameters(api: Api) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    async with api.engine.begin() as conn:
        await conn.execute(update(Staff).where(Staff.username == "ops").values(password_hash=weak))
    await api.login("ops")
    async with api.engine.connect() as conn:
        stored = await conn.scalar(select(Staff.password_hash).where(Staff.username == "ops"))
    assert stored != weak
    assert stored is not None and stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    await api.login("ops")  # the new hash verifies


async def test_stored_hashes_are_argon2id_at_rfc9106_parameters(api: Api) -> None:
    async with api.engine.connect() as conn:
        hashes = (await conn.execute(select(Staff.password_hash))).scalars().all()
    assert hashes and all(h.startswith("$argon2id$v=19$m=65536,t=3,p=4$") for h in hashes if h)


async def test_failed_login_changes_nothing_but_the_throttle(api: Api) -> None:
    await api.gql(LOGIN, {"u": "clerk.e1", "p": "wrong-password"})
    async with api.engine.connect() as conn:
        tokens = await conn.scalar(text("SELECT count(*) FROM auth_token"))
        status = await conn.scalar(select(Staff.status).where(Staff.username == "clerk.e1"))
    assert tokens == 0
    assert status is StaffStatus.ACTIVE
