"""Member rules without a database: phone numbers typed any way, key rings, card numbers and
the rotating QR codes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from api.domain.errors import ErrorReason, InvalidInput
from api.domain.members import codes
from api.domain.members.phones import normalise_phone, open_phone, seal_phone
from db.pii import KeyRingError, new_key_spec, parse_key_ring

RING = parse_key_ring(new_key_spec())


@pytest.mark.parametrize(
    "typed",
    [
        "13975318642",
        "139 7531 8642",
        "139-7531-8642",
        "+86 139 7531 8642",
        "+86-139-7531-8642",
        "0086 13975318642",
        "(139) 7531-8642",
        " +8613975318642 ",
    ],
)
def test_typed_formats_map_to_one_number(typed: str) -> None:
    assert normalise_phone(typed) == "+8613975318642"


@pytest.mark.parametrize(
    "typed", ["", "12345", "call me", "1397531864", "+86 000 0000 0000", "1" * 40, "+999 1"]
)
def test_bad_numbers_are_refused_without_echo(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise_phone(typed)
    assert typed.strip() not in refused.value.message or not typed.strip()


def test_key_ring_rotation_keeps_the_blind_index() -> None:
    spec = new_key_spec("k1")
    old = parse_key_ring(spec)
    index_entry, k1_entry = spec.split(",")
    rotated = parse_key_ring(f"{index_entry},k2:{'A' * 43},{k1_entry}")
    sealed = seal_phone(old, "+8613975318642")
    assert rotated.active_id == "k2"
    assert rotated.blind_index("+8613975318642") == sealed.blind_index
    assert open_phone(
        rotated, key_id="k1", blob=sealed.ciphertext.blob, blind_index=sealed.blind_index
    ) == ("+8613975318642")
    resealed = seal_phone(rotated, "+8613975318642")
    assert resealed.ciphertext.key_id == "k2"
    with pytest.raises(KeyRingError):  # a ciphertext moved to another row fails
        open_phone(old, key_id="k1", blob=sealed.ciphertext.blob, blind_index=b"x" * 32)
    assert "13975318642" not in repr(old) and "A" * 43 not in repr(rotated)


@pytest.mark.parametrize(
    "spec",
    ["", "k1:" + "A" * 43, "index:" + "A" * 43, "index:short,k1:" + "A" * 43, "bad entry"],
)
def test_bad_key_configuration_is_refused(spec: str) -> None:
    with pytest.raises(KeyRingError):
        parse_key_ring(spec)


def test_card_numbers_carry_a_check_digit() -> None:
    number = codes.new_card_number()
    assert len(number) == 16 and number.startswith("88") and codes.luhn_valid(number)
    assert codes.parse_code(RING, number).card_number == number
    spaced = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    assert codes.parse_code(RING, spaced).card_number == number
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(InvalidInput) as refused:
        codes.parse_code(RING, wrong)
    assert refused.value.reason is ErrorReason.CHECK_DIGIT


@pytest.mark.parametrize("code", ["", "12345", "x" * 300, "CSM1.", "CSM1.garbage", "99" * 8])
def test_malformed_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput):
        codes.parse_code(RING, code)


def test_qr_codes_expire_and_forgeries_are_refused() -> None:
    fresh = codes.issue_qr_code(RING, 7)
    assert codes.parse_code(RING, fresh.code).member_id == 7
    assert fresh.expires_at - datetime.now(UTC) <= timedelta(seconds=61)
    expired = codes.issue_qr_code(RING, 7, issued_at=time.time() - 61)
    future = codes.issue_qr_code(RING, 7, issued_at=time.time() + 120)
    for code in (expired.code, future.code):
        with pytest.raises(InvalidInput) as refused:
            codes.parse_code(RING, code)
        assert refused.value.reason is ErrorReason.MEMBER_CODE_EXPIRED
    other_ring = parse_key_ring(new_key_spec())
    forged = codes.issue_qr_code(other_ring, 7).code
    payload, _, signature = fresh.code.rpartition(".")
    tampered = fresh.code.replace(fresh.code.split(".")[1], "OA", 1)  # member id 8
    for code in (forged, tampered, payload + "." + signature[::-1]):
        with pytest.raises(InvalidInput) as refused:
            codes.parse_code(RING, code)
        assert refused.value.reason is ErrorReason.MEMBER_CODE_INVALID, code


def test_codes_render_as_svg_and_png() -> None:
    code = codes.issue_qr_code(RING, 1).code
    assert codes.render_svg(code).startswith("<svg")
    assert codes.render_png(code).startswith(b"\x89PNG")


# --- with a database -------------------------------------------------------------------------
