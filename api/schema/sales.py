"""GraphQL types for sales, returns and the sales summary."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.domain import sales
from api.domain.access import Permission
from api.domain.errors import DomainError
from api.schema.members import Member, open_member
from api.schema.organisation import Store
from api.schema.permissions import requires
from api.schema.promotions import Promotion, promotion_by_id
from api.schema.shared_renders import per_caller


@strawberry.input
class SaleLineInput:
    sku: str
    quantity: int = strawberry.field(description="Units sold, at least 1.")
    unit_price_cents: int = strawberry.field(description="The shelf price charged, in cents.")
    discount_cents: int = strawberry.field(
        default=0, description="Discount on the whole line; at most quantity x unitPriceCents."
    )
    promotion_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The promotion the till applied: it must be the one priceBasket gives the "
        "line, and discountCents its discount (BAD_USER_INPUT naming the line otherwise).",
    )


@strawberry.input
class RecordSaleInput:
    store_code: str
    receipt_no: str = strawberry.field(
        description="The till's receipt number: unique per store, the sale's idempotency key."
    )
    sold_at: datetime = strawberry.field(
        description="When the till closed the receipt, with its offset; not in the future."
    )
    lines: list[SaleLineInput]
    member_code: str | None = strawberry.field(
        default=None,
        description="The member's card number or rotating QR code: points are earned on what "
        "was paid. A malformed, expired or forged code refuses the sale (BAD_USER_INPUT).",
    )
    points_redeemed: int = strawberry.field(
        default=0,
        description="Points taken as money off (100 points = 1 yuan); needs memberCode. "
        "CONFLICT, and nothing written, when the balance is short.",
    )
    coupon_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="The member's coupons used, as priceBasket priced them (every line's "
        "discountCents then as priced): redeemed with the sale, once; CONFLICT "
        "(COUPON_UNAVAILABLE) when another sale took one first.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Optional for recordSale (the receipt number already is one); recordSales "
        "refuses it (each receipt there is idempotent by its number).",
    )


@strawberry.type
class SaleLine:
    line_no: int
    sku: str
    quantity: int
    unit_price_cents: int
    discount_cents: int
    line_total_cents: int = strawberry.field(description="What was paid for the line.")
    returned_quantity: int
    promotion_id: strawberry.Private[int | None] = None

    @strawberry.field(description="The promotion that gave the line its discount, if any.")
    async def promotion(self, info: Info) -> Promotion | None:
        return await promotion_by_id(info, self.promotion_id)


@strawberry.type(description="A till receipt.")
class Sale(relay.Node):
    id: relay.NodeID[int]
    receipt_no: str
    sold_at: datetime
    subtotal_cents: int = strawberry.field(description="Sum of quantity x unit price.")
    discount_cents: int
    total_cents: int = strawberry.field(description="What was paid.")
    points_redeemed: int
    lines: list[SaleLine]
    store_id: strawberry.Private[int]
    member_id: strawberry.Private[int | None]

    @classmethod
    def from_domain(cls, sale: sales.RecordedSale) -> Sale:
        return cls(
            id=sale.id,
            receipt_no=sale.receipt_no,
            sold_at=sale.sold_at,
            subtotal_cents=sale.subtotal_cents,
            discount_cents=sale.discount_cents,
            total_cents=sale.total_cents,
            points_redeemed=sale.points_redeemed,
            lines=[SaleLine(**vars(line)) for line in sale.lines],
            store_id=sale.store_id,
            member_id=sale.member_id,
        )

    @strawberry.field
    async def store(self, info: Info) -> Store:
        return Store.from_model(await info.context.loaders.store.load(self.store_id))

    @strawberry.field(
        extensions=[requires(Permission.VIEW_MEMBERS)],
        description="The member served, if a member code was scanned; opening it counts toward "
        "your hourly ceiling like any member look-up, and the phone rules hold here too.",
        metadata=per_caller("counts toward the caller's member look-up ceiling"),
    )
    async def member(self, info: Info) -> Member | None:
        if self.member_id is None:
            return None
        return await open_member(info, self.member_id)


@strawberry.type(description="A balance a sale changed.")
class StockAfterSale:
    sku: str
    on_hand: int
    discrepancy: bool = strawberry.field(description="True when the balance went below zero.")


@strawberry.type
class RecordSalePayload:
    sale: Sale
    replayed: bool = strawberry.field(
        description="True when this receipt was already recorded: nothing changed."
    )
    stock: list[StockAfterSale] = strawberry.field(
        description="The balances after this sale (empty on a replay)."
    )

    @classmethod
    def from_domain(cls, sale: sales.RecordedSale) -> RecordSalePayload:
        return cls(
            sale=Sale.from_domain(sale),
            replayed=sale.replayed,
            stock=[
                StockAfterSale(sku=s.sku, on_hand=s.on_hand, discrepancy=s.discrepancy)
                for s in sale.stock
            ],
        )


@strawberry.type(description="Why one receipt of a batch was refused (it wrote nothing).")
class RecordSaleError:
    code: str = strawberry.field(description="As extensions.code: BAD_USER_INPUT, CONFLICT ...")
    message: str
    problems: list[str]


@strawberry.type(description="One receipt of a batch: its sale, or why it was refused.")
class RecordSaleResult:
    receipt_no: str
    sale: Sale | None
    replayed: bool
    stock: list[StockAfterSale]
    error: RecordSaleError | None

    @classmethod
    def from_domain(cls, outcome: sales.SaleOutcome) -> RecordSaleResult:
        if outcome.sale is None:
            assert outcome.error is not None
            return cls(
                receipt_no=outcome.receipt_no,
                sale=None,
                replayed=False,
                stock=[],
                error=_error(outcome.error),
            )
        payload = RecordSalePayload.from_domain(outcome.sale)
        return cls(
            receipt_no=outcome.receipt_no,
            sale=payload.sale,
            replayed=payload.replayed,
            stock=payload.stock,
            error=None,
        )


def _error(exc: DomainError) -> RecordSaleError:
    problems = exc.details.get("problems")
    return RecordSaleError(
        code=exc.code,
        message=exc.message,
        problems=[str(p) for p in problems] if isinstance(problems, list) else [],
    )


@strawberry.type
class RecordSalesPayload:
    results: list[RecordSaleResult] = strawberry.field(description="One per input, in order.")


@strawberry.input
class ReturnLineInput:
    sku: str
    quantity: int
    resaleable: bool = strawberry.field(
        default=True,
        description="False for damaged goods: taken back (RETURN) and written off (WRITE_OFF).",
    )


@strawberry.input
class RecordReturnInput:
    store_code: str = strawberry.field(description="Where the goods are brought back.")
    original_store_code: str = strawberry.field(description="Where they were bought.")
    receipt_no: str
    lines: list[ReturnLineInput]
    idempotency_key: str | None = None


@strawberry.type
class ReturnLine:
    line_no: int
    sku: str
    quantity: int
    refund_cents: int
    resaleable: bool


@strawberry.type(description="Goods brought back against a receipt from any store.")
class SaleReturn(relay.Node):
    id: relay.NodeID[int]
    receipt_no: str
    refund_cents: int = strawberry.field(description="The price paid, pro rata, in cents.")
    points_reversed: int = strawberry.field(
        description="Points earned on the sale taken back in proportion to the refund."
    )
    lines: list[ReturnLine]
    store_id: strawberry.Private[int]
    original_store_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, r: sales.RecordedReturn) -> SaleReturn:
        return cls(
            id=r.id,
            receipt_no=r.receipt_no,
            refund_cents=r.refund_cents,
            points_reversed=r.points_reversed,
            lines=[ReturnLine(**vars(line)) for line in r.lines],
            store_id=r.store_id,
            original_store_id=r.original_store_id,
        )

    @strawberry.field
    async def store(self, info: Info) -> Store:
        return Store.from_model(await info.context.loaders.store.load(self.store_id))

    @strawberry.field
    async def original_store(self, info: Info) -> Store:
        return Store.from_model(await info.context.loaders.store.load(self.original_store_id))


@strawberry.type
class RecordReturnPayload:
    sale_return: SaleReturn


@strawberry.type(description="A store's sales over a period, core and regional SKUs apart.")
class SalesSummary:
    store_code: str
    start: datetime = strawberry.field(name="from")
    end: datetime = strawberry.field(name="to")
    receipts: int
    total_cents: int
    core_cents: int = strawberry.field(description="From core SKUs (sold in every region).")
    regional_cents: int = strawberry.field(description="From the region's own SKUs.")
    core_units: int
    regional_units: int


@strawberry.type(description="One line of a receipt, with what is left to return.")
class ReceiptLine:
    line_no: int
    sku: str
    name: str
    quantity: int = strawberry.field(description="Units bought.")
    returnable: int = strawberry.field(description="Units bought minus units already returned.")
    line_total_cents: int = strawberry.field(description="What the line paid, in cents.")


@strawberry.type(description="A receipt read back for a return (its lines only).")
class ReturnableReceipt:
    store_code: str = strawberry.field(description="Where it was bought.")
    receipt_no: str
    sold_at: datetime
    returnable_until: datetime = strawberry.field(description="The end of the return window.")
    lines: list[ReceiptLine]

    @classmethod
    def from_domain(cls, r: sales.ReturnableReceipt) -> ReturnableReceipt:
        lines = [ReceiptLine(**vars(line)) for line in r.lines]
        return cls(**{**vars(r), "lines": lines})
