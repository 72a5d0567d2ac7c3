"""The items of a collection: pages of records, each with the keys of its items.

An item is identified by its key (members by user id, messages by chat and
message id). Each write adds at most one row to ``pages``: the items not
stored before, their keys and their records as one JSON document (see
:mod:`_pages`), so writing a page twice adds nothing. Reading a collection
back concatenates its pages in the order written.

Which keys are stored already is answered from memory (:class:`KnownItems`)
rather than from an index on disk: inserting a page's random user ids into a
B-tree dirtied a database page per item and made every commit write hundreds of
kilobytes. The keys are held compactly (``tgkit.keysets.IntKeys``: 8 bytes a
user id, where a Python set of ints costs ~60). The memory is caught up inside
each write transaction from the pages other connections committed since (page
ids only grow), so two connections or processes writing one collection still
store each item once.

Pages are checked and encoded by :func:`page_from_records` or
:func:`page_from_columns` before any transaction starts, so a bad record
leaves the store untouched and the write lock is held only for the inserts.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tgkit.keysets import IntKeys
from tgkit.store import _pages
from tgkit.store._records import ITEM_KEYS

_KEY_LIMIT = 2**63  # SQLite integers are 64-bit; keep keys portable to other readers
_KEYS_ENCODER = json.JSONEncoder(separators=(",", ":"))
_INT = frozenset({int})
_STR = frozenset({str})


@dataclass(frozen=True, slots=True)
class Page:
    """A page ready to write: each item's key (a user id, or a (chat id, message
    id) pair), in order, the same keys as a set, and the JSON text of its records.
    ``subset(indexes)`` encodes only those records (the ones not stored yet, when
    some were)."""

    keys: list[Hashable]
    key_set: set[Hashable]
    body: str | bytes
    subset: Callable[[list[int]], str | bytes]


class KnownItems:
    """The keys stored in the most recently written collections, as far as this
    connection has read its pages. Holds ``capacity`` collections at most.

    >>> known = KnownItems()
    >>> len(known.stored(conn, collection_id=1))  # doctest: +SKIP
    0
    """

    __slots__ = ("_capacity", "_collections", "kinds")

    def __init__(self, capacity: int = 2) -> None:
        self._capacity = capacity
        self._collections: OrderedDict[int, tuple[int, IntKeys]] = OrderedDict()
        #: collection id -> kind, as read once (a collection's kind never changes and
        #: ids are never reused), so writing a page does not select it every time.
        self.kinds: dict[int, str] = {}

    def stored(self, conn: sqlite3.Connection, collection_id: int) -> IntKeys:
        """The collection's stored keys, caught up with pages committed since last read.

        Call inside the write transaction, so no page can be committed meanwhile.
        """
        last_page, keys = self._collections.pop(collection_id, (0, IntKeys()))
        for page_id, page_keys in conn.execute(
            "SELECT id, keys FROM pages WHERE collection_id = ? AND id > ? ORDER BY id",
            (collection_id, last_page),
        ):
            keys.update(_decode_keys(page_keys))
            last_page = page_id
        self._remember(collection_id, last_page, keys)
        return keys

    def added(self, collection_id: int, page_id: int, keys: Collection[Hashable]) -> None:
        """Our own page ``page_id`` with ``keys`` is committed."""
        known = self._collections.get(collection_id)
        if known is not None and known[0] < page_id:
            known[1].update(keys, new=True)  # checked against it in the same transaction
            self._collections[collection_id] = (page_id, known[1])

    def _remember(self, collection_id: int, last_page: int, keys: IntKeys) -> None:
        self._collections[collection_id] = (last_page, keys)
        while len(self._collections) > self._capacity:
            self._collections.popitem(last=False)


def page_from_columns(kind: str, columns: Mapping[str, Sequence[Any]]) -> Page:
    """A page of records given as one list per field (all of one length)."""
    rows = _check_columns(columns)
    keys = _keys(kind, [columns.get(field) or [None] * rows for field in ITEM_KEYS[kind]])
    key_set, first = _first_sightings(keys)
    if first is not None:
        columns = {name: [values[i] for i in first] for name, values in columns.items()}
        keys, rows = [keys[i] for i in first], len(first)

    def subset(indexes: list[int]) -> str | bytes:
        chosen = {name: [values[i] for i in indexes] for name, values in columns.items()}
        return _pages.encode_columns(chosen, rows=len(indexes))

    return Page(keys, key_set, _pages.encode_columns(columns, rows=rows), subset)


def page_from_records(kind: str, records: Sequence[Mapping[str, Any]]) -> Page:
    """A page of records (mappings); stored as columns when all have the same fields."""
    columns = _pages.columns_of(records)
    if columns is not None:
        return page_from_columns(kind, columns)
    fields = ITEM_KEYS[kind]
    keys = _keys(kind, [[_field(record, field) for record in records] for field in fields])
    key_set, first = _first_sightings(keys)
    if first is not None:
        records, keys = [records[i] for i in first], [keys[i] for i in first]

    def subset(indexes: list[int]) -> str:
        return _pages.encode_records([records[i] for i in indexes])

    return Page(keys, key_set, _pages.encode_records(records), subset)


def add_page(
    conn: sqlite3.Connection, known: KnownItems, collection_id: int, page: Page
) -> tuple[int, Collection[Hashable]]:
    """Insert the page's items not stored yet, inside the caller's transaction.

    Returns the new page's id (0 when nothing was new) and the new items' keys (a
    set when all are new: a set adds to another without hashing again); tell
    ``known.added`` once the transaction has committed.
    """
    if not page.keys:
        return 0, []
    stored = known.stored(conn, collection_id)
    if stored.isdisjoint(page.key_set):  # the usual case: every item is new
        keys: Collection[Hashable] = page.key_set
        key_list, body = page.keys, page.body
    else:
        new = [index for index, seen in enumerate(stored.seen(page.keys)) if not seen]
        if not new:
            return 0, []
        keys = key_list = [page.keys[index] for index in new]
        body = page.subset(new)
    cursor = conn.execute(
        "INSERT INTO pages (collection_id, keys, body) VALUES (?, ?, ?)",
        (collection_id, encode_keys(key_list), body),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid, keys


def records(conn: sqlite3.Connection, collection_id: int) -> list[dict[str, Any]]:
    """All records of a collection, in the order they were first written."""
    bodies = [
        row[0]
        for row in conn.execute(
            "SELECT body FROM pages WHERE collection_id = ? ORDER BY id", (collection_id,)
        )
    ]
    return _pages.decode_pages(bodies)


def encode_keys(keys: Sequence[Hashable]) -> str:
    """A page's keys as JSON: ``[7, 9]`` or ``[[chat, message], ...]``."""
    return _KEYS_ENCODER.encode(keys)


