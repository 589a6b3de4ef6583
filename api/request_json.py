"""Reading a request's JSON (HTTP body, GET `variables`/`extensions`, socket messages) so that
anything a client can send gets a 400 that says what is wrong, never a 500: bytes that are not
UTF-8, JSON nested deeper than the parser's recursion limit (about a thousand levels; no
GraphQL request needs a hundred), and a body that is not an object.

The standard library's parser stays: it reads lone surrogates (`"\\ud800"`) that orjson
refuses, so those reach the input check that names the argument (api/input_text.py).
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException

NOT_UTF8 = "The request is not UTF-8 text."
NOT_JSON = "Unable to parse request body as JSON"
TOO_DEEP = "The request's JSON is nested too deep."
NOT_AN_OBJECT = 'The request body must be a JSON object, like {"query": "{ me { id } }"}.'


class NestedTooDeep(json.JSONDecodeError):
    """A JSON decode error, so socket handlers treat it as one (closed with 4400)."""


def decode(data: str | bytes) -> object:
    """The JSON value of `data`; a socket message too deep raises NestedTooDeep."""
    try:
        return json.loads(data)
    except RecursionError:
        text = data if isinstance(data, str) else ""
        raise NestedTooDeep(TOO_DEEP, text, 0) from None


def parse_value(data: str | bytes) -> object:
    """Any JSON value (GET `variables`, `extensions`), or a 400 saying why not."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPException(400, NOT_UTF8) from None
    try:
        return decode(data)
    except NestedTooDeep:
        raise HTTPException(400, TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        raise HTTPException(400, NOT_JSON) from exc


def parse_body(data: str | bytes) -> dict[str, Any] | list[Any]:
    """A request body: an object (a list is a batch, which the view refuses with its own 400)."""
    parsed = parse_value(data)
    if not isinstance(parsed, dict | list):
        raise HTTPException(400, NOT_AN_OBJECT)
    return parsed
