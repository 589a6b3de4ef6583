"""Demand forecasting: weather readings (recorded forecasts and the history's observations),
daily demand forecasts per store x SKU, days-of-cover warnings and the forecasting job's place.

Forecasts and warnings are derived data the worker rewrites (api/domain/forecasting/job.py), so
like the analytics rollups only the store carries a foreign key and `store_id` leads the key.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at_column


class WeatherReading(Base):
    """One day's weather for a region or a single store: a recorded forecast loaded with
    `chainstore weather load PATH` (source RECORDED) or the demo history's observation
    (source HISTORY). A store's own row wins over its region's for that store."""

    __tablename__ = "weather_reading"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"))
    day: Mapped[date] = mapped_column(Date)
    temp_max_c: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    precipitation_mm: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    source: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("temp_max_c BETWEEN -70 AND 60", name="plausible_temperature"),
        CheckConstraint("precipitation_mm BETWEEN 0 AND 2000", name="plausible_precipitation"),
        CheckConstraint("source IN ('RECORDED', 'HISTORY')", name="known_source"),
        Index(
            "uq_weather_reading_region_day",
            "region_id",
            "day",
            unique=True,
            postgresql_where=text("store_id IS NULL"),
        ),
        Index(
            "uq_weather_reading_store_day",
            "store_id",
            "day",
            unique=True,
            postgresql_where=text("store_id IS NOT NULL"),
        ),
    )


class DemandForecast(Base):
    """Forecast units sold per store, SKU and store-local day over the horizon."""

    __tablename__ = "demand_forecast"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    units: Mapped[float] = mapped_column(Float)
    # The multiplier the weather forecast added for that day (1.0: none), for the warnings.
    weather_factor: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = created_at_column()

    __table_args__ = (CheckConstraint("units >= 0", name="units_not_negative"),)


class CoverWarning(Base):
    """A store's SKU whose stock covers fewer days than its lead time plus safety days."""

    __tablename__ = "cover_warning"

    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer)
    in_transit: Mapped[int] = mapped_column(Integer)
    daily_demand: Mapped[float] = mapped_column(Float)  # the horizon's mean forecast a day
    days_of_cover: Mapped[float] = mapped_column(Float)
    needed_days: Mapped[int] = mapped_column(Integer)  # lead time + safety days
    # Units that bring cover back to the needed days plus the horizon: what a draft orders.
    suggested_quantity: Mapped[int] = mapped_column(Integer)
    # The stock that covers them (before on hand and in transit): drafts order up to this.
    target_units: Mapped[int] = mapped_column(Integer)
    hot_days: Mapped[int] = mapped_column(Integer)  # horizon days with a weather uplift
    first_day: Mapped[date] = mapped_column(Date)  # the horizon's first day
    computed_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("suggested_quantity >= 0", name="quantity_not_negative"),
        Index("ix_cover_warning_product_id", "product_id"),
    )


class ForecastProgress(Base):
    """Where the bounded forecasting job stopped: the next run resumes after this series."""

    __tablename__ = "forecast_progress"

    job: Mapped[str] = mapped_column(Text, primary_key=True)
    last_store_id: Mapped[int] = mapped_column(Integer)
    last_product_id: Mapped[int] = mapped_column(BigInteger)
    passes: Mapped[int] = mapped_column(Integer)  # full passes over every series completed
    updated_at: Mapped[datetime] = created_at_column()
