"""GraphQL types for demand forecasts and days-of-cover warnings."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.domain.forecasting import queries
from api.schema.organisation import Product, Store


@strawberry.type(
    description="A store's SKU whose stock covers fewer days than the supplier's lead time plus "
    "safety days, against the demand forecast (weather and promotions included)."
)
class CoverWarning:
    store: Store
    product: Product
    on_hand: int
    in_transit: int
    daily_demand: float = strawberry.field(description="The horizon's mean forecast units a day.")
    days_of_cover: float = strawberry.field(
        description="Days the stock on hand lasts, walking the forecast day by day."
    )
    needed_days: int = strawberry.field(description="Lead time plus safety days.")
    suggested_quantity: int = strawberry.field(
        description="Units that bring stock up to the needed days plus an order cycle, less "
        "on hand and in transit; replenishment drafts order at least this."
    )
    hot_days: int = strawberry.field(
        description="Horizon days whose weather forecast raises demand."
    )
    first_day: date = strawberry.field(description="The forecast horizon's first day.")
    computed_at: datetime

    @classmethod
    def from_row(cls, row: queries.WarningRow) -> CoverWarning:
        w = row.warning
        return cls(
            store=Store.from_model(row.store),
            product=Product.from_model(row.product),
            on_hand=w.on_hand,
            in_transit=w.in_transit,
            daily_demand=round(w.daily_demand, 3),
            days_of_cover=round(w.days_of_cover, 2),  # finite: a warning is below needed_days
            needed_days=w.needed_days,
            suggested_quantity=w.suggested_quantity,
            hot_days=w.hot_days,
            first_day=w.first_day,
            computed_at=w.computed_at,
        )


@strawberry.type(description="One day of a SKU's demand forecast at a store or a district.")
class ForecastDay:
    day: date
    units: float
    weather_factor: float = strawberry.field(
        description="The multiplier the weather forecast applied (1: none)."
    )

    @classmethod
    def from_domain(cls, d: queries.ForecastDay) -> ForecastDay:
        return cls(day=d.day, units=round(d.units, 3), weather_factor=round(d.weather_factor, 4))
