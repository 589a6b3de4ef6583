"""Phone numbers as typed at a till: normalised to E.164, masked for managers, sealed at rest.

The plain number lives only in memory between the request and `seal_phone`; nothing here puts
it in an exception message, and callers must not log it.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from api.domain.errors import InvalidInput
from db.pii import Ciphertext, KeyRing

DEFAULT_REGION = "CN"  # numbers without a country code are Chinese (+86)
MAX_TYPED_LENGTH = 32


def _parse(typed: str, **where: str) -> phonenumbers.PhoneNumber:
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


def mask_phone(e164: str) -> str:
    """`139****5678` for a Chinese mobile; other numbers keep their country code, the first
    three and the last four national digits, or fewer when the number is short."""
    parsed = phonenumbers.parse(e164, None)
    national = phonenumbers.national_significant_number(parsed)
    keep_head, keep_tail = (3, 4) if len(national) >= 10 else (2, 2)
    masked = national[:keep_head] + "*" * (len(national) - keep_head - keep_tail)
    masked += national[-keep_tail:]
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
