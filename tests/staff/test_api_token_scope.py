"""An integrator token's scope is always the one asked for, or the call fails: asking an
existing chain-wide principal for a store's token used to hand out a chain-wide one."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import Api
from tests.staff.test_staff_api import TOKEN

SALE = """mutation($input: RecordSaleInput!) { recordSale(input: $input) { sale { receiptNo } } }"""


def code_of(result: dict) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def tokens(api: Api) -> int:
    async with api.engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM auth_token WHERE kind = 'API'")))


async def test_another_scope_for_an_existing_name_is_a_conflict(api: Api) -> None:
    admin = await api.token_for("admin")
    chain_wide = {"name": "pos", "expiresInDays": 30, "grants": ["RECORD_SALES"]}
    assert "errors" not in await api.gql(TOKEN, {"input": chain_wide}, token=admin)
    before = await tokens(api)
    for scope in ({"storeCode": "E1"}, {"regionCode": "EAST"}):
        refused = await api.gql(TOKEN, {"input": {**chain_wide, **scope}}, token=admin)
        assert code_of(refused) == "CONFLICT", refused
        assert "scoped to the whole chain" in refused["errors"][0]["message"]
        assert refused["errors"][0]["extensions"]["argument"] == "name"
    assert await tokens(api) == before  # nothing issued


async def test_the_same_scope_issues_another_token_with_its_own_grants(api: Api) -> None:
    admin = await api.token_for("admin")
    store_till = {"name": "till-e1", "expiresInDays": 30, "storeCode": "E1"}
    first = await api.data(TOKEN, {"input": store_till}, token=admin)
    second = await api.data(
        TOKEN,
        {"input": {**store_till, "grants": ["RECORD_SALES"], "expiresInDays": 2}},
        token=admin,
    )
    assert second["createApiToken"]["apiToken"]["grants"] == ["RECORD_SALES"]
    assert first["createApiToken"]["apiToken"]["staff"]["store"] == {"code": "E1"}
    assert second["createApiToken"]["apiToken"]["staff"]["store"] == {"code": "E1"}
    # Asking the store principal for a chain-wide token is refused too.
    chain = await api.gql(TOKEN, {"input": {**store_till, "storeCode": None}}, token=admin)
    assert code_of(chain) == "CONFLICT"
    assert "scoped to store E1" in chain["errors"][0]["message"]
