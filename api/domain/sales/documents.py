"""What a till sends and what recording a sale answers (api/domain/sales/record.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from api.domain.errors import DomainError


@dataclass(frozen=True)
class SaleLineInput:
    sku: str
    quantity: int
    unit_price_cents: int
    discount_cents: int = 0
    promotion_id: int | None = None  # the promotion claimed (checked: promotions/claims.py)


@dataclass(frozen=True)
class NewSale:
    store_code: str
    receipt_no: str
    sold_at: datetime
    lines: list[SaleLineInput]
    member_code: str | None = None
    points_redeemed: int = 0
    coupon_ids: tuple[int, ...] = ()  # the member's coupons, redeemed with the sale


@dataclass(frozen=True)
class RecordedLine:
    line_no: int
    sku: str
    quantity: int
    unit_price_cents: int
    discount_cents: int
    line_total_cents: int
    returned_quantity: int = 0
    promotion_id: int | None = None


@dataclass(frozen=True)
class StockAfterSale:
    sku: str
    on_hand: int

    @property
    def discrepancy(self) -> bool:
        return self.on_hand < 0


@dataclass(frozen=True)
class RecordedSale:
    id: int
    store_id: int
    receipt_no: str
    sold_at: datetime
    points_redeemed: int
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    lines: list[RecordedLine]
    member_id: int | None = None  # the member served, when a member code was scanned
    replayed: bool = False  # True when this receipt had already been recorded
    stock: list[StockAfterSale] = field(default_factory=list)  # empty on a replay


@dataclass(frozen=True)
class SaleOutcome:
    """One receipt of a batch: the sale, or the error that refused it (and wrote nothing)."""

    receipt_no: str
    sale: RecordedSale | None
    error: DomainError | None
