"""Member codes: the static card number printed on plastic cards, and rotating signed QR codes.

- Card number: 16 digits, `88` + 13 random digits + a Luhn check digit, so a mistyped or
  misread number is refused before any look-up.
- QR code: `CSM1.` + an itsdangerous URL-safe timed token over the member id, signed with a
  key derived from the PII key ring (salt per purpose), valid for `ttl_seconds` (60 by
  default, like a payment code). An expired, future-dated or forged code is refused.
"""

from __future__ import annotations

import base64
import random
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import segno
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from api.domain.error_reasons import ErrorReason
from api.domain.errors import InvalidInput
from db.pii import KeyRing, KeyRingError

CARD_PREFIX = "88"
CARD_LENGTH = 16
QR_PREFIX = "CSM1."
QR_SALT = "chainstore.member-code.v1"
DEFAULT_TTL_SECONDS = 60
MAX_CODE_LENGTH = 200


def luhn_check_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: the rightmost digit of the payload, then every other
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def new_card_number(rng: random.Random | None = None) -> str:
    """A fresh card number; `rng` makes it deterministic (the demo seed), else it is random."""
    body_length = CARD_LENGTH - len(CARD_PREFIX) - 1
    if rng is None:
        body = "".join(secrets.choice("0123456789") for _ in range(body_length))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(body_length))
    payload = CARD_PREFIX + body
    return payload + luhn_check_digit(payload)


@dataclass(frozen=True)
class ParsedCode:
    """What a scanned code names: a card number or a member id from a valid QR code."""

    card_number: str | None = None
    member_id: int | None = None


def _serializer(ring: KeyRing, issued_at: float | None = None) -> URLSafeTimedSerializer:
    if issued_at is None:
        return URLSafeTimedSerializer(ring.signing_keys(), salt=QR_SALT)
    fixed = int(issued_at)

    class FixedClockSigner(TimestampSigner):  # tests and the demo sign "in the past"
        def get_timestamp(self) -> int:
            return fixed

    return URLSafeTimedSerializer(ring.signing_keys(), salt=QR_SALT, signer=FixedClockSigner)


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime


def issue_qr_code(
    ring: KeyRing,
    member_id: int,
    *,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    issued_at: float | None = None,
) -> IssuedCode:
    signed = _serializer(ring, issued_at).dumps(member_id)
    when = time.time() if issued_at is None else issued_at
    return IssuedCode(
        code=QR_PREFIX + str(signed),
        expires_at=datetime.fromtimestamp(int(when) + ttl_seconds, UTC),
    )


def parse_code(
    ring: KeyRing | None, code: str, *, ttl_seconds: int = DEFAULT_TTL_SECONDS
) -> ParsedCode:
    """A card number (spaces and dashes ignored) or a QR code; InvalidInput otherwise.
    Without a key ring (None) a QR code cannot be checked: that is the caller's fault."""
    code = code.strip()
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(
            "code: too long to be a member code.",
            argument="code",
            reason=ErrorReason.MEMBER_CODE_MALFORMED,
        )
    if code.startswith(QR_PREFIX):
        if ring is None:
            raise KeyRingError("No PII key ring was handed down to check a member QR code.")
        try:
            member_id = _serializer(ring).loads(code[len(QR_PREFIX) :], max_age=ttl_seconds)
        except SignatureExpired:
            raise InvalidInput(
                "code: this member code has expired; ask the member to refresh it.",
                argument="code",
                reason=ErrorReason.MEMBER_CODE_EXPIRED,
            ) from None
        except BadSignature:
            raise InvalidInput(
                "code: not a valid member code.",
                argument="code",
                reason=ErrorReason.MEMBER_CODE_INVALID,
            ) from None
        if not isinstance(member_id, int) or isinstance(member_id, bool):
            raise InvalidInput(
                "code: not a valid member code.",
                argument="code",
                reason=ErrorReason.MEMBER_CODE_INVALID,
            )
        return ParsedCode(member_id=member_id)
    digits = code.replace(" ", "").replace("-", "")
    if len(digits) != CARD_LENGTH or not digits.startswith(CARD_PREFIX):
        raise InvalidInput(
            "code: expected a 16-digit card number or a member QR code.",
            argument="code",
            reason=ErrorReason.MEMBER_CODE_MALFORMED,
        )
    if not luhn_valid(digits):
        raise InvalidInput(
            "code: the card number's check digit is wrong; scan or type it again.",
            argument="code",
            reason=ErrorReason.CHECK_DIGIT,
        )
    return ParsedCode(card_number=digits)


def render_svg(code: str, *, scale: int = 4) -> str:
    """The code as an SVG QR symbol (segno), for the demo and the clerk app's tests."""
    svg: str = segno.make_qr(code, error="m").svg_inline(scale=scale)
    return svg


def render_png(code: str, *, scale: int = 4) -> bytes:
    import io

    out = io.BytesIO()
    segno.make_qr(code, error="m").save(out, kind="png", scale=scale)
    return out.getvalue()


def png_data_url(code: str, *, scale: int = 4) -> str:
    return "data:image/png;base64," + base64.b64encode(render_png(code, scale=scale)).decode()
