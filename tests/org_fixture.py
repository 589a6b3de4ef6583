"""A small chain for tests: two regions, three stores, a few products, one account per role.

Every account's password is PASSWORD. Rows are inserted directly (one argon2 hash, shared) so
building the template stays fast; sign-in itself is tested through the API.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.passwords import hash_password
from db.models import Product, Region, Role, Staff, StaffStatus, Store, StoreType

PASSWORD = "correct-horse-42"

HOURS = {
    day: [["07:00", "23:00"]]
    for day in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
}


async def build_org(session: AsyncSession) -> None:
    east = Region(code="EAST", name="华东")
    west = Region(code="WEST", name="西部")
    session.add_all([east, west])
    await session.flush()
    stores = {
        "E1": Store(
            code="E1",
            name="上海南京西路店",
            region_id=east.id,
            type=StoreType.BUSINESS_DISTRICT,
            city="上海",
            address="南京西路 1 号",
            latitude=Decimal("31.229"),
            longitude=Decimal("121.455"),
            time_zone="Asia/Shanghai",
            opening_hours=HOURS,
        ),
        "E2": Store(
            code="E2",
            name="上海复旦店",
            region_id=east.id,
            type=StoreType.SCHOOL,
            city="上海",
            address="邯郸路 220 号",
            latitude=Decimal("31.297"),
            longitude=Decimal("121.503"),
            time_zone="Asia/Shanghai",
            opening_hours=HOURS,
        ),
        "W1": Store(
            code="W1",
            name="乌鲁木齐友好路店",
            region_id=west.id,
            type=StoreType.COMMUNITY,
            city="乌鲁木齐",
            address="友好北路 8 号",
            latitude=Decimal("43.825"),
            longitude=Decimal("87.600"),
            time_zone="Asia/Urumqi",
            opening_hours=HOURS,
        ),
    }
    session.add_all(stores.values())
    session.add_all(
        [
            Product(
                sku="SKU-CORE-1",
                barcode="6900000000011",
                name="农夫山泉 550ml",
                category="BEVERAGES",
                unit="瓶",
                price_cents=200,
                region_id=None,
                seasonal=False,
                shelf_life_days=365,
            ),
            Product(
                sku="SKU-EAST-1",
                barcode="6900000000028",
                name="杏花楼 青团",
                category="BAKERY",
                unit="盒",
                price_cents=2800,
                region_id=east.id,
                seasonal=True,
                shelf_life_days=3,
            ),
            Product(
                sku="SKU-CORE-2",
                barcode="6900000000035",
                name="得力 中性笔",
                category="STATIONERY",
                unit="支",
                price_cents=150,
                region_id=None,
                seasonal=False,
                shelf_life_days=None,
            ),
        ]
    )
    await session.flush()
    password_hash = hash_password(PASSWORD)

    def staff(
        username: str, role: Role, store: str | None = None, region: Region | None = None
    ) -> Staff:
        return Staff(
            username=username,
            display_name=username,
            role=role,
            store_id=stores[store].id if store else None,
            region_id=region.id if region else None,
            status=StaffStatus.ACTIVE,
            password_hash=password_hash,
        )

    session.add_all(
        [
            staff("admin", Role.ADMIN),
            staff("ops", Role.HQ_OPERATIONS),
            staff("compliance", Role.HQ_COMPLIANCE),
            staff("rm.east", Role.REGION_MANAGER, region=east),
            staff("handler.east", Role.COMPLAINT_HANDLER, region=east),
            staff("sm.e1", Role.STORE_MANAGER, "E1"),
            staff("clerk.e1", Role.CLERK, "E1"),
            staff("clerk.e2", Role.CLERK, "E2"),
            staff("sm.w1", Role.STORE_MANAGER, "W1"),
            staff("clerk.w1", Role.CLERK, "W1"),
        ]
    )
    await session.flush()
