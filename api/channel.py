"""Where a write came from: the clerk app (APP), a till (POS) or anything else (API).

A request's channel is the client of the trusted document it runs (`operations/clerk/` is the
app, `operations/pos/` the tills); a request sending its own query text is API. The channel
columns (member, complaint, stock_movement, survey_answer; shift.handover_channel by trigger)
default to the transaction's `chainstore.channel` setting (migration 0016), so the write paths
need not pass it: the session sets it once per transaction when the channel is not API, and an
API request costs no statement at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

APP, POS, API = "APP", "POS", "API"
CLIENT_CHANNELS = {"clerk": APP, "pos": POS}
_INFO_KEY = "chainstore.channel"
_SET = text("SELECT set_config('chainstore.channel', :channel, true)")


def channel_of_client(client: str | None) -> str:
    """The channel of a trusted document's client (None: no trusted document)."""
    return CLIENT_CHANNELS.get(client or "", API)


async def use_channel(session: AsyncSession, channel: str) -> None:
    """Record writes of `session` as made through `channel`, from now on: the transaction
    already open gets the setting now, later ones when they begin."""
    if channel == API:
        return
    session.sync_session.info[_INFO_KEY] = channel
    if session.in_transaction():
        await session.execute(_SET, {"channel": channel})


@event.listens_for(Session, "after_begin")
def _set_channel(session: Session, transaction: SessionTransaction, connection: Any) -> None:
    channel = session.info.get(_INFO_KEY)
    if channel is not None:
        connection.execute(_SET, {"channel": channel})
