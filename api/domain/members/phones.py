"""Phone numbers as typed at a till: normalised to E.164, masked for managers, sealed at rest.

The plain number lives only in memory between the request and `seal_phone`; nothing here puts
it in an exception message, and callers must not log it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import phonenumbers

from api.domain.errors import InvalidInput
from db.pii import Ciphertext, KeyRing

DEFAULT_REGION = "CN"  # numbers without a country code are Chinese (+86)
MAX_TYPED_LENGTH = 32


def _parse(typed: str, **where: Any) -> phonenumbers.PhoneNumber:  # argument= or field=
    if not typed or len(typed) > MAX_TYPED_LENGTH:
        raise InvalidInput("phone: expected a phone number.", **where)
    try:
        return phonenumbers.parse(typed, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidInput("phone: not a phone number.", **where) from None


def normalise_phone(typed: str) -> str:
    """The E.164 form of a number typed with spaces, dashes, brackets or a country code.

    Raises InvalidInput (whose message never repeats the input) for anything that is not a
    valid, assignable number.
    """
    parsed = _parse(typed, field="phone")
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput("phone: not a valid phone number.", field="phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def lookup_form(typed: str) -> str:
    """The E.164 form a look-up searches for: parsed and formatted exactly like enrolment.

    Only what is not a phone number at all (empty, too long, no digits to parse) is refused,
    with InvalidInput naming the `phone` argument. A number enrolment would refuse as invalid
    (wrong length, unassigned range) is still formatted and searched for: it matches nobody,
    so it gets the same NOT_FOUND as any unknown number, and a member enrolled under older
    number-range metadata is still found after a library update.
    """
    parsed = _parse(typed, argument="phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# A masked number shows at most a third of its national digits, the last ones (what a caller
# is asked to confirm: "ending in 642"), and none of a number shorter than this: `+683 4002`
# would otherwise be recognisable from its mask.
MASK_MIN_DIGITS_SHOWN = 7


def mask_phone(e164: str) -> str:
    """`********642` for a Chinese mobile: the last third of the national digits at most, none
    for short numbers; other countries keep their code (`+44 *******958`)."""
    parsed = phonenumbers.parse(e164, None)
    national = phonenumbers.national_significant_number(parsed)
    shown = len(national) // 3 if len(national) >= MASK_MIN_DIGITS_SHOWN else 0
    masked = "*" * (len(national) - shown) + national[len(national) - shown :]
    if parsed.country_code == 86:
        return masked
    return f"+{parsed.country_code} {masked}"


@dataclass(frozen=True)
class SealedPhone:
    ciphertext: Ciphertext
    blind_index: bytes


def _associated_data(blind_index: bytes) -> bytes:
    # Binds a ciphertext to its row's blind index: a ciphertext copied to another member fails.
    return b"member.phone\x00" + blind_index


def seal_phone(ring: KeyRing, e164: str) -> SealedPhone:
    index = ring.blind_index(e164)
    return SealedPhone(ring.encrypt(e164, associated_data=_associated_data(index)), index)


def open_phone(ring: KeyRing, *, key_id: str, blob: bytes, blind_index: bytes) -> str:
    return ring.decrypt(Ciphertext(key_id, blob), associated_data=_associated_data(blind_index))
