"""A page of records as one document, encoded column by column.

A page is stored as one document, not one per record: one encoder call per
page instead of one per record is most of what makes committing every page
cheap. Records that all have the same fields in the same order are stored as
columns; a column holding only UTC datetimes (and None) becomes integer
seconds since the epoch when none has a fraction of a second (Telegram's dates)
or else microseconds, which is exact and much cheaper than ISO text::

    {"rows": 2, "columns": {"user_id": [7, 9], "joined_at": {"$utc_s": [1714564800, null]}}}

When every column then holds only plain values (str, int, float, bool, None)
the document is stored as pickle bytes (:mod:`_plain`: about three times
cheaper to write and read than JSON, and read back without running code), else
as JSON text. Any other datetime is tagged value by value as :mod:`_codec`
does. Records whose fields differ are stored as they are:
``{"records": [{...}, {...}]}`` (JSON).
Decoding gives back records equal to those written, datetimes, zones and
field order included.

>>> decode_pages([encode_columns({"user_id": [7], "name": ["ada"]}, rows=1)])
[{'user_id': 7, 'name': 'ada'}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import repeat
from operator import add, attrgetter, mul, sub
from typing import Any

from tgkit.store import _codec, _plain

_UTC_MICROSECONDS = "$utc_us"
_UTC_SECONDS = "$utc_s"
_SAME = "$same"
_SAME_UTC_MICROSECONDS = "$same_utc_us"
# the tags as written: escaped like a caller's own "$" keys (the decoder unescapes them)
_ESCAPED = {
    tag: _codec.escape_key(tag)
    for tag in (_UTC_MICROSECONDS, _UTC_SECONDS, _SAME, _SAME_UTC_MICROSECONDS)
}
_NESTED = (dict, list, tuple)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NONE = type(None)
_TZINFO = attrgetter("tzinfo")
_DAYS = attrgetter("days")
_SECONDS = attrgetter("seconds")
_MICROSECONDS = attrgetter("microseconds")
_UTC_ONLY = {UTC}
_DATETIMES = frozenset({datetime, type(None)})
#: Types whose equal values are interchangeable (not float: 0.0 == -0.0).
_PLAIN = frozenset({str, int, bool, _NONE})


def columns_of(records: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]] | None:
    """The records as one list per field, or None unless all have the same fields
    in the same order (those are stored record by record)."""
    if not records:
        return {}
    if not all(type(record) is dict or isinstance(record, Mapping) for record in records):
        return None
    names = tuple(records[0])
    if not all(len(record) == len(names) and tuple(record) == names for record in records):
        return None
    return {name: [record[name] for record in records] for name in names}


def encode_columns(columns: Mapping[str, Sequence[Any]], *, rows: int) -> str | bytes:
    """One page of ``rows`` records given as one list per field: pickle bytes when all
    its values are plain once encoded, else JSON text."""
    encoded: dict[str, Any] = {}
    plain = True
    for name, values in columns.items():
        encoded[name], simple = _encode_column(values)
        plain = plain and simple and type(name) is str
    if plain:
        return _plain.dumps({"rows": rows, "columns": encoded})
    escaped = {_codec.escape_key(name): _escape_tags(value) for name, value in encoded.items()}
    return _codec.dumps_escaped({"rows": rows, "columns": escaped})


def _escape_tags(value: Any) -> Any:
    """A column as JSON holds it: our tags escaped like a caller's own ``$`` keys."""
    if type(value) is dict:  # only our tags are dicts: nested values are lists
        return {_ESCAPED[tag]: item for tag, item in value.items()}
    return value


def encode_records(records: Sequence[Mapping[str, Any]]) -> str:
    """One page of records whose fields differ, as JSON text."""
    return _codec.dumps({"records": [dict(record) for record in records]})


def decode_pages(bodies: Sequence[str | bytes]) -> list[dict[str, Any]]:
    """The records of these pages (JSON texts and pickle bytes), in order."""
    records: list[dict[str, Any]] = []
    texts = iter(_codec.loads_many([body for body in bodies if isinstance(body, str)]))
    for body in bodies:
        page = next(texts) if isinstance(body, str) else _plain.loads(body)
        if "records" in page:
            records.extend(page["records"])
            continue
        names, rows = list(page["columns"]), page["rows"]
        values = [_decode_column(column, rows) for column in page["columns"].values()]
        records.extend(dict(zip(names, row, strict=True)) for row in zip(*values, strict=True))
    return records


def _encode_column(values: Sequence[Any]) -> tuple[Any, bool]:
    """The column as stored (a list, or a dict of one of our tags), and whether it holds
    plain values only."""
    types = set(map(type, values))
    if len(types) == 1 and types <= _PLAIN:
        # values[0] == values[-1] first: most columns that vary differ at their ends
        if values[0] == values[-1] and values.count(values[0]) == len(values):
            return {_SAME: values[0]}, True
    elif datetime in types and types <= _DATETIMES:
        encoded = _encode_utc(values, _NONE in types)
        if encoded is not None:
            return encoded, True
    elif any(issubclass(t, _NESTED) for t in types):
        return _codec.escape(list(values)), False  # a caller's own "$" keys, as dumps does
    column = values if type(values) is list else list(values)
    return column, types <= _plain.PLAIN_TYPES


def _encode_utc(values: Sequence[datetime | None], gaps: bool) -> dict[str, Any] | None:
    """UTC datetimes (None elsewhere) as whole seconds since the epoch when none has a
    fraction (Telegram's dates), else as microseconds; None unless all are in UTC (one
    zone object throughout: equal values are then the same moment written the same way).

    The arithmetic runs in C (``map``) on the timedeltas since the epoch, by their days,
    seconds and microseconds (``timestamp()`` or dividing timedeltas costs several times
    more); only a column with gaps takes a Python loop, to put the Nones back.
    """
    present = list(filter(None, values)) if gaps else values  # a datetime is never false
    if set(map(_TZINFO, present)) != _UTC_ONLY:
        return None
    first = values[0]
    if not gaps and first is not None and values.count(first) == len(values):
        return {_SAME_UTC_MICROSECONDS: _microseconds(first)}
    deltas = list(map(sub, present, repeat(_EPOCH)))
    seconds = map(add, map(mul, map(_DAYS, deltas), repeat(86_400)), map(_SECONDS, deltas))
    if any(map(_MICROSECONDS, deltas)):
        tag = _UTC_MICROSECONDS
        stamps = list(map(add, map(mul, seconds, repeat(1_000_000)), map(_MICROSECONDS, deltas)))
    else:
        tag = _UTC_SECONDS
        stamps = list(seconds)
    if gaps:
        found = iter(stamps)
        return {tag: [None if v is None else next(found) for v in values]}
    return {tag: stamps}


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _decode_column(column: Any, rows: int) -> list[Any]:
    if isinstance(column, list):
        return column
    if _SAME in column:
        return [column[_SAME]] * rows
    if _SAME_UTC_MICROSECONDS in column:
        return [_EPOCH + timedelta(microseconds=column[_SAME_UTC_MICROSECONDS])] * rows
    if _UTC_SECONDS in column:
        return [
            None if seconds is None else _EPOCH + timedelta(seconds=seconds)
            for seconds in column[_UTC_SECONDS]
        ]
    return [
        None if microseconds is None else _EPOCH + timedelta(microseconds=microseconds)
        for microseconds in column[_UTC_MICROSECONDS]
    ]


def records_page(encoded_records: Sequence[str]) -> str:
    """A page of records already encoded one by one with ``_codec.dumps``."""
    return '{"records":[' + ",".join(encoded_records) + "]}"
