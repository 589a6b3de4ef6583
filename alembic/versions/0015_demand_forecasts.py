"""Demand forecasts: weather readings, forecasts per store x SKU x day, days-of-cover warnings
and the bounded forecasting job's progress.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _to_store(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["store_id"], ["store.id"], name=op.f(f"fk_{table}_store_id_store")
    )


def upgrade() -> None:
    op.create_table(
        "weather_reading",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("temp_max_c", sa.Numeric(4, 1), nullable=False),
        sa.Column("precipitation_mm", sa.Numeric(6, 1), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        _created("loaded_at"),
        sa.CheckConstraint(
            "temp_max_c BETWEEN -70 AND 60", name=op.f("ck_weather_reading_plausible_temperature")
        ),
        sa.CheckConstraint(
            "precipitation_mm BETWEEN 0 AND 2000",
            name=op.f("ck_weather_reading_plausible_precipitation"),
        ),
        sa.CheckConstraint(
            "source IN ('RECORDED', 'HISTORY')", name=op.f("ck_weather_reading_known_source")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_weather_reading_region_id_region")
        ),
        _to_store("weather_reading"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weather_reading")),
    )
    op.create_index(
        "uq_weather_reading_region_day",
        "weather_reading",
        ["region_id", "day"],
        unique=True,
        postgresql_where=sa.text("store_id IS NULL"),
    )
    op.create_index(
        "uq_weather_reading_store_day",
        "weather_reading",
        ["store_id", "day"],
        unique=True,
        postgresql_where=sa.text("store_id IS NOT NULL"),
    )
    op.create_table(
        "demand_forecast",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("units", sa.Float(), nullable=False),
        sa.Column("weather_factor", sa.Float(), nullable=False),
        _created("computed_at"),
        sa.CheckConstraint("units >= 0", name=op.f("ck_demand_forecast_units_not_negative")),
        _to_store("demand_forecast"),
        sa.PrimaryKeyConstraint("store_id", "product_id", "day", name=op.f("pk_demand_forecast")),
    )
    op.create_table(
        "cover_warning",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("in_transit", sa.Integer(), nullable=False),
        sa.Column("daily_demand", sa.Float(), nullable=False),
        sa.Column("days_of_cover", sa.Float(), nullable=False),
        sa.Column("needed_days", sa.Integer(), nullable=False),
        sa.Column("suggested_quantity", sa.Integer(), nullable=False),
        sa.Column("target_units", sa.Integer(), nullable=False),
        sa.Column("hot_days", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        _created("computed_at"),
        sa.CheckConstraint(
            "suggested_quantity >= 0", name=op.f("ck_cover_warning_quantity_not_negative")
        ),
        _to_store("cover_warning"),
        sa.PrimaryKeyConstraint("store_id", "product_id", name=op.f("pk_cover_warning")),
    )
    op.create_index("ix_cover_warning_product_id", "cover_warning", ["product_id"])
    op.create_table(
        "forecast_progress",
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("last_store_id", sa.Integer(), nullable=False),
        sa.Column("last_product_id", sa.BigInteger(), nullable=False),
        sa.Column("passes", sa.Integer(), nullable=False),
        _created("updated_at"),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_forecast_progress")),
    )


def downgrade() -> None:
    op.drop_table("forecast_progress")
    op.drop_index("ix_cover_warning_product_id", table_name="cover_warning")
    op.drop_table("cover_warning")
    op.drop_table("demand_forecast")
    op.drop_index("uq_weather_reading_store_day", table_name="weather_reading")
    op.drop_index("uq_weather_reading_region_day", table_name="weather_reading")
    op.drop_table("weather_reading")
