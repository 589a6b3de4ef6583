"""Sales from the till, returns at any store, and sales reports (core and regional SKUs apart)."""

from api.domain.sales.documents import NewSale, RecordedSale, SaleLineInput, SaleOutcome
from api.domain.sales.receipts import ReceiptLine, ReturnableReceipt, receipt_for_return
from api.domain.sales.record import MAX_BATCH, record_sale, record_sales
from api.domain.sales.returns import (
    NewReturn,
    RecordedReturn,
    RecordedReturnLine,
    ReturnLineInput,
    record_return,
)
from api.domain.sales.summary import SalesSummary, sales_summary

__all__ = [
    "MAX_BATCH",
    "NewReturn",
    "NewSale",
    "ReceiptLine",
    "RecordedReturn",
    "RecordedReturnLine",
    "RecordedSale",
    "ReturnLineInput",
    "ReturnableReceipt",
    "SaleLineInput",
    "SaleOutcome",
    "SalesSummary",
    "receipt_for_return",
    "record_return",
    "record_sale",
    "record_sales",
    "sales_summary",
]
