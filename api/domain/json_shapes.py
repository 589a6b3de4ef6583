"""Frozen dataclasses stored as JSON objects (event payloads): written with `to_json`, read
back, checked against the annotations, with `from_json`."""

from __future__ import annotations

import enum
import types
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar, Literal, Self, Union, get_args, get_origin, get_type_hints


class MalformedPayload(ValueError):
    """A stored payload does not have its kind's shape."""


KeyStyle = Literal["camel", "snake"]


@dataclass(frozen=True, kw_only=True)
class JsonShape:
    """A frozen dataclass stored as a JSON object. Keys are the field names in camelCase, or
    as written (`keys="snake"`); a field's `metadata={"json": ...}` names its key outright.
    The mixed styles are those of the first rows written, kept so stored rows still parse."""

    json_keys: ClassVar[KeyStyle] = "camel"

    def __init_subclass__(cls, *, keys: KeyStyle | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if keys is not None:
            cls.json_keys = keys

    @classmethod
    def _key(cls, name: str, metadata: Mapping[str, Any]) -> str:
        if "json" in metadata:
            return str(metadata["json"])
        if cls.json_keys == "snake":
            return name
        head, *rest = name.split("_")
        return head + "".join(part.capitalize() for part in rest)

    def to_json(self) -> dict[str, Any]:
        return {self._key(f.name, f.metadata): _encode(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_json(cls, data: object) -> Self:
        """The payload of a stored object; keys it does not know are ignored (a newer release
        may add some), a missing key or a value of the wrong type is MalformedPayload."""
        if not isinstance(data, Mapping):
            raise MalformedPayload(f"{cls.__name__}: expected an object, got {data!r:.80}")
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = cls._key(f.name, f.metadata)
            if key not in data:
                raise MalformedPayload(f"{cls.__name__}: {key} is missing")
            values[f.name] = _decode(hints[f.name], data[key], f"{cls.__name__}.{key}")
        return cls(**values)


def _encode(value: object) -> object:
    if isinstance(value, JsonShape):
        return value.to_json()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def _decode(hint: Any, value: object, where: str) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(hint) if a is not type(None)]
        if value is None and len(options) < len(get_args(hint)):
            return None
        (hint,) = options
        origin = get_origin(hint)
    if origin is tuple:
        if not isinstance(value, list):
            raise MalformedPayload(f"{where}: expected a list, got {value!r:.80}")
        return tuple(_decode(get_args(hint)[0], v, f"{where}[]") for v in value)
    if isinstance(hint, type) and issubclass(hint, JsonShape):
        return hint.from_json(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            raise MalformedPayload(f"{where}: {value!r:.80} is no {hint.__name__}") from None
    if hint is datetime:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        raise MalformedPayload(f"{where}: expected an ISO timestamp, got {value!r:.80}")
    if hint in (int, str, bool) and type(value) is hint:
        return value
    raise MalformedPayload(f"{where}: expected {hint}, got {value!r:.80}")
