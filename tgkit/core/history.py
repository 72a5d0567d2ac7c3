"""History: records of the operations a scheduler finished, newest last, bounded.

Adding is cheap (a tuple of the finished operation's facts); the frozen
``OperationRecord`` is built when the history is read, so a busy scheduler
does not pay for datetimes nobody looks at.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from tgkit.core.operation import Operation
from tgkit.core.views import OperationRecord, record_of


class History:
    """The last ``size`` finished operations, in the order they finished.

    >>> history = History(size=1000)
    >>> history.records()
    ()
    """

    __slots__ = ("_entries", "remember")

    def __init__(self, size: int) -> None:
        self._entries: deque[OperationRecord | tuple[Any, ...]] = deque(maxlen=size)
        #: Keep an entry as ``add`` builds it (the engine builds it inline, on every
        #: operation's path): (seq, kind, label, priority, state, queued_at,
        #: started_at, finished_at, error, report, parent_id, wall_offset).
        self.remember = self._entries.append

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, op: Operation) -> None:
        """Remember a finished operation (without keeping its function, arguments or result)."""
        self._entries.append(
            (
                op.seq,  # the id is made when the record is read
                op.kind,
                op.label,
                op.priority,
                op.state,
                op.queued_at,
                op.started_at,
                op.finished_at,
                op.error,
                op._report,
                op.parent_id,
                op.wall_offset,
            )
        )

    def records(self) -> tuple[OperationRecord, ...]:
        """Every kept record, oldest first."""
        return self.recent(len(self._entries))

    def recent(self, count: int) -> tuple[OperationRecord, ...]:
        """The latest ``count`` records, oldest first."""
        entries = self._entries
        start = max(0, len(entries) - max(0, count))
        records = []
        for index in range(start, len(entries)):
            entry = entries[index]
            if isinstance(entry, tuple):
                entry = entries[index] = record_of(f"op-{entry[0]}", *entry[1:])
            records.append(entry)
        return tuple(records)
