"""OperationQueue: queued operations in dispatch order, with their expiry deadlines.

Dispatch order is strict priority (higher first), FIFO within a priority:
one deque per priority, so pushing and popping are O(1). Expiry uses a heap
of deadlines, so the scheduler needs one timer for the earliest deadline,
not one per queued operation.

Removal is lazy: a cancelled or expired operation is only marked as gone and
skipped when reached; the structures are compacted when the dead outnumber
the live.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import deque
from collections.abc import Iterator

from tgkit.core.operation import Operation

_COMPACT_SLACK = 64


class OperationQueue:
    """A priority queue of operations with lazy removal and an expiry heap.

    >>> queue = OperationQueue()  # doctest: +SKIP
    >>> queue.push(op); queue.pop() is op  # doctest: +SKIP
    True
    """

    __slots__ = ("_deadlines", "_lanes", "_live", "_order", "_stored")

    def __init__(self) -> None:
        self._lanes: dict[int, deque[Operation]] = {}
        self._order: list[int] = []  # negated priorities, ascending: highest priority first
        self._deadlines: list[tuple[float, int, Operation]] = []
        self._live = 0
        self._stored = 0

    def __len__(self) -> int:
        return self._live

    def __iter__(self) -> Iterator[Operation]:
        """The queued operations in the order they will be dispatched."""
        for negated in self._order:
            yield from (op for op in self._lanes[-negated] if op._queued)

    def push(self, op: Operation) -> None:
        """Queue ``op`` behind every queued operation of the same or higher priority."""
        lane = self._lanes.get(op.priority)
        if lane is None:
            lane = self._lanes[op.priority] = deque()
            bisect.insort(self._order, -op.priority)
        lane.append(op)
        op._queued = True
        self._live += 1
        self._stored += 1
        if op.queue_deadline != math.inf:
            heapq.heappush(self._deadlines, (op.queue_deadline, op.seq, op))

    def pop(self) -> Operation | None:
        """Take the next operation to dispatch, or None when nothing is queued."""
        while self._order:
            priority = -self._order[0]
            lane = self._lanes[priority]
            while lane:
                op = lane.popleft()
                self._stored -= 1
                if op._queued:
                    self._take(op)
                    self._maybe_compact()
                    return op
            del self._lanes[priority]
            self._order.pop(0)
        return None

    def discard(self, op: Operation) -> bool:
        """Take ``op`` out of the queue; False if it was not queued."""
        if not op._queued:
            return False
        self._take(op)
        self._maybe_compact()
        return True

    def earliest_deadline(self) -> float | None:
        """The nearest expiry deadline of a queued operation, or None."""
        heap = self._deadlines
        while heap and not heap[0][2]._queued:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_expired(self, now: float) -> list[Operation]:
        """Take every queued operation whose deadline is ``now`` or earlier."""
        expired = []
        heap = self._deadlines
        while heap and heap[0][0] <= now:
            op = heapq.heappop(heap)[2]
            if op._queued:
                self._take(op)
                expired.append(op)
        self._maybe_compact()
        return expired

    def _take(self, op: Operation) -> None:
        op._queued = False
        self._live -= 1

    def _maybe_compact(self) -> None:
        if self._stored + len(self._deadlines) <= 4 * self._live + _COMPACT_SLACK:
            return
        for priority, lane in list(self._lanes.items()):
            kept = deque(op for op in lane if op._queued)
            if kept:
                self._lanes[priority] = kept
            else:
                del self._lanes[priority]
                self._order.remove(-priority)
        self._stored = sum(len(lane) for lane in self._lanes.values())
        self._deadlines = [entry for entry in self._deadlines if entry[2]._queued]
        heapq.heapify(self._deadlines)
