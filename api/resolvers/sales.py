"""Sales from the till, returns, and the sales summary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.domain import global_ids, sales
from api.domain.access import Permission
from api.domain.errors import InvalidInput
from api.domain.sales.record import load_sale
from api.resolvers.idempotent import once_with_result
from api.schema.members import key_ring
from api.schema.permissions import requires
from api.schema.sales import (
    RecordReturnInput,
    RecordReturnPayload,
    RecordSaleInput,
    RecordSalePayload,
    RecordSaleResult,
    RecordSalesPayload,
    ReturnableReceipt,
    SaleReturn,
    SalesSummary,
)


def _new_sale(input: RecordSaleInput) -> sales.NewSale:
    return sales.NewSale(
        store_code=input.store_code,
        receipt_no=input.receipt_no,
        sold_at=input.sold_at,
        lines=[
            sales.SaleLineInput(
                sku=x.sku,
                quantity=x.quantity,
                unit_price_cents=x.unit_price_cents,
                discount_cents=x.discount_cents,
                promotion_id=global_ids.expect(
                    x.promotion_id, "Promotion", argument="lines.promotionId"
                )
                if x.promotion_id is not None
                else None,
            )
            for x in input.lines
        ],
        member_code=input.member_code,
        points_redeemed=input.points_redeemed,
        coupon_ids=tuple(
            global_ids.expect(c, "MemberCoupon", argument="couponIds") for c in input.coupon_ids
        ),
    )


@strawberry.type
class SalesQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_SALES)],
        description="Sales with soldAt in [from, to) at a store in your scope, core and "
        "regional SKUs apart (returns are not netted off).",
    )
    async def sales_summary(
        self,
        info: Info,
        store_code: str,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
    ) -> SalesSummary:
        summary = await sales.sales_summary(
            info.context.session, info.context.actor, store_code=store_code, start=from_, end=to
        )
        return SalesSummary(**vars(summary))

    @strawberry.field(
        extensions=[requires(Permission.RECORD_SALES)],
        description="A receipt to take goods back against, at a store in your scope: its lines "
        "and what is left to return. originalStoreCode: where it was bought (default storeCode).",
    )
    async def receipt_for_return(
        self,
        info: Info,
        store_code: str,
        receipt_no: str,
        original_store_code: str | None = None,
    ) -> ReturnableReceipt:
        found = await sales.receipt_for_return(
            info.context.session,
            info.context.actor,
            store_code=store_code,
            original_store_code=original_store_code,
            receipt_no=receipt_no,
            window_days=info.context.settings.return_window_days,
        )
        return ReturnableReceipt.from_domain(found)


def member_codes(info: Info) -> dict[str, Any]:
    """How this process reads member codes: its key ring and the codes' lifetime."""
    return {
        "ring": key_ring(info),
        "code_ttl_seconds": info.context.settings.member_code_ttl_seconds,
    }


@strawberry.type
class SalesMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.RECORD_SALES)],
        description="Record a till receipt. Idempotent by (store, receiptNo): a replay returns "
        "the first sale and changes nothing; a replay with other content is CONFLICT. Never "
        "refused for lack of recorded stock (the balance may go negative: `discrepancy`). "
        "input.idempotencyKey is optional (the receipt number already is one).",
    )
    async def record_sale(self, info: Info, input: RecordSaleInput) -> RecordSalePayload:
        context = info.context
        new = _new_sale(input)
        now = datetime.now(UTC)
        if input.idempotency_key is None:  # the hot path: no idempotency record
            sale = await sales.record_sale(
                context.session, context.actor, new, now=now, **member_codes(info)
            )
            return RecordSalePayload.from_domain(sale)
        actor = context.require_actor()
        recorded: list[sales.RecordedSale] = []

        async def perform() -> dict[str, Any]:
            sale = await sales.record_sale(
                context.session, actor, new, now=now, **member_codes(info)
            )
            recorded.append(sale)
            return {"storeId": sale.store_id, "receiptNo": sale.receipt_no}

        result = await once_with_result(context, "recordSale", input, perform)
        if recorded:
            return RecordSalePayload.from_domain(recorded[0])
        again = await load_sale(context.session, result["storeId"], result["receiptNo"])
        assert again is not None
        return RecordSalePayload.from_domain(again)

    @strawberry.mutation(
        extensions=[requires(Permission.RECORD_SALES)],
        description="Record up to 500 receipts; each succeeds or fails alone, with a result per "
        "receipt in input order (mind the 256 KiB body limit for large baskets).",
    )
    async def record_sales(self, info: Info, inputs: list[RecordSaleInput]) -> RecordSalesPayload:
        if any(i.idempotency_key is not None for i in inputs):
            raise InvalidInput(
                "inputs: leave idempotencyKey out; each receipt of a batch is idempotent by "
                "its receipt number.",
                argument="inputs",
            )
        outcomes = await sales.record_sales(
            info.context.session,
            info.context.actor,
            [_new_sale(i) for i in inputs],
            now=datetime.now(UTC),
            **member_codes(info),
        )
        return RecordSalesPayload(results=[RecordSaleResult.from_domain(o) for o in outcomes])

    @strawberry.mutation(
        extensions=[requires(Permission.RECORD_SALES)],
        description="Take goods back at a store in your scope against a receipt from any store, "
        "within the return window (CHAINSTORE_RETURN_WINDOW_DAYS).",
    )
    async def record_return(self, info: Info, input: RecordReturnInput) -> RecordReturnPayload:
        context = info.context
        actor = context.require_actor()
        new = sales.NewReturn(
            store_code=input.store_code,
            original_store_code=input.original_store_code,
            receipt_no=input.receipt_no,
            lines=[
                sales.ReturnLineInput(sku=x.sku, quantity=x.quantity, resaleable=x.resaleable)
                for x in input.lines
            ],
        )

        async def perform() -> dict[str, Any]:
            taken = await sales.record_return(
                context.session,
                actor,
                new,
                now=datetime.now(UTC),
                window_days=context.settings.return_window_days,
            )
            return {"saleReturn": _as_json(taken)}

        result = await once_with_result(context, "recordReturn", input, perform)
        return RecordReturnPayload(sale_return=_from_json(result["saleReturn"]))


def _as_json(r: sales.RecordedReturn) -> dict[str, Any]:
    """The stored result of a return (a replay answers with it)."""
    return {**vars(r), "lines": [vars(line) for line in r.lines]}


def _from_json(data: dict[str, Any]) -> SaleReturn:
    lines = [sales.RecordedReturnLine(**line) for line in data["lines"]]
    return SaleReturn.from_domain(sales.RecordedReturn(**{**data, "lines": lines}))
