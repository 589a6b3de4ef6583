"""A telephony provider for tests, plugged in through the settings like a real one
(`telephony_adapter="tests.help.fake_telephony:build"`): it keeps what it was asked to dial."""

from __future__ import annotations

from api.domain.telephony import BridgeCall, BridgePlaced
from db.models import CallStatus

PLACED: list[BridgeCall] = []


class FakeBridge:
    provider = "fake-bridge"
    failing = False  # set by a test: the provider is down

    async def connect(self, call: BridgeCall) -> BridgePlaced:
        if FakeBridge.failing:
            raise ConnectionError("bridge provider unreachable")
        PLACED.append(call)
        return BridgePlaced(status=CallStatus.CONNECTING, provider_call_id=f"fake-{call.call_id}")


def build() -> FakeBridge:
    return FakeBridge()
