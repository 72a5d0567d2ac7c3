"""History: records of the operations a scheduler finished, newest last, bounded."""

from __future__ import annotations

from collections import deque

from tgkit.core.operation import Operation
from tgkit.core.views import OperationRecord, record_of


class History:
    """The last ``size`` finished operations as frozen records, in the order they finished.

    >>> history = History(size=1000)
    >>> history.records()
    ()
    """

    __slots__ = ("_records",)

    def __init__(self, size: int) -> None:
        self._records: deque[OperationRecord] = deque(maxlen=size)

    def __len__(self) -> int:
        return len(self._records)

    def add(self, op: Operation) -> OperationRecord:
        """Record a finished operation and return its record."""
        record = record_of(op)
        self._records.append(record)
        return record

    def records(self) -> tuple[OperationRecord, ...]:
        """Every kept record, oldest first."""
        return tuple(self._records)

    def recent(self, count: int) -> tuple[OperationRecord, ...]:
        """The latest ``count`` records, oldest first."""
        if count <= 0:
            return ()
        records = self._records
        start = max(0, len(records) - count)
        return tuple(records[i] for i in range(start, len(records)))
