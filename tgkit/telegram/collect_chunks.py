"""The rows of a large collection as typed columnar chunks, not Python objects.

A members collection of a million rows held as one Python list per column
costs several times its final DataFrame (a pointer, and an ``int``, ``str``
or ``datetime`` object, per cell), and building the frame at the end needs
both at once. ``ChunkedColumns`` keeps only the newest rows as lists; every
``CHUNK_ROWS`` rows they are converted with :func:`tgkit.frames.frame_from_columns`
(the same conversion the whole frame used to get, so dtypes and values are
identical) and the lists are dropped. ``frame()`` concatenates the chunks one
column at a time and keeps the result as the single chunk, so the peak is
the chunks plus one column, and the frame shares its arrays with the
collector.

``column(name)`` is a live read-only view (it grows as rows arrive) whose
values look like the lists' did: ``None`` for NA, plain ``str``/``int``.

Example::

    >>> chunks = ChunkedColumns("members", chunk_rows=2)
    >>> chunks.extend({"user_id": [1, 2, 3], "first_name": ["a", "", "c"]})
    >>> list(chunks.column("first_name")), len(chunks)
    (['a', None, 'c'], 3)
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from tgkit.frames import SCHEMAS, frame_from_columns

__all__ = ["CHUNK_ROWS", "ChunkedColumns"]

#: Rows kept as Python lists before they become one typed chunk.
CHUNK_ROWS = 10_000


def _plain(value: Any) -> Any:
    return None if value is pd.NA or value is pd.NaT else value


class ChunkedColumns:
    """Columns of ``kind``: typed chunks (pandas Series) plus a tail of Python lists."""

    def __init__(self, kind: str, *, chunk_rows: int | None = None) -> None:
        self.kind = kind
        self._names = tuple(SCHEMAS[kind])
        self._chunk_rows = CHUNK_ROWS if chunk_rows is None else chunk_rows
        self._chunks: dict[str, list[pd.Series]] = {name: [] for name in self._names}
        self._starts: list[int] = []  # the first row of each chunk
        self._chunked = 0  # rows in chunks
        self._tail: dict[str, list[Any]] = {name: [] for name in self._names}

    def __len__(self) -> int:
        return self._chunked + len(self._tail[self._names[0]])

    def extend(self, columns: Mapping[str, Sequence[Any]]) -> None:
        """Append rows (one sequence per column; a missing column is NA)."""
        rows = len(next(iter(columns.values()), ()))
        for name in self._names:
            values = columns.get(name)
            self._tail[name].extend([None] * rows if values is None else values)
        if len(self._tail[self._names[0]]) >= self._chunk_rows:
            self._seal()

    def _seal(self) -> None:
        rows = len(self._tail[self._names[0]])
        if not rows:
            return
        frame = frame_from_columns(self.kind, self._tail)
        self._tail = {name: [] for name in self._names}
        for name in self._names:
            self._chunks[name].append(frame[name])
        self._starts.append(self._chunked)
        self._chunked += rows

    def frame(self, attrs: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """All rows as one typed frame (the chunks become that frame's columns)."""
        self._seal()
        if self._chunked == 0:
            return frame_from_columns(self.kind, {}, attrs)
        data = {name: self._merged(name) for name in self._names}
        self._starts = [0]
        frame = pd.DataFrame(data, index=pd.RangeIndex(self._chunked), copy=False)
        frame.attrs = dict(attrs or {})
        return frame

    def _merged(self, name: str) -> pd.Series:
        parts = self._chunks[name]
        if len(parts) > 1:
            merged = pd.concat(parts, ignore_index=True)
            parts[:] = [merged]  # the parts go now: one column at a time in memory twice
        return parts[0].reset_index(drop=True)

    def column(self, name: str) -> ColumnView:
        """A live read-only view of column ``name`` (``None`` for NA)."""
        return ColumnView(self, name)

    def value(self, name: str, row: int) -> Any:
        if row >= self._chunked:
            return self._tail[name][row - self._chunked]
        chunk = bisect_right(self._starts, row) - 1
        return _plain(self._chunks[name][chunk].iat[row - self._starts[chunk]])

    def iterate(self, name: str) -> Iterator[Any]:
        for part in list(self._chunks[name]):
            yield from map(_plain, part.tolist())
        yield from list(self._tail[name])


class ColumnView(Sequence[Any]):
    """One column of a ``ChunkedColumns``, read-only, growing with it."""

    def __init__(self, columns: ChunkedColumns, name: str) -> None:
        self._columns = columns
        self._name = name

    def __len__(self) -> int:
        return len(self._columns)

    def __getitem__(self, row: Any) -> Any:
        if isinstance(row, slice):
            return list(self)[row]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"row {row} out of range (0..{len(self) - 1})")
        return self._columns.value(self._name, row)

    def __iter__(self) -> Iterator[Any]:
        return self._columns.iterate(self._name)

    def count(self, value: Any) -> int:
        return sum(1 for item in self if item == value)

