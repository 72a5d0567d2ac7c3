"""JSON for records, checkpoints and parameters, with exact datetimes.

A ``datetime`` is written as ``{"$dt": "<ISO-8601>"}`` and read back as the
same ``datetime`` (microseconds and time zone kept), so a record read from the
store equals the record written. Everything else must be JSON-able.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping
from datetime import datetime
from typing import Any

_DATETIME_TAG = "$dt"


def _encode_other(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_DATETIME_TAG: value.isoformat()}
    if isinstance(value, numbers.Integral):  # numpy integers
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(
        f"a {type(value).__name__} cannot be stored; records, checkpoints and params "
        "may hold only None, bool, int, float, str, datetime, lists and dicts"
    )


def _decode_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and isinstance(obj.get(_DATETIME_TAG), str):
        return datetime.fromisoformat(obj[_DATETIME_TAG])
    if any(key.startswith("$") for key in obj):  # keys of the caller's own, escaped
        return {key[1:] if key.startswith("$") else key: value for key, value in obj.items()}
    return obj


def _escape(value: Any) -> Any:
    """``value`` with every dict key that starts with ``$`` given one more ``$``.

    So a caller's own ``{"$dt": ...}`` is never taken for a datetime tag.
    """
    if isinstance(value, dict):
        return {
            ("$" + key if isinstance(key, str) and key.startswith("$") else key): _escape(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_escape(item) for item in value]
    return value


_ENCODER = json.JSONEncoder(default=_encode_other, ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    """Compact JSON text for ``value``; datetimes are tagged so they come back exactly."""
    text = _ENCODER.encode(value)
    if '"$' in text:  # rare: a key (or a text) starting with "$"; escape the keys
        text = _ENCODER.encode(_escape(value))
    return text


def dumps_escaped(value: Any) -> str:
    """:func:`dumps` for a value whose ``$`` keys are escaped already (see ``escape_key``
    and ``escape``): one encoder call, where ``dumps`` would encode twice."""
    return _ENCODER.encode(value)


def escape_key(key: str) -> str:
    """A key as :func:`dumps` escapes it (one more ``$`` when it starts with one)."""
    return "$" + key if key.startswith("$") else key


escape = _escape


def loads(text: str) -> Any:
    """The value :func:`dumps` wrote."""
    return json.loads(text, object_hook=_decode_object)


def loads_many(texts: list[str]) -> list[Any]:
    """Decode many JSON documents in one parser call (much faster than one by one)."""
    if not texts:
        return []
    return json.loads("[" + ",".join(texts) + "]", object_hook=_decode_object)


def canonical(params: Mapping[str, Any]) -> str:
    """The same text for equal parameters, whatever their order: the collection key."""
    return json.dumps(
        dict(params),
        default=_encode_other,
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
