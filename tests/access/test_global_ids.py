"""The one global id format: what Node.id answers, what arguments take, and what they refuse."""

from __future__ import annotations

import base64
import uuid

import pytest
from strawberry.relay import GlobalID

from api.domain import global_ids
from api.domain.errors import InvalidInput


@pytest.mark.parametrize("key", [1, 42, 10**17, str(uuid.UUID(int=7))])
def test_encode_is_the_format_node_ids_have(key: int | str) -> None:
    encoded = global_ids.encode("Shift", key)
    assert encoded == str(GlobalID(type_name="Shift", node_id=str(key)))
    decoded = global_ids.decode(encoded, argument="id")
    assert (decoded.type_name, decoded.key) == ("Shift", str(key))


def test_member_ids_keep_their_earlier_form() -> None:
    # Member ids were urlsafe base64 of "Member:<id>" with padding; clients may hold them.
    earlier = base64.urlsafe_b64encode(b"Member:12345").decode()
    assert global_ids.encode("Member", 12345) == earlier
    assert global_ids.expect(earlier, "Member", argument="memberId") == 12345
    assert global_ids.expect(earlier.rstrip("="), "Member", argument="memberId") == 12345


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12",
        "Shift:1",  # not encoded
        "U2hpZnQ6MQ==!",  # a character outside the alphabet
        base64.b64encode(b"Shift").decode(),  # no key
        base64.b64encode(b":1").decode(),  # no type
        base64.b64encode(b"Shift:").decode(),
        base64.b64encode(b"\xff\xfe:1").decode(),  # not text
        global_ids.encode("Shift", 0),
        global_ids.encode("Shift", -1),
        global_ids.encode("Shift", "1e3"),
        global_ids.encode("Shift", 10**18),  # beyond a bigint
        global_ids.encode("Shift", "²"),  # a digit to str.isdigit, not to int()
        global_ids.encode("Shift", "١٢"),  # Arabic-Indic digits
        global_ids.encode("Shift", 10**19),  # 20 digits
    ],
)
def test_malformed_ids_are_bad_input_naming_the_argument(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        global_ids.expect(value, "Shift", argument="shiftId")
    assert refused.value.details["argument"] == "shiftId"
    assert refused.value.message.startswith("shiftId: ")


def test_an_id_of_another_type_is_bad_input() -> None:
    with pytest.raises(InvalidInput) as refused:
        global_ids.expect(global_ids.encode("Complaint", 3), "Shift", argument="shiftId")
    assert refused.value.details == {"argument": "shiftId", "expectedType": "Shift"}
    assert "got the id of a Complaint" in refused.value.message


def test_photo_ids_are_listed_when_refused() -> None:
    photo = uuid.uuid4()
    good = global_ids.encode("Photo", photo)
    assert global_ids.expect_photos([good, good]) == [photo]
    with pytest.raises(InvalidInput) as refused:
        global_ids.expect_photos([good, str(photo), global_ids.encode("Shift", 1)])
    assert refused.value.details["invalid"] == [str(photo), global_ids.encode("Shift", 1)]
