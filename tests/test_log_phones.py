"""No phone number reaches the server log, written any way: every demo member's number and
numbers enrolled here, each in every format (separators `/ * - .`, spaces, non-breaking and
zero-width ones, full-width digits), sent through the app's error paths (variables that do not
coerce, enrolments refused by the rules, a number already enrolled, numbers in operation
names, aliases and request ids), then searched for in every captured log line, normalised."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from api.demo.members import demo_member_specs
from api.log_redaction import LogSafe, install_log_redaction
from api.request_id import RequestIdLogFilter
from tests.conftest import Api

ENROL = """mutation Enrol($input: EnrollMemberInput!) {
  enrollMember(input: $input) { member { id } }
}"""
ENROLLED = ["+8613555667788", "+8615811112222", "+8618600001111"]  # enrolled by the test
DEMO = [str(spec["phone"]) for spec in demo_member_specs()]
# Full-width digits and plus (U+FF10..U+FF19, U+FF0B), as Chinese input methods type them.
_FULL_WIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)}, "+": "\uff0b"})


def _every(separator: str) -> Callable[[str], str]:
    return lambda n: separator.join(n)


def _grouped(separator: str) -> Callable[[str], str]:
    return lambda n: separator.join([n[:3], n[3:7], n[7:]])


# How a national number (11 digits) may be written; the country code is added by some.
FORMATS: dict[str, Callable[[str], str]] = {
    "e164": lambda n: "+86" + n,
    "national": lambda n: n,
    "spaced": lambda n: "+86 " + _grouped(" ")(n),
    "dashed": lambda n: "0086-" + _grouped("-")(n),
    "slashed": _grouped("/"),
    "starred": _grouped("*"),
    "dotted": _grouped("."),
    "bracketed": lambda n: f"(+86) {n[:3]}-{n[3:7]}-{n[7:]}",
    "nbsp": lambda n: "+86\u00a0" + _grouped("\u00a0")(n),
    "digit by digit": _every(" "),
    "zwsp": _every("\u200b"),
    "zwnj": _every("\u200c"),
    "zwj": _every("\u200d"),
    "bom": _every("\ufeff"),
    "zero-width runs": _grouped("\u200b" * 6),
    "full-width": lambda n: ("+86" + n).translate(_FULL_WIDTH),
    "full-width spaced": lambda n: ("+86 " + _grouped("\u3000")(n)).translate(_FULL_WIDTH),
}


def national(phone: str) -> str:
    return phone.removeprefix("+86")


class _Capture(logging.Handler):
    """Every server record: its message, traceback and request id (the client's own loggers,
    httpx's, are not the server's)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(RequestIdLogFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("httpx", "httpcore")):
            return
        text = " ".join(
            [record.getMessage(), record.exc_text or "", record.stack_info or ""]
        )  # what a formatter writes, without the time
        self.lines.append(f"[{record.__dict__['request_id']}] {text}")


@pytest.fixture
def captured() -> Iterator[_Capture]:
    handler = _Capture()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


_MINTED = re.compile(r"\b[0-9a-f]{32}\b")  # minted request ids: random hex, digits by chance
# Numbers a JSON log line's own fields carry (the time, the process, the request's figures):
# never input, and side by side their digits read as one run ("...23.310+00:00","pid":26829
# holds 00000268, the tail of +8619900000268).
_OWN_FIELDS = re.compile(r'"(ts|pid|duration_ms|sql_statements|status|caller)":("[^"]*"|[0-9.]+)')


def leaked_numbers(lines: list[str], phones: list[str]) -> dict[str, str]:
    """Each number (by its last eight digits, enough to identify it) found in a line, with
    the line; the line normalised (full-width digits, any separator)."""
    tails = {national(p)[-8:]: p for p in phones}
    found: dict[str, str] = {}
    for line in lines:
        searched = _OWN_FIELDS.sub("", _MINTED.sub("", line))
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", searched))
        for tail, phone in tails.items():
            if tail in digits:
                found.setdefault(phone, line)
    return found


