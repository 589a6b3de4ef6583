"""DATABASE_READ_URL: analytics queries read through a second engine when it is set (here the
same server, told apart by its connections' application_name), the primary when unset; the
writes of the same request stay on the primary."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from tests.conftest import Api, running_api

QUERIES = [
    """{ kpis(from: "2026-10-01", to: "2026-10-31") { months { receipts } } }""",
    """{ trafficHeatmap(storeCode: "E1", from: "2026-10-01", to: "2026-10-07") { receipts } }""",
    """{ staffRanking(month: "2026-10-01") { edges { node { receipts } } } }""",
    """{ storeOperations(storeCode: "E1", from: "2026-10-01", to: "2026-10-07") { receipts } }""",
    """{ productInsights(from: "2026-10-01", to: "2026-10-07") { bestSellers { sku } } }""",
    """{ digitalAdoption(month: "2026-10-01") { stores { writes } } }""",
    """{ digitalExperts(month: "2026-10-01") { ranking { writes } } }""",
]
ROLLUPS = ("clerk_monthly", "store_hourly", "sales_daily", "member", "shift")


async def read_connections(api: Api) -> int:
    async with api.engine.connect() as conn:
        count: int = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = 'chainstore-read'"
            )
        )
    return count


def on_primary(statements: list[str]) -> list[str]:
    return [s for s in statements if any(table in s for table in ROLLUPS)]


async def test_analytics_read_through_the_read_url_when_set(org_db: str, tmp_path: Path) -> None:
    async with running_api(org_db, data_dir=tmp_path, database_read_url=org_db) as api:
        token = await api.token_for("ops")
        assert await read_connections(api) == 0
        for query in QUERIES:
            with api.count_sql() as statements:
                result = await api.gql(query, token=token)
            assert "errors" not in result, (query, result)
            assert on_primary(statements) == [], query  # only the token's look-up
        assert await read_connections(api) >= 1  # the read engine's pool holds its connection
    # Disposed with the app: no read connection outlives it.
    async with running_api(org_db, data_dir=tmp_path) as api:
        assert await read_connections(api) == 0


async def test_without_a_read_url_analytics_read_the_primary(org_db: str, tmp_path: Path) -> None:
    async with running_api(org_db, data_dir=tmp_path) as api:
        token = await api.token_for("ops")
        for query in QUERIES:
            with api.count_sql() as statements:
                result = await api.gql(query, token=token)
            assert "errors" not in result, (query, result)
            assert on_primary(statements) != [], query
        assert await read_connections(api) == 0
