"""GraphQL types for regions, stores and products."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain import organisation
from api.domain.access import Permission
from api.schema.enums import StoreTypeEnum
from api.schema.permissions import requires
from api.schema.relay import Connection, connection
from db import models

if TYPE_CHECKING:
    from api.schema.staff import Staff


@strawberry.type(description="One span of opening hours on a weekday, in the store's time zone.")
class OpeningPeriod:
    day: str = strawberry.field(description="MONDAY ... SUNDAY.")
    opens: str = strawberry.field(description="HH:MM, store-local.")
    closes: str = strawberry.field(description="HH:MM, store-local; 24:00 for midnight.")


@strawberry.input
class OpeningPeriodInput:
    day: str
    opens: str
    closes: str


# Regions, stores and products are Nodes keyed by their natural key (code, SKU): the global
# id is base64("Store:E1"), and the key stays a field and the argument of their look-ups.
@strawberry.type(description="A group of stores run by one region manager.")
class Region(relay.Node):
    id: relay.NodeID[str]
    code: str
    name: str
    id_: strawberry.Private[int]

    @classmethod
    def from_model(cls, region: models.Region) -> Region:
        return cls(id=region.code, code=region.code, name=region.name, id_=region.id)

    @strawberry.field(description="The region's stores, by code.")
    async def stores(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Store]:
        page = await organisation.stores_in_region(
            info.context.session, self.id_, first=first, after=after
        )
        return connection(page, Store.from_model)


@strawberry.type(description="A shop of the chain.")
class Store(relay.Node):
    id: relay.NodeID[str]
    code: str
    name: str
    type: StoreTypeEnum  # type: ignore[valid-type]
    city: str
    address: str
    latitude: float
    longitude: float
    time_zone: str = strawberry.field(description="IANA zone, e.g. Asia/Shanghai.")
    opening_hours: list[OpeningPeriod]
    id_: strawberry.Private[int]
    region_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, store: models.Store) -> Store:
        return cls(
            id=store.code,
            code=store.code,
            name=store.name,
            type=store.type,
            city=store.city,
            address=store.address,
            latitude=float(store.latitude),
            longitude=float(store.longitude),
            time_zone=store.time_zone,
            opening_hours=[
                OpeningPeriod(day=p.day, opens=p.opens, closes=p.closes)
                for p in organisation.opening_periods(store.opening_hours)
            ],
            id_=store.id,
            region_id=store.region_id,
        )

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return Region.from_model(await info.context.loaders.region.load(self.region_id))

    @strawberry.field(
        description="Staff whose home is this store.",
        extensions=[requires(Permission.VIEW_STAFF)],
    )
    async def staff(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Staff, strawberry.lazy("api.schema.staff")]] | None:
        from api.schema.staff import staff_connection  # imports this module

        return await staff_connection(info, store_code=self.code, first=first, after=after)


@strawberry.type(description="A SKU in the chain's catalogue.")
class Product(relay.Node):
    id: relay.NodeID[str]
    sku: str
    barcode: str
    name: str
    category: str
    unit: str
    price_cents: int = strawberry.field(description="List price in cents (CNY fen).")
    core: bool = strawberry.field(description="True for SKUs sold in every region.")
    seasonal: bool
    shelf_life_days: int | None
    region_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, product: models.Product) -> Product:
        return cls(
            id=product.sku,
            sku=product.sku,
            barcode=product.barcode,
            name=product.name,
            category=product.category,
            unit=product.unit,
            price_cents=product.price_cents,
            core=product.core,
            seasonal=product.seasonal,
            shelf_life_days=product.shelf_life_days,
            region_id=product.region_id,
        )

    @strawberry.field(description="The one region a regional SKU is sold in; null for core.")
    async def region(self, info: Info) -> Region | None:
        if self.region_id is None:
            return None
        return Region.from_model(await info.context.loaders.region.load(self.region_id))


@strawberry.input
class StoreFilter:
    region_code: str | None = None
    type: StoreTypeEnum | None = None  # type: ignore[valid-type]
    city: str | None = None
    search: str | None = strawberry.field(default=None, description="Code or name contains.")


@strawberry.input
class ProductFilter:
    category: str | None = None
    core: bool | None = None
    sold_in_region: str | None = strawberry.field(
        default=None, description="Region code: core SKUs plus that region's own."
    )
    seasonal: bool | None = None
    search: str | None = strawberry.field(
        default=None,
        description='Name, SKU or pinyin initials ("blg": 板蓝根) contain, or the exact barcode.',
    )


@strawberry.type
class SetStoreOpeningHoursPayload:
    store: Store
