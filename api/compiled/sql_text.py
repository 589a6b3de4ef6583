"""SQL expressions that print values exactly as the interpreter serialises them.

Each returns SQL text over a column expression. The statement's JSON is parsed and re-encoded
by orjson (api/compiled/executor.py), so only the values must match, not PostgreSQL's layout.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def psycopg_params(sql: str) -> str:
    """SQLAlchemy's `:name` placeholders as psycopg's `%(name)s` (casts written with CAST)."""
    return _PLACEHOLDER.sub(r"%(\1)s", sql)


def iso_datetime(column: str) -> str:
    """`datetime.isoformat()` of a timestamptz in the session's zone: microseconds only when
    not zero, the offset as +HH:MM."""
    return (
        f"(CASE WHEN {column} IS NULL THEN NULL ELSE"
        f" to_char({column}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN mod(extract(microseconds FROM {column})::bigint, 1000000) = 0 THEN ''"
        f" ELSE to_char({column}, '.US') END || to_char({column}, 'TZH:TZM') END)"
    )


def iso_date(column: str) -> str:
    return f"to_char({column}, 'YYYY-MM-DD')"


def base64_text(text_sql: str) -> str:
    """Standard base64 of the UTF-8 of a text expression, without PostgreSQL's line breaks."""
    return f"translate(encode(convert_to({text_sql}, 'UTF8'), 'base64'), E'\\n', '')"


def global_id(type_name: str, key_sql: str) -> str:
    """api/domain/global_ids.encode: base64 of `<Type>:<key>`."""
    if not type_name.isidentifier():
        raise ValueError(type_name)
    return base64_text(f"'{type_name}:' || ({key_sql})::text")


def keyset_cursor(kind: str, key_sql: str) -> str:
    """api/domain/pagination.encode_cursor for a one-text-column key: urlsafe base64 of
    `["<kind>","<key>"]` without padding. Only for printable ASCII keys (json.dumps escapes
    the rest as \\uXXXX, PostgreSQL does not): see `ascii_key`."""
    if not kind.isidentifier():
        raise ValueError(kind)
    raw = f"'[\"{kind}\",' || to_json(({key_sql})::text)::text || ']'"
    return f"rtrim(translate(encode(convert_to({raw}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')"


def ascii_key(key_sql: str) -> str:
    """True when a key prints the same through json.dumps and PostgreSQL's to_json."""
    return f"(({key_sql}) ~ '^[ -~]*$')"


def json_literal(text: str) -> str:
    """A constant JSON value (built at compile time) as a SQL literal."""
    return "'" + text.replace("'", "''") + "'::json"


def python_float(column: str) -> str:
    """A float8 as Python prints it: integral values keep `.0` (PostgreSQL's json says `1`,
    Python's `1.0`); others are the shortest exact repr in both."""
    return (
        f"(CASE WHEN ({column}) IS NULL THEN NULL"
        f" WHEN ({column}) = trunc({column}) AND abs({column}) < 1e15"
        f" THEN ((({column})::float8)::text || '.0')::json"
        f" ELSE to_json(({column})::float8) END)"
    )


def python_round3(numerator: str, denominator: str) -> str:
    """Python's `round(n / d, 3)` for integers (half to even): ties at the fourth decimal
    are exact rationals, which the float division keeps exactly, so only they need care."""
    twice = f"(({numerator})::bigint * 2000)"
    floor = f"(({numerator})::bigint * 1000 / ({denominator}))"
    return (
        f"(CASE WHEN mod({twice}, ({denominator})) = 0 AND mod({twice} / ({denominator}), 2) = 1"
        f" THEN ({floor} + mod({floor}, 2))::numeric / 1000"
        f" ELSE round(({numerator})::numeric / ({denominator}), 3) END)"
    )
