"""A compact set of int ids, for de-duplicating large collections.

A Python set of a million user ids costs ~60 MiB (a hash-table slot and an
``int`` object per id). ``IntKeys`` keeps ids in a sorted int64 array (8
bytes each) plus a set of the newest ones, merged into the array every
``MERGE_AT`` ids, so adding stays cheap and the set stays small. It answers
``in``, ``len``, ``isdisjoint`` and, for a whole page at once, ``seen(keys)``
with one vectorised lookup. Keys that are not ``int`` (tuples of message
keys, say) are accepted and simply stay in the set.

Used for the ids a members collector has (``tgkit.telegram.collect``) and the
keys a store has written (``tgkit.store._items``).

Example::

    >>> keys = IntKeys(merge_at=2)
    >>> keys.update([5, 3, 9])
    >>> 3 in keys, 4 in keys, len(keys), keys.seen([9, 1])
    (True, False, 3, [True, False])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = ["MERGE_AT", "IntKeys"]

#: Newest ids kept in a set before they are merged into the sorted array.
MERGE_AT = 10_000
_LOW, _HIGH = -(2**63), 2**63
_INT = frozenset({int})


class IntKeys:
    """A growing set of int ids: a sorted int64 array and a small set of the newest.

    Ids that are not ``int`` (none are expected) simply stay in the set.
    """

    def __init__(self, *, merge_at: int | None = None) -> None:
        self._sorted: np.ndarray[Any, np.dtype[np.int64]] = np.empty(0, dtype=np.int64)
        self._recent: set[Any] = set()
        self._merge_at = MERGE_AT if merge_at is None else merge_at

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def __contains__(self, key: Any) -> bool:
        return key in self._recent or self._sorted_has(key)

    def seen(self, keys: Sequence[Any]) -> list[bool]:
        """For each of ``keys``, whether it is in the set."""
        in_recent = list(map(self._recent.__contains__, keys))
        found = self._in_sorted(keys)
        if found is None or not found.any():
            return in_recent
        flags: list[bool] = (found | np.array(in_recent, dtype=bool)).tolist()
        return flags

    def _in_sorted(self, keys: Sequence[Any]) -> np.ndarray[Any, np.dtype[np.bool_]] | None:
        """Which keys the sorted array holds (None: none of them)."""
        size = len(self._sorted)
        if not size or not keys:
            return None
        try:
            wanted = np.array(keys)
        except (TypeError, ValueError, OverflowError):  # ragged tuples and the like
            wanted = np.empty(0, dtype=object)
        if wanted.dtype != np.int64 or wanted.ndim != 1:  # not all int64: one at a time
            return np.array([self._sorted_has(key) for key in keys], dtype=bool)
        positions = self._sorted.searchsorted(wanted)
        np.minimum(positions, size - 1, out=positions)
        found: np.ndarray[Any, np.dtype[np.bool_]] = self._sorted[positions] == wanted
        return found

    def _sorted_has(self, key: Any) -> bool:
        if not isinstance(key, int) or not len(self._sorted) or not _LOW <= key < _HIGH:
            return False
        position = int(np.searchsorted(self._sorted, key))
        return position < len(self._sorted) and int(self._sorted[position]) == key

    def isdisjoint(self, keys: Iterable[Any]) -> bool:
        keys = keys if isinstance(keys, list) else list(keys)
        if not self._recent.isdisjoint(keys):
            return False
        found = self._in_sorted(keys)
        return found is None or not found.any()

    def update(self, keys: Iterable[Any], *, new: bool = False) -> None:
        """Add ``keys``; ``new=True`` promises none is in the set yet (no lookup)."""
        if not new:
            keys = keys if isinstance(keys, list) else list(keys)
            found = self._in_sorted(keys)
            if found is not None and found.any():
                keys = [key for key, known in zip(keys, found.tolist(), strict=True)
                        if not known]
        self._recent.update(keys)
        if len(self._recent) >= self._merge_at:
            self._merge()

    def _merge(self) -> None:
        try:
            if not set(map(type, self._recent)) <= _INT:
                raise TypeError  # floats would be truncated: keep to exact ints
            new = np.fromiter(self._recent, dtype=np.int64, count=len(self._recent))
            self._recent = set()
        except (TypeError, OverflowError):  # some keys are not int64: they stay
            ints = [key for key in self._recent if type(key) is int and _LOW <= key < _HIGH]
            self._recent.difference_update(ints)
            new = np.fromiter(ints, dtype=np.int64, count=len(ints))
        new.sort()  # none of them is in the array yet
        self._sorted = np.insert(self._sorted, np.searchsorted(self._sorted, new), new)
