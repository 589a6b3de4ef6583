"""The masked phone number managers see: at most the last third of its national digits."""

from __future__ import annotations

import phonenumbers
import pytest

from api.domain.members.phones import mask_phone


def test_masking() -> None:
    assert mask_phone("+8613975318642") == "********642"
    assert mask_phone("+442079460958") == "+44 *******958"


@pytest.mark.parametrize(
    "e164",
    ["+8613975318642", "+442079460958", "+6834002", "+29022158", "+85291234567", "+6591234567"],
)
def test_a_mask_never_shows_more_than_a_third_of_the_national_digits(e164: str) -> None:
    national = phonenumbers.national_significant_number(phonenumbers.parse(e164, None))
    masked = mask_phone(e164).rsplit(" ", 1)[-1]
    shown = [c for c in masked if c.isdigit()]
    assert len(masked) == len(national)
    assert len(shown) <= len(national) // 3
    if len(national) < 7:  # short numbers (+683 4002 masked to itself before) show none
        assert shown == []
