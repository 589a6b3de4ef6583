"""Repeated failed sign-ins are throttled per username and per client address."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from tests.conftest import running_api
from tests.org_fixture import PASSWORD

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"


def code_of(result: dict) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def test_username_is_blocked_after_repeated_failures_even_with_the_right_password(
    org_db: str,
) -> None:
    async with running_api(org_db, login_max_failures_per_user=3) as api:
        for _ in range(3):
            result = await api.gql(LOGIN, {"u": "clerk.e1", "p": "wrong-password"})
            assert code_of(result) == "UNAUTHENTICATED"
        blocked = await api.gql(LOGIN, {"u": "clerk.e1", "p": PASSWORD})
        assert code_of(blocked) == "RATE_LIMITED"
        assert blocked["errors"][0]["extensions"]["retryAfterSeconds"] > 0
        # Another username from the same address is not blocked by this one's failures.
        assert code_of(await api.gql(LOGIN, {"u": "clerk.e2", "p": PASSWORD})) is None
        # When the block lapses, the right password works and clears the count.
        async with api.engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE login_throttle SET blocked_until = now() - interval '1 second',"
                    " window_started_at = now() - interval '1 hour' WHERE key = 'user:clerk.e1'"
                )
            )
        assert code_of(await api.gql(LOGIN, {"u": "clerk.e1", "p": PASSWORD})) is None
        async with api.engine.connect() as conn:
            left = await conn.scalar(
                text("SELECT count(*) FROM login_throttle WHERE key = 'user:clerk.e1'")
            )
        assert left == 0


async def test_client_address_is_blocked_across_usernames(org_db: str) -> None:
    async with running_api(
        org_db, client_address="203.0.113.9", login_max_failures_per_address=4
    ) as attacker:
        for name in ["admin", "ops", "compliance", "rm.east"]:
            result = await attacker.gql(LOGIN, {"u": name, "p": "guess-guess-guess"})
            assert code_of(result) == "UNAUTHENTICATED"
        result = await attacker.gql(LOGIN, {"u": "clerk.w1", "p": PASSWORD})
        assert code_of(result) == "RATE_LIMITED"
    # The same database seen from another address (another worker, another client) is fine.
    async with running_api(org_db, client_address="198.51.100.7") as other:
        assert code_of(await other.gql(LOGIN, {"u": "clerk.w1", "p": PASSWORD})) is None


async def _sign_in_failures_from_forwarded_addresses(api_context: object, count: int) -> list:
    codes = []
    for n in range(count):
        # A different claimed client address and username each time: only the address limit
        # can stop this, and only if the claimed address is not believed.
        result = await api_context.gql(  # type: ignore[attr-defined]
            LOGIN,
            {"u": f"nobody.{n}", "p": "guess-guess-guess"},
            headers={"x-forwarded-for": f"198.51.100.{n + 1}"},
        )
        codes.append(code_of(result))
    return codes


async def test_forwarded_headers_do_not_choose_the_throttled_address(org_db: str) -> None:
    async with running_api(
        org_db, client_address="203.0.113.20", login_max_failures_per_address=3
    ) as attacker:
        codes = await _sign_in_failures_from_forwarded_addresses(attacker, 4)
    assert codes == ["UNAUTHENTICATED"] * 3 + ["RATE_LIMITED"]


async def test_forwarded_headers_are_believed_from_a_configured_proxy(org_db: str) -> None:
    async with running_api(
        org_db,
        client_address="10.0.0.5",
        login_max_failures_per_address=3,
        trusted_proxies="10.0.0.0/24",
    ) as behind_proxy:
        codes = await _sign_in_failures_from_forwarded_addresses(behind_proxy, 4)
    assert codes == ["UNAUTHENTICATED"] * 4  # four different clients behind the proxy


async def test_simultaneous_sign_ins_are_counted_before_the_password_is_checked(
    org_db: str,
) -> None:
    """24 at once on one account, one with the right password: only the first five (the
    per-user limit) have their password checked; the rest are refused unchecked."""
    async with running_api(org_db, login_max_failures_per_user=5) as api:
        attempts = [{"u": "clerk.e1", "p": "guess-guess-guess"} for _ in range(23)]
        attempts.insert(12, {"u": "clerk.e1", "p": PASSWORD})
        results = await asyncio.gather(*(api.gql(LOGIN, a) for a in attempts))
        codes = [code_of(r) for r in results]
        checked = [c for c in codes if c != "RATE_LIMITED"]  # None (signed in) or UNAUTHENTICATED
        assert len(checked) <= 5, codes
        assert codes.count("RATE_LIMITED") >= 19
        # The account stays blocked for the right password too, until the block ends.
        assert code_of(await api.gql(LOGIN, {"u": "clerk.e1", "p": PASSWORD})) == "RATE_LIMITED"


async def test_successful_sign_ins_from_one_address_never_block_it(org_db: str) -> None:
    """A store's clerks share one address: their successes take their attempts back."""
    async with running_api(
        org_db, client_address="203.0.113.30", login_max_failures_per_address=3
    ) as store:
        for _ in range(6):
            assert code_of(await store.gql(LOGIN, {"u": "clerk.e1", "p": PASSWORD})) is None
        assert code_of(await store.gql(LOGIN, {"u": "nobody", "p": "guess-guess"})) == (
            "UNAUTHENTICATED"
        )
