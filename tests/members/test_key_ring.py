"""The PII key ring is built once from the settings at start-up and handed down: a bad key
configuration stops the app before it serves, and no rule falls back to the environment."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.app import create_app
from api.config import Settings
from api.domain import members
from api.domain.errors import NotFound
from api.domain.members import codes
from db.pii import KeyRingError, new_key_spec, parse_key_ring


def test_a_bad_key_configuration_stops_start_up() -> None:
    with pytest.raises(KeyRingError, match="index"):
        create_app(Settings(pii_keys=f"k1:{'A' * 43}"))  # no blind-index key


async def test_rules_read_no_keys_from_the_environment(
    org_session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment names a ring that would verify the code; the rule must not look there.
    spec = new_key_spec()
    monkeypatch.setenv("CHAINSTORE_PII_KEYS", spec)
    qr = codes.issue_qr_code(parse_key_ring(spec), 1).code
    with pytest.raises(KeyRingError, match="handed down"):
        await members.resolve_member_code(org_session, qr, ring=None)
    # The ring handed down is the one used: a code it signed reads, a card number needs none.
    with pytest.raises(NotFound, match="No member has this code"):
        await members.resolve_member_code(org_session, qr, ring=parse_key_ring(spec))
    with pytest.raises(NotFound, match="No member has this code"):
        await members.resolve_member_code(org_session, codes.new_card_number(), ring=None)