def test_the_search_finds_a_number_in_every_format() -> None:
    """The check below is not blind: every format is found before redaction, none after."""
    phone = DEMO[7]
    written = [f"got {fmt(national(phone))}" for fmt in FORMATS.values()]
    assert len(leaked_numbers(written, [phone])) == 1
    assert all(leaked_numbers([line], [phone]) for line in written)
    install_log_redaction()
    record = logging.getLogger("chainstore.test").makeRecord(
        "chainstore.test", logging.INFO, __file__, 1, "%s|%s", ("|".join(written), "x"), None
    )
    assert leaked_numbers([record.getMessage()], [phone]) == {}


def test_only_known_safe_arguments_are_kept_whole(captured: _Capture) -> None:
    install_log_redaction()
    log = logging.getLogger("chainstore.test")
    log.info("client %s staff %s said %s", LogSafe("10.0.0.12:40000"), 4, "135 5566 7788")
    try:
        raise ValueError("no member has phone " + "13555667788".translate(_FULL_WIDTH))
    except ValueError:
        log.exception("failed %s", "+86\u00a0135\u00a05566\u00a07788")
    assert captured.lines[0].startswith("[-] client 10.0.0.12:40000 staff 4 said *** ")
    assert leaked_numbers(captured.lines, ["+8613555667788"]) == {}
    assert "ValueError: no member has phone ***" in captured.lines[1]


async def post(api: Api, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = await api.client.post("/graphql", json=body, headers=headers)
    assert response.status_code in (200, 400), response.text
    answer: dict[str, Any] = response.json()
    assert answer.get("errors"), answer
    return answer


def aliased_enrolments(count: int) -> str:
    variables = ", ".join(f"$i{k}: EnrollMemberInput!" for k in range(count))
    fields = " ".join(
        f"p{k}: enrollMember(input: $i{k}) {{ member {{ id }} }}" for k in range(count)
    )
    return f"mutation EnrolMany({variables}) {{ {fields} }}"


def chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def test_no_number_in_any_format_reaches_the_log(api: Api, captured: _Capture) -> None:
    token = await api.token_for("clerk.e1")
    clerk = {"authorization": f"Bearer {token}"}
    for phone in ENROLLED:
        enrolled = {"phone": phone, "displayName": "王芳", "marketingConsent": False}
        answer = await api.data(ENROL, {"input": enrolled}, token=token)
        assert answer["enrollMember"]["member"]["id"]
    everyone = DEMO + ENROLLED
    for name, fmt in FORMATS.items():
        written = [fmt(national(p)) for p in everyone]
        # Variables that do not coerce (a list for a string): graphql-core quotes them all.
        bad = {"phone": written, "displayName": "x", "marketingConsent": True}
        await post(api, {"query": ENROL, "variables": {"input": bad}}, **clerk)
        # Refused by the rules (no name), 30 to a request (the alias limit).
        for group in chunks(written, 30):
            variables = {
                f"i{k}": {"phone": p, "displayName": " ", "marketingConsent": True}
                for k, p in enumerate(group)
            }
            await post(api, {"query": aliased_enrolments(len(group)), "variables": variables})
            await post(
                api, {"query": aliased_enrolments(len(group)), "variables": variables}, **clerk
            )
        # Already enrolled: CONFLICT.
        again = {
            f"i{k}": {"phone": fmt(national(p)), "displayName": "王芳", "marketingConsent": True}
            for k, p in enumerate(ENROLLED)
        }
        answer = await post(
            api, {"query": aliased_enrolments(len(ENROLLED)), "variables": again}, **clerk
        )
        codes = {e["extensions"]["code"] for e in answer["errors"]}
        assert codes <= {"CONFLICT", "BAD_USER_INPUT"}, (name, answer["errors"])
    # The digits as names (operation names, aliases) and as request ids a client chose.
    for phone in everyone:
        digits = national(phone)
        named = (
            f"mutation Enrol{digits} {{ a{digits}: enrollMember(input: 1) {{ member {{ id }} }} }}"
        )
        for request_id in (digits, f"req-{digits[:3]}-{digits[3:7]}-{digits[7:]}"):
            await post(api, {"query": named}, **{"x-request-id": request_id})
        await post(
            api,
            {"query": ENROL, "variables": {"input": {"phone": phone}}, "operationName": "Enrol"},
            **{"x-request-id": f"{digits[:3]}.{digits[3:7]}.{digits[7:]}"},
        )
    assert len(captured.lines) > len(FORMATS) * 20  # the error paths did log
    leaked = leaked_numbers(captured.lines, everyone)
    assert leaked == {}, list(leaked.items())[:3]
