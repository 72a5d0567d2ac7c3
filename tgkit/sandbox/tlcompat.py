"""Build TL objects that serialise on every supported Telethon layer.

Telethon 1.39 (layer 199) and 1.45 (layer 229) differ in which constructor
fields exist and which are required. ``build`` drops fields a layer does not
know and fills required plain fields a layer added (lists, numbers, strings)
with their empty value, so the same call works on both ends.

    >>> from telethon.tl import types
    >>> build(types.PeerChannel, channel_id=5, not_in_any_layer=1).channel_id
    5
"""

from __future__ import annotations

import inspect
import typing
from functools import cache

from telethon.extensions import BinaryReader
from telethon.tl.tlobject import TLObject

__all__ = ["Encoded", "build", "method_name", "roundtrip"]

T = typing.TypeVar("T")


@cache
def _shape(cls: type) -> tuple[frozenset[str], dict[str, object]]:
    """The field names ``cls`` accepts and the empty value of each required one."""
    params = inspect.signature(cls).parameters
    accepted = frozenset(name for name in params if name != "self")
    required: dict[str, object] = {}
    for name, param in params.items():
        if name == "self" or param.default is not inspect.Parameter.empty:
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        required[name] = _empty_value(str(param.annotation))
    return accepted, required


def _empty_value(annotation: str) -> object:
    if "List" in annotation:
        return []
    if annotation in ("int", "<class 'int'>"):
        return 0
    if annotation in ("str", "<class 'str'>"):
        return ""
    if "datetime" in annotation:
        return None
    return _MISSING


_MISSING = object()


def build(cls: type[T], **fields: object) -> T:
    """``cls(**fields)`` tolerant of layer differences (see module docstring)."""
    accepted, required = _shape(typing.cast(type, cls))
    kwargs = {name: value for name, value in fields.items() if name in accepted}
    for name, empty in required.items():
        if name not in kwargs:
            if empty is _MISSING:
                raise TypeError(f"{cls.__name__} needs field {name!r} on this Telethon layer")
            kwargs[name] = [] if isinstance(empty, list) else empty
    return cls(**kwargs)


class Encoded(TLObject):
    """A TL object already serialised: sits in a result's lists and adds its bytes.

    Only for answers the server encodes (the client still parses every byte).
    """

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def _bytes(self) -> bytes:
        return self.data


def roundtrip(obj: TLObject) -> TLObject:
    """Serialise ``obj`` to bytes and read it back, as the wire would."""
    with BinaryReader(bytes(obj)) as reader:
        return reader.tgread_object()


def method_name(request: TLObject) -> str:
    """``channels.GetParticipants`` for a ``channels.GetParticipantsRequest``."""
    module = type(request).__module__.rpartition("functions")[2].strip(".")
    name = type(request).__name__.removesuffix("Request")
    return f"{module}.{name}" if module else name