def _decode_keys(text: str) -> list[Hashable]:
    keys = json.loads(text)
    if keys and isinstance(keys[0], list):
        return [tuple(key) for key in keys]
    return keys


def _check_columns(columns: Mapping[str, Sequence[Any]]) -> int:
    if not isinstance(columns, Mapping):
        raise TypeError(f"columns must be a mapping of field name to values, got {columns!r}")
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            f"columns must all have the same length, got {lengths}; pass one value per "
            "record in every column"
        )
    if not set(map(type, columns)) <= _STR:
        for name in columns:
            if not isinstance(name, str):
                raise TypeError(f"column names must be strings, got {name!r}")
    return next(iter(lengths.values()), 0)


def _field(record: Any, field: str) -> Any:
    return record.get(field) if isinstance(record, Mapping) else None


def _keys(kind: str, key_columns: list[Sequence[Any]]) -> list[Hashable]:
    """Each record's key: its user id, or its (chat id, message id)."""
    checked = [
        _key_column(kind, field, values)
        for field, values in zip(ITEM_KEYS[kind], key_columns, strict=True)
    ]
    if len(checked) == 1:
        return list(checked[0])
    return list(zip(*checked, strict=True))


def _key_column(kind: str, field: str, values: Sequence[Any]) -> Sequence[int]:
    if not set(map(type, values)) <= _INT:  # in C: the usual case, plain ints
        for index, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(
                    f"records[{index}] needs an integer {field!r} ({kind} records are keyed "
                    f"by {' + '.join(ITEM_KEYS[kind])}), got {value!r}"
                )
        values = [int(value) for value in values]
    if values and (min(values) < -_KEY_LIMIT or max(values) >= _KEY_LIMIT):
        index, value = next(
            (i, v) for i, v in enumerate(values) if not -_KEY_LIMIT <= v < _KEY_LIMIT
        )
        raise ValueError(f"records[{index}] has {field!r} {value}, which does not fit in 64 bits")
    return values


def _first_sightings(keys: list[Hashable]) -> tuple[set[Hashable], list[int] | None]:
    """The keys as a set, and the indexes of each key's first record when the page
    repeats a key (else None)."""
    key_set = set(keys)
    if len(key_set) == len(keys):
        return key_set, None
    seen: set[Hashable] = set()
    first = []
    for index, key in enumerate(keys):
        if key not in seen:
            seen.add(key)
            first.append(index)
    return key_set, first
