"""Transfers of stock between stores: REQUESTED -> APPROVED -> SHIPPED -> RECEIVED, or
CANCELLED before shipping. `changes` holds the state changes, `queries` the reads, `lines` the
SKU lines and in-transit balances shared with replenishment and markdowns."""

from api.domain.transfers.changes import (
    LineChange,
    NewTransfer,
    approve_transfer,
    cancel_transfer,
    receive_transfer,
    request_transfer,
    ship_transfer,
)
from api.domain.transfers.lines import LineInput
from api.domain.transfers.queries import (
    TransferFilter,
    TransferLineView,
    TransferView,
    get_transfer,
    list_transfers,
    transfer_view,
)

__all__ = [
    "LineChange",
    "LineInput",
    "NewTransfer",
    "TransferFilter",
    "TransferLineView",
    "TransferView",
    "approve_transfer",
    "cancel_transfer",
    "get_transfer",
    "list_transfers",
    "receive_transfer",
    "request_transfer",
    "ship_transfer",
    "transfer_view",
]
