"""OperationQueue: the runs of queued operations in dispatch order, with their expiry deadlines.

Dispatch order is strict priority (higher first), FIFO within a priority:
one deque per priority, so pushing and popping are O(1).

Expiry needs the earliest deadline, so the scheduler can keep one timer for
it instead of one per operation. Operations are queued in time order, so
those sharing a ``queue_timeout`` (nearly all share the configured default)
expire in the order they were queued: one deque per ``queue_timeout`` is
already sorted by deadline, and the earliest deadline is the smallest head.

Removal is lazy: a dispatched, cancelled or expired operation is only marked
as gone (``Run.queued``) and skipped when reached; the deques are compacted when the dead
entries outnumber the live ones.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterator

from tgkit.core.run import Run

_COMPACT_SLACK = 256


class OperationQueue:
    """A priority queue of operations with lazy removal and ordered expiry.

    >>> queue = OperationQueue()  # doctest: +SKIP
    >>> queue.push(run); queue.pop() is run  # doctest: +SKIP
    True
    """

    __slots__ = ("_expiry", "_lanes", "_order", "_stored", "size")

    def __init__(self) -> None:
        self._lanes: dict[int, deque[Run]] = {}
        self._order: list[int] = []  # negated priorities, ascending: highest priority first
        self._expiry: dict[float, deque[Run]] = {}  # by queue_timeout, deadline order
        #: How many operations are queued (read it, never set it; len() says the same).
        self.size = 0
        self._stored = 0

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[Run]:
        """The queued runs in the order they will be dispatched."""
        for negated in self._order:
            yield from (run for run in self._lanes[-negated] if run.queued)

    def push(self, run: Run) -> None:
        """Queue ``run`` behind every queued operation of the same or higher priority."""
        op = run.op
        lane = self._lanes.get(op.priority)
        if lane is None:
            lane = self._lanes[op.priority] = deque()
            bisect.insort(self._order, -op.priority)
        lane.append(run)
        run.queued = True
        self.size += 1
        self._stored += 1
        if op.queue_timeout != math.inf:
            expiry = self._expiry.get(op.queue_timeout)
            if expiry is None:
                expiry = self._expiry[op.queue_timeout] = deque()
            expiry.append(run)
            self._stored += 1

    def pop(self) -> Run | None:
        """Take the next operation to dispatch, or None when nothing is queued."""
        while self._order:
            priority = -self._order[0]
            lane = self._lanes[priority]
            while lane:
                run = lane.popleft()
                self._stored -= 1
                if run.queued:
                    run.queued = False
                    self.size -= 1
                    self._trim_expiry(run.op.queue_timeout)
                    if self._stored > 4 * self.size + _COMPACT_SLACK:
                        self._compact()
                    return run
            del self._lanes[priority]
            self._order.pop(0)
        return None

    def discard(self, run: Run) -> bool:
        """Take ``run`` out of the queue; False if it was not queued."""
        if not run.queued:
            return False
        run.queued = False
        self.size -= 1
        if self._stored > 4 * self.size + _COMPACT_SLACK:
            self._compact()
        return True

    def earliest_deadline(self) -> float | None:
        """The nearest expiry deadline of a queued operation, or None."""
        earliest = None
        for timeout, expiry in list(self._expiry.items()):
            while expiry and not expiry[0].queued:
                expiry.popleft()
                self._stored -= 1
            if not expiry:
                del self._expiry[timeout]
            elif earliest is None or expiry[0].op.queue_deadline < earliest:
                earliest = expiry[0].op.queue_deadline
        return earliest

    def pop_expired(self, now: float) -> list[Run]:
        """Take every queued operation whose deadline is ``now`` or earlier, oldest first."""
        expired = []
        for expiry in self._expiry.values():
            while expiry and expiry[0].op.queue_deadline <= now:
                run = expiry.popleft()
                self._stored -= 1
                if run.queued:
                    run.queued = False
                    self.size -= 1
                    expired.append(run)
        if self._stored > 4 * self.size + _COMPACT_SLACK:
            self._compact()
        expired.sort(key=lambda run: run.op.seq)
        return expired

    def _trim_expiry(self, timeout: float) -> None:
        # In the common case (one priority, one queue_timeout) the operation just
        # dispatched heads its expiry deque: drop it now rather than at its deadline.
        expiry = self._expiry.get(timeout)
        while expiry and not expiry[0].queued:
            expiry.popleft()
            self._stored -= 1

    def _compact(self) -> None:
        for priority, lane in list(self._lanes.items()):
            kept = deque(run for run in lane if run.queued)
            if kept:
                self._lanes[priority] = kept
            else:
                del self._lanes[priority]
                self._order.remove(-priority)
        for timeout, expiry in list(self._expiry.items()):
            kept = deque(run for run in expiry if run.queued)
            if kept:
                self._expiry[timeout] = kept
            else:
                del self._expiry[timeout]
        self._stored = sum(map(len, self._lanes.values())) + sum(map(len, self._expiry.values()))
