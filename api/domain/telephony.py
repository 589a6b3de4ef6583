"""The masked-number bridge: what connects a staff member's phone to a customer's without
either number reaching the other side or the caller's screen.

A provider (a telecom's "privacy number" service, a SIP trunk) implements TelephonyAdapter.
It is given our call id (its de-duplication key), the staff member by username (it rings the
phone or extension registered for them in its own directory, so Chainstore stores no staff
numbers) and the customer's number, which exists only in memory for the length of the call
to `connect`. The default, RecordingTelephony, dials nothing: the call is recorded in
`customer_call` (and its reveal in the PII access log) and no gateway is called.

The settings name the adapter (`telephony_adapter`, api/config.py): `recording`, or
`module:factory`, a callable returning a TelephonyAdapter, imported once at start-up.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from db.models import CallStatus

DEFAULT_ADAPTER = "recording"


@dataclass(frozen=True)
class BridgeCall:
    """One call to connect. `customer_phone` (E.164) is never printed: see __repr__."""

    call_id: int
    staff_username: str
    store_code: str  # the complaint's store, for a provider's caller-id choice
    customer_phone: str = field(repr=False)


@dataclass(frozen=True)
class BridgePlaced:
    status: CallStatus  # CONNECTING (ringing both sides) or RECORDED (nothing dialled)
    provider_call_id: str | None = None  # the provider's id of the bridge, never a number


@runtime_checkable
class TelephonyAdapter(Protocol):
    """Connects the two legs; raises when it cannot (the call is then recorded FAILED)."""

    provider: str  # at most 32 characters, stored with each call

    async def connect(self, call: BridgeCall) -> BridgePlaced: ...


class RecordingTelephony:
    """The default: records the call and dials nothing."""

    provider = "recording"

    async def connect(self, call: BridgeCall) -> BridgePlaced:
        return BridgePlaced(status=CallStatus.RECORDED, provider_call_id=f"rec-{call.call_id}")


def load_adapter(spec: str) -> TelephonyAdapter:
    """The adapter `spec` names; ValueError (stopping start-up) for one that is not."""
    if spec.strip() == DEFAULT_ADAPTER:
        return RecordingTelephony()
    module_name, _, attribute = spec.strip().partition(":")
    if not module_name or not attribute:
        raise ValueError(f"telephony adapter {spec!r} is neither 'recording' nor 'module:factory'")
    factory = getattr(importlib.import_module(module_name), attribute)
    adapter = factory()
    if not isinstance(adapter, TelephonyAdapter) or not 1 <= len(adapter.provider) <= 32:
        raise ValueError(
            f"telephony adapter {spec!r} made no TelephonyAdapter (a `provider` "
            "name of 1-32 characters and `async connect(call)`)"
        )
    return adapter
