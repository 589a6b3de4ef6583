"""Queries and mutations over regions, stores and products."""

from __future__ import annotations

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from api.domain import organisation
from api.domain.access import Permission
from api.schema.organisation import (
    OpeningPeriodInput,
    Product,
    ProductFilter,
    Region,
    SetStoreOpeningHoursPayload,
    Store,
    StoreFilter,
)
from api.schema.permissions import requires
from api.schema.relay import Connection, connection

VIEW: list[FieldExtension] = [requires(Permission.VIEW_ORGANISATION)]


@strawberry.type
class OrganisationQuery:
    @strawberry.field(extensions=VIEW, description="Every region, by code.")
    async def regions(self, info: Info) -> list[Region]:
        regions = await organisation.list_regions(info.context.session, info.context.actor)
        return [Region.from_model(r) for r in regions]

    @strawberry.field(extensions=VIEW, description="The store directory, by code.")
    async def stores(
        self,
        info: Info,
        filter: StoreFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Store]:
        f = filter or StoreFilter()
        page = await organisation.list_stores(
            await info.context.read_session(),
            info.context.actor,
            filter=organisation.StoreFilter(
                region_code=f.region_code, type=f.type, city=f.city, search=f.search
            ),
            first=first,
            after=after,
        )
        return connection(page, Store.from_model)

    @strawberry.field(extensions=VIEW, description="A store by code (else NOT_FOUND).")
    async def store(self, info: Info, code: str) -> Store | None:
        # Nullable so that @requires can hide it; an unknown code is NOT_FOUND.
        found = await organisation.get_store(info.context.session, info.context.actor, code)
        return Store.from_model(found)

    @strawberry.field(extensions=VIEW, description="The catalogue, by SKU.")
    async def products(
        self,
        info: Info,
        filter: ProductFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Product]:
        f = filter or ProductFilter()
        page = await organisation.list_products(
            info.context.session,
            info.context.actor,
            filter=organisation.ProductFilter(
                category=f.category,
                core=f.core,
                sold_in_region=f.sold_in_region,
                seasonal=f.seasonal,
                search=f.search,
            ),
            first=first,
            after=after,
        )
        return connection(page, Product.from_model)

    @strawberry.field(extensions=VIEW, description="A product by SKU (else NOT_FOUND).")
    async def product(self, info: Info, sku: str) -> Product | None:
        # Nullable so that @requires can hide it; an unknown SKU is NOT_FOUND.
        found = await organisation.get_product(info.context.session, info.context.actor, sku)
        return Product.from_model(found)


@strawberry.type
class OrganisationMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.MANAGE_STORE_SETTINGS)],
        description="Replace a store's weekly opening hours (store-local times).",
    )
    async def set_store_opening_hours(
        self, info: Info, store_code: str, opening_hours: list[OpeningPeriodInput]
    ) -> SetStoreOpeningHoursPayload:
        store = await organisation.set_opening_hours(
            info.context.session,
            info.context.actor,
            store_code=store_code,
            periods=[
                organisation.OpeningPeriod(day=p.day, opens=p.opens, closes=p.closes)
                for p in opening_hours
            ],
        )
        return SetStoreOpeningHoursPayload(store=Store.from_model(store))
